"""example plugin: notes

Revision ID: example_0001
Revises:
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "example_0001"
down_revision = None
branch_labels = ("example",)
depends_on = "core_0001"


def upgrade():
    op.create_table(
        "example_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_example_notes_grid_id_grids")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_example_notes")),
    )
    with op.batch_alter_table("example_notes") as batch_op:
        batch_op.create_index(batch_op.f("ix_example_notes_grid_id"), ["grid_id"], unique=False)


def downgrade():
    op.drop_table("example_notes")

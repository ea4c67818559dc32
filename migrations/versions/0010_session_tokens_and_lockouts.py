"""session tokens and login lockouts: a per-user token in every session (a new one ends them all);
lockouts per account-and-address and per address, each longer than the last

Revision ID: core_0010
Revises: core_0009
Create Date: 2026-11-30 15:20:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0010'
down_revision = 'core_0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=43), nullable=True))

    # Each existing user gets a token of their own. Sessions issued before the upgrade hold the
    # bare user id, which the session check refuses: everyone logs in once more.
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(session_token=secrets.token_urlsafe(32)))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=43),
                              nullable=False)

    op.create_table('login_lockouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('until', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_lockouts'))
    )
    with op.batch_alter_table('login_lockouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_lockouts_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_lockouts_key'), ['key'], unique=False)

    # Failures were counted per account alone ("account:<id>"); the keys now name the address
    # too, so the old rows would never match again.
    op.execute("DELETE FROM login_attempts")


def downgrade():
    with op.batch_alter_table('login_lockouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_lockouts_key'))
        batch_op.drop_index(batch_op.f('ix_login_lockouts_at'))

    op.drop_table('login_lockouts')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')

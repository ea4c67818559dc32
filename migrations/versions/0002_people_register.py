"""people register: houses, households, residents, care, visits, key persons, town settings

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-24 10:06:30.377354

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0002'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('houses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('building', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_houses_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_houses')),
    sa.UniqueConstraint('grid_id', 'address', name=op.f('uq_houses_grid_id'))
    )
    with op.batch_alter_table('houses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_houses_grid_id'), ['grid_id'], unique=False)

    op.create_table('town_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['grids.id'], name=op.f('fk_town_settings_town_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_town_settings')),
    sa.UniqueConstraint('town_id', 'key', name=op.f('uq_town_settings_town_id'))
    )
    with op.batch_alter_table('town_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_town_settings_town_id'), ['town_id'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('found', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_visits_grid_id_grids')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_visits_household_id_households')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visits_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index('ix_visits_household_date', ['household_id', 'visited_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_user_id'), ['user_id'], unique=False)

    op.create_table('key_persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('light', sa.String(length=8), nullable=False),
    sa.Column('control_until', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_key_persons_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_persons'))
    )
    with op.batch_alter_table('key_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_persons_resident_id'), ['resident_id'], unique=False)

    op.create_table('resident_care',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_resident_care_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_care')),
    sa.UniqueConstraint('resident_id', 'category', name=op.f('uq_resident_care_resident_id'))
    )
    with op.batch_alter_table('resident_care', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_care_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_care_resident_id'), ['resident_id'], unique=False)

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('house_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('number', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('colour', sa.String(length=8), nullable=True))
        batch_op.create_index(batch_op.f('ix_households_colour'), ['colour'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_house_id'), ['house_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_households_grid_id'), ['grid_id', 'number'])
        batch_op.create_foreign_key(batch_op.f('fk_households_house_id_houses'), 'houses', ['house_id'], ['id'])

    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sex', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('id_number', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('residence', sa.String(length=16), nullable=False, server_default='local'))
        batch_op.add_column(sa.Column('party_member', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('name_pinyin', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('name_initials', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('id_reversed', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('phone_reversed', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('left_reason', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_residents_id_reversed', ['id_reversed'], unique=False)
        batch_op.create_index('ix_residents_name_initials', ['name_initials'], unique=False)
        batch_op.create_index('ix_residents_name_pinyin', ['name_pinyin'], unique=False)
        batch_op.create_index('ix_residents_phone_reversed', ['phone_reversed'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_residents_id_number'), ['id_number'])



def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_residents_id_number'), type_='unique')
        batch_op.drop_index('ix_residents_phone_reversed')
        batch_op.drop_index('ix_residents_name_pinyin')
        batch_op.drop_index('ix_residents_name_initials')
        batch_op.drop_index('ix_residents_id_reversed')
        batch_op.drop_column('left_reason')
        batch_op.drop_column('phone_reversed')
        batch_op.drop_column('id_reversed')
        batch_op.drop_column('name_initials')
        batch_op.drop_column('name_pinyin')
        batch_op.drop_column('party_member')
        batch_op.drop_column('residence')
        batch_op.drop_column('phone')
        batch_op.drop_column('id_number')
        batch_op.drop_column('birth_date')
        batch_op.drop_column('sex')

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_households_house_id_houses'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_households_grid_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_households_house_id'))
        batch_op.drop_index(batch_op.f('ix_households_colour'))
        batch_op.drop_column('colour')
        batch_op.drop_column('number')
        batch_op.drop_column('house_id')

    with op.batch_alter_table('resident_care', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_care_resident_id'))
        batch_op.drop_index(batch_op.f('ix_resident_care_category'))

    op.drop_table('resident_care')
    with op.batch_alter_table('key_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_persons_resident_id'))

    op.drop_table('key_persons')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_user_id'))
        batch_op.drop_index('ix_visits_household_date')
        batch_op.drop_index(batch_op.f('ix_visits_grid_id'))

    op.drop_table('visits')
    with op.batch_alter_table('town_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_town_settings_town_id'))

    op.drop_table('town_settings')
    with op.batch_alter_table('houses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_houses_grid_id'))

    op.drop_table('houses')

"""moderator identity: moderators, tokens and decisions that name them

Revision ID: a1c3e5f7b9d2
Revises: 6973ff5cb7ea
Create Date: 2026-12-01 22:00:00

Tokens issued before this revision carried only a name: each distinct name becomes a
moderator (role ``moderator``, no password, an address under ``.invalid`` that admins can
change), so no token stops working.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c3e5f7b9d2'
down_revision = '6973ff5cb7ea'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.Enum('admin', 'moderator', name='moderatorrole', native_enum=False, length=16), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderators')),
    sa.UniqueConstraint('email', name=op.f('uq_moderators_email'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderator_id', sa.Integer(), nullable=True))

    connection = op.get_bind()
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('created_at', sa.DateTime(timezone=True)),
                      sa.column('moderator_id', sa.Integer))
    moderators = sa.table('moderators', sa.column('id', sa.Integer), sa.column('email', sa.String),
                          sa.column('display_name', sa.String), sa.column('role', sa.String),
                          sa.column('is_active', sa.Boolean),
                          sa.column('created_at', sa.DateTime(timezone=True)))
    rows = connection.execute(sa.select(tokens.c.name, sa.func.min(tokens.c.created_at))
                              .group_by(tokens.c.name)).all()
    for index, (name, created_at) in enumerate(rows, start=1):
        connection.execute(moderators.insert().values(
            email=f'token-{index}@moderators.invalid', display_name=(name or 'token')[:100],
            role='moderator', is_active=True, created_at=created_at))
        moderator_id = connection.execute(
            sa.select(moderators.c.id).where(moderators.c.email == f'token-{index}@moderators.invalid')
        ).scalar_one()
        connection.execute(tokens.update().where(tokens.c.name == name).values(moderator_id=moderator_id))

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('moderator_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_api_tokens_moderator_id'), ['moderator_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_tokens_moderator_id_moderators'), 'moderators', ['moderator_id'], ['id'])

    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderator_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_moderation_decisions_moderator_id'), ['moderator_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_moderation_decisions_moderator_id_moderators'), 'moderators', ['moderator_id'], ['id'])


def downgrade():
    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_moderation_decisions_moderator_id_moderators'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_moderation_decisions_moderator_id'))
        batch_op.drop_column('moderator_id')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_tokens_moderator_id_moderators'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_tokens_moderator_id'))
        batch_op.drop_column('moderator_id')

    op.drop_table('moderators')

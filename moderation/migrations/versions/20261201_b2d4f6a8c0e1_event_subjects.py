"""event subjects: which comment, article and moderator an event is about

Revision ID: b2d4f6a8c0e1
Revises: a1c3e5f7b9d2
Create Date: 2026-12-01 22:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2d4f6a8c0e1'
down_revision = 'a1c3e5f7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('article_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('moderator_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_events_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_article_id'), ['article_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_events_comment_id_comments'), 'comments', ['comment_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_events_article_id_articles'), 'articles', ['article_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_events_moderator_id_moderators'), 'moderators', ['moderator_id'], ['id'])


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_events_moderator_id_moderators'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_events_article_id_articles'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_events_comment_id_comments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_events_article_id'))
        batch_op.drop_index(batch_op.f('ix_events_comment_id'))
        batch_op.drop_column('moderator_id')
        batch_op.drop_column('article_id')
        batch_op.drop_column('comment_id')

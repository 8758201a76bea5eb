"""queue facts: article notes, report resolution, decision batches, risk, canned explanations

Revision ID: d4f6b8c0e2a3
Revises: c3e5a7b9d1f2
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f6b8c0e2a3'
down_revision = 'c3e5a7b9d1f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderator_note', sa.String(length=500), nullable=True))
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk', sa.Float(), nullable=True))
    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_moderation_decisions_batch_id'), ['batch_id'], unique=False)
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('rejection_explanations',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('text_fr', sa.String(length=1000), nullable=False),
    sa.Column('text_en', sa.String(length=1000), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['moderators.id'], name=op.f('fk_rejection_explanations_updated_by_id_moderators')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_rejection_explanations'))
    )


def downgrade():
    op.drop_table('rejection_explanations')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('resolved_at')
    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_decisions_batch_id'))
        batch_op.drop_column('batch_id')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('risk')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('moderator_note')

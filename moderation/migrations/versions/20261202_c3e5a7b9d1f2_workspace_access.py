"""workspace access: server-side moderator sessions, sign-in throttling, audit entries

Revision ID: c3e5a7b9d1f2
Revises: b2d4f6a8c0e1
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f2'
down_revision = 'b2d4f6a8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderator_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'], name=op.f('fk_moderator_sessions_moderator_id_moderators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderator_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_moderator_sessions_token_hash'))
    )
    with op.batch_alter_table('moderator_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderator_sessions_moderator_id'), ['moderator_id'], unique=False)

    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )

    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('subject_moderator_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_audit_entries_article_id_articles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_audit_entries_comment_id_comments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'], name=op.f('fk_audit_entries_moderator_id_moderators')),
    sa.ForeignKeyConstraint(['subject_moderator_id'], ['moderators.id'], name=op.f('fk_audit_entries_subject_moderator_id_moderators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_action_created', ['action', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_moderator_id'), ['moderator_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_moderator_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_comment_id'))
        batch_op.drop_index('ix_audit_entries_action_created')
    op.drop_table('audit_entries')
    op.drop_table('login_throttles')
    with op.batch_alter_table('moderator_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderator_sessions_moderator_id'))
    op.drop_table('moderator_sessions')

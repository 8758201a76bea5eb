"""moderation rules data

Revision ID: 6973ff5cb7ea
Revises: 974c43dff2af
Create Date: 2026-11-24 14:32:45.739173

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6973ff5cb7ea'
down_revision = '974c43dff2af'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('block_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_block_rules'))
    )
    with op.batch_alter_table('block_rules', schema=None) as batch_op:
        batch_op.create_index('ix_block_rules_kind_value', ['kind', 'value'], unique=False)

    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=50), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_type_created', ['type', 'created_at'], unique=False)

    op.create_table('word_list_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('article_key', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_word_list_entries')),
    sa.UniqueConstraint('term', 'language', 'article_key', name='uq_word_list_entries_term')
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('surge_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('policy_overrides', sa.JSON(), nullable=True))

    # SQLite rebuilds the table in batch mode: keep AUTOINCREMENT (ids are never reused).
    with op.batch_alter_table(
        'comments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.add_column(sa.Column('ip_prefix', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('elapsed_seconds', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('fingerprint', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('fp_band0', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fp_band1', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fp_band2', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fp_band3', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_comments_email_hash'))
        batch_op.create_index(batch_op.f('ix_comments_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_comments_email_hash_created', ['email_hash', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_fp_band0_created', ['fp_band0', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_fp_band1_created', ['fp_band1', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_fp_band2_created', ['fp_band2', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_fp_band3_created', ['fp_band3', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_ip_prefix_created', ['ip_prefix', 'created_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_comments_campaign_id_campaigns'), 'campaigns', ['campaign_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thresholds', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.drop_column('thresholds')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comments_campaign_id_campaigns'), type_='foreignkey')
        batch_op.drop_index('ix_comments_ip_prefix_created')
        batch_op.drop_index('ix_comments_fp_band3_created')
        batch_op.drop_index('ix_comments_fp_band2_created')
        batch_op.drop_index('ix_comments_fp_band1_created')
        batch_op.drop_index('ix_comments_fp_band0_created')
        batch_op.drop_index('ix_comments_email_hash_created')
        batch_op.drop_index(batch_op.f('ix_comments_campaign_id'))
        batch_op.create_index(batch_op.f('ix_comments_email_hash'), ['email_hash'], unique=False)
        batch_op.drop_column('campaign_id')
        batch_op.drop_column('fp_band3')
        batch_op.drop_column('fp_band2')
        batch_op.drop_column('fp_band1')
        batch_op.drop_column('fp_band0')
        batch_op.drop_column('fingerprint')
        batch_op.drop_column('elapsed_seconds')
        batch_op.drop_column('ip_prefix')

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('policy_overrides')
        batch_op.drop_column('surge_until')

    op.drop_table('word_list_entries')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_type_created')

    op.drop_table('events')
    op.drop_table('campaigns')
    with op.batch_alter_table('block_rules', schema=None) as batch_op:
        batch_op.drop_index('ix_block_rules_kind_value')

    op.drop_table('block_rules')

"""queue indexes: all tabs in time order, the waiting comments; trigram text and name search on PostgreSQL

Revision ID: 4311164b88e8
Revises: 2b08d66a5702
Create Date: 2026-12-02 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4311164b88e8'
down_revision = '2b08d66a5702'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_created_id', ['created_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_comments_waiting_created', ['created_at', 'id'], unique=False,
            postgresql_where=sa.text("status IN ('held', 'pending')"),
            sqlite_where=sa.text("status IN ('held', 'pending')"),
        )
    if op.get_context().dialect.name == 'postgresql':
        # The queue's text and author-name searches are ILIKE '%...%': only a trigram
        # index answers them without reading every comment.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        # The extension may live in another schema of the database than this one: name
        # its operator class with that schema.
        schema = op.get_bind().exec_driver_sql(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        ).scalar_one()
        for column in ('body_text', 'author_name'):
            op.execute(
                f'CREATE INDEX ix_comments_{column}_trgm ON comments '
                f'USING gin ({column} "{schema}".gin_trgm_ops)'
            )


def downgrade():
    if op.get_context().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_comments_author_name_trgm')
        op.execute('DROP INDEX IF EXISTS ix_comments_body_text_trgm')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_waiting_created')
        batch_op.drop_index('ix_comments_created_id')

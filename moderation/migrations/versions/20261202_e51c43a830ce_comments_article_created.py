"""comments: an (article_id, created_at) index for the surge counts

The surge detector counts an article's comments of the last minutes whatever their
status; the (article_id, status, created_at) index cannot range on created_at without a
status, so that count read every comment of the article.

Revision ID: e51c43a830ce
Revises: 581a01233438
Create Date: 2026-12-02 01:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e51c43a830ce'
down_revision = '581a01233438'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_article_created', ['article_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_article_created')

"""search trigrams: how common each trigram is among the comments, per searched column

The trigram index reads the posting list of every trigram of a search term, and a word in
nearly every comment has a list as long as the table. PostgreSQL keeps no statistics on
trigrams, so the service samples its own and asks the index for the selective parts of a
term only.

Revision ID: 7d2e9c4a1b6f
Revises: 4311164b88e8
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d2e9c4a1b6f'
down_revision = '4311164b88e8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_trigrams',
        sa.Column('field', sa.String(length=16), nullable=False),
        sa.Column('trigram', sa.String(length=12), nullable=False),
        sa.Column('share', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('field', 'trigram', name=op.f('pk_search_trigrams')),
    )


def downgrade():
    op.drop_table('search_trigrams')

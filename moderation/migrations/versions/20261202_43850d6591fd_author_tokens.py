"""author tokens: a hashed secret per comment proving its author

Revision ID: 43850d6591fd
Revises: 8b0b5537f0a6
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '43850d6591fd'
down_revision = '8b0b5537f0a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_token_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('author_token_hash')

"""intake referrer: the page a comment was sent from, for outside spam checks

Revision ID: 564a0dc9e3d8
Revises: 3a8674cf838d
Create Date: 2026-12-02 01:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '564a0dc9e3d8'
down_revision = '3a8674cf838d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referrer', sa.String(length=2000), nullable=True))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('referrer')

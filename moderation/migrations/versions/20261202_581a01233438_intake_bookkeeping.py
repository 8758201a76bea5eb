"""intake bookkeeping: spent single-use tokens, counters of silent refusals

Revision ID: 581a01233438
Revises: 43850d6591fd
Create Date: 2026-12-02 01:12:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '581a01233438'
down_revision = '43850d6591fd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('spent_tokens',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_spent_tokens'))
    )
    with op.batch_alter_table('spent_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spent_tokens_expires_at'), ['expires_at'], unique=False)
    op.create_table('intake_counters',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kind', name=op.f('pk_intake_counters'))
    )


def downgrade():
    op.drop_table('intake_counters')
    with op.batch_alter_table('spent_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spent_tokens_expires_at'))
    op.drop_table('spent_tokens')

"""outbox claim token (which claimed batch a 'sending' row belongs to, and on which server
incarnation it was claimed); the active-row index also orders by id, so a claim reads only
the rows it takes instead of sorting every due row

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=64), nullable=True))
        batch_op.drop_index('ix_outbox_active', sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)
        batch_op.create_index('ix_outbox_active', ['status', 'due_at', 'id'], unique=False,
                              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_active', sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)
        batch_op.create_index('ix_outbox_active', ['status', 'due_at'], unique=False,
                              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)
        batch_op.drop_column('claim_token')

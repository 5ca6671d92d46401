"""dashboard rollup: contacts, daily counts, high-water mark; period indexes on the business
tables. The event table keeps its single index (the rollup reads it by primary key).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('kpi_state',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('last_event_id', _BIGID, nullable=False),
    sa.Column('gap_id', _BIGID, nullable=True),
    sa.Column('gap_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_through', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_contact_id', _BIGID, nullable=False),
    sa.Column('events_done', _BIGID, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('kpi_contacts',
    sa.Column('id', _BIGID, autoincrement=False, nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('service', sa.String(length=32), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('messages_in', sa.Integer(), nullable=False),
    sa.Column('fallbacks', sa.Integer(), nullable=False),
    sa.Column('handoff', sa.Boolean(), nullable=False),
    sa.Column('person', sa.Boolean(), nullable=False),
    sa.Column('pending_handoff', sa.Boolean(), nullable=False),
    sa.Column('handoff_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_s', sa.Double(), nullable=True),
    sa.Column('agent_first_response_s', sa.Double(), nullable=True),
    sa.Column('repeat', sa.Boolean(), nullable=False),
    sa.Column('business_initiated', sa.Boolean(), nullable=False),
    sa.Column('proactive_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kpi_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_contacts_day', ['day'], unique=False)
        batch_op.create_index('ix_kpi_contacts_conversation', ['conversation_id', 'id'], unique=False)
        batch_op.create_index('ix_kpi_contacts_customer', ['customer_id', 'id'], unique=False)
        batch_op.create_index('ix_kpi_contacts_last', ['last_at'], unique=False)

    op.create_table('kpi_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('service', sa.String(length=32), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('contained', sa.Integer(), nullable=False),
    sa.Column('handoffs', sa.Integer(), nullable=False),
    sa.Column('frt_n', sa.Integer(), nullable=False),
    sa.Column('frt_sum', sa.Double(), nullable=False),
    sa.Column('agent_frt_n', sa.Integer(), nullable=False),
    sa.Column('agent_frt_sum', sa.Double(), nullable=False),
    sa.Column('fcr_decided', sa.Integer(), nullable=False),
    sa.Column('fcr_resolved', sa.Integer(), nullable=False),
    sa.Column('messages_in', sa.Integer(), nullable=False),
    sa.Column('fallbacks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'channel', 'region', 'service', 'tier')
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_completed', ['completed_at'], unique=False)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_created', ['created_at'], unique=False)
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_created', ['created_at'], unique=False)
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_points_ledger_created', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_points_ledger_created')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_created')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_created')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_completed')
    op.drop_table('kpi_daily')
    with op.batch_alter_table('kpi_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_contacts_last')
        batch_op.drop_index('ix_kpi_contacts_customer')
        batch_op.drop_index('ix_kpi_contacts_conversation')
        batch_op.drop_index('ix_kpi_contacts_day')
    op.drop_table('kpi_contacts')
    op.drop_table('kpi_state')

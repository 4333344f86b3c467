"""staff_accounts: the FastAPI admin's staff, apart from the API's users

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 12:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_accounts',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_accounts'))
    )
    op.create_index('uq_staff_accounts_username_lower', 'staff_accounts',
                    [sa.literal_column('lower(username)')], unique=True)


def downgrade() -> None:
    op.drop_index('uq_staff_accounts_username_lower', table_name='staff_accounts')
    op.drop_table('staff_accounts')

"""account lifecycle: users.email_verified, and the verification and reset email jobs

Existing accounts start unverified (the default): nobody has proved them yet.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 04:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = "type IN ('export_posts', 'welcome_email', 'process_file')"
NEW_TYPES = (
    "type IN ('export_posts', 'welcome_email', 'process_file', 'verification_email', "
    "'password_reset_email')"
)


def upgrade() -> None:
    op.add_column(
        'users',
        sa.Column('email_verified', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    )
    op.drop_constraint(op.f('ck_jobs_type'), 'jobs', type_='check')
    op.create_check_constraint(op.f('ck_jobs_type'), 'jobs', NEW_TYPES)


def downgrade() -> None:
    op.execute("DELETE FROM jobs WHERE type IN ('verification_email', 'password_reset_email')")
    op.drop_constraint(op.f('ck_jobs_type'), 'jobs', type_='check')
    op.create_check_constraint(op.f('ck_jobs_type'), 'jobs', OLD_TYPES)
    op.drop_column('users', 'email_verified')

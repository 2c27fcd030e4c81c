"""HMA curation: a bank's matching_enabled_ratio and signal type ratio overrides
(tvec.store.models.core Bank, SignalTypeSetting)

Revision ID: 0011
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank") as batch:
        batch.add_column(
            sa.Column("matching_enabled_ratio", sa.Float(), nullable=False, server_default="1.0")
        )
    op.create_table(
        "signal_type_setting",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("enabled_ratio", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("signal_type_setting")
    with op.batch_alter_table("bank") as batch:
        batch.drop_column("matching_enabled_ratio")

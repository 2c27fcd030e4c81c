"""vpdq: frame lists of vPDQ hashes, stored once and referred to by SHA-256 (tvec.store.vpdq)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vpdq_features",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )


def downgrade() -> None:
    op.drop_table("vpdq_features")

"""statements of reasons (DSA Article 17) and their submission state
(tvec.store.models.sor)

Revision ID: 0008
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement_of_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("puid", sa.String(length=500), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=40), nullable=True),
        sa.Column("uuid", sa.String(length=64), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id"),
        sa.UniqueConstraint("puid"),
    )
    op.create_index("ix_statement_of_reasons_state", "statement_of_reasons", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_statement_of_reasons_state", table_name="statement_of_reasons")
    op.drop_table("statement_of_reasons")

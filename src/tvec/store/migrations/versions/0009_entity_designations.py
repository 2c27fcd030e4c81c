"""entity designations: groups on imported official lists (tvec.store.models.entities)

Revision ID: 0009
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entity_designation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("list_key", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_key", "reference", name="uq_entity_designation_ref"),
    )
    op.create_index("ix_entity_designation_entity", "entity_designation", ["entity_id"])
    op.create_index("ix_entity_designation_format", "entity_designation", ["format"])


def downgrade() -> None:
    op.drop_index("ix_entity_designation_format", table_name="entity_designation")
    op.drop_index("ix_entity_designation_entity", table_name="entity_designation")
    op.drop_table("entity_designation")

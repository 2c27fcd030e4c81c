"""banks: drop ix_bank_entry_type_value (signal_type, value) from bank_entry

No query looks bank entries up by signal type and value without their bank: every lookup
by value names the bank, and the unique constraint uq_bank_entry_value (bank_id,
signal_type, value) serves it, as it serves every query by bank (browsing, counts, export,
the cascade from bank). The second index on the 75-byte value only cost each inserted
entry about as much as the constraint (docs/benchmarks.md, "Fast bank import").

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_bank_entry_type_value", table_name="bank_entry")


def downgrade() -> None:
    op.create_index("ix_bank_entry_type_value", "bank_entry", ["signal_type", "value"])

"""Imports every module that defines tables, so ``Base.metadata`` holds the whole schema.

Used by the Alembic environment (``env.py``) and by the test that compares the migrated
schema with the models.
"""

import tvec.accounts.models
import tvec.alerts.models
import tvec.analysis.models
import tvec.audit.models
import tvec.cases.models
import tvec.orders.models
import tvec.store.vpdq  # noqa: F401

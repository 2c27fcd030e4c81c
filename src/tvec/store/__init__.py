"""tvec's store: SQLAlchemy models, sessions and Alembic migrations.

SQLite by default (WAL mode, foreign keys on); the same schema runs on PostgreSQL. All storage
goes through this package.
"""

from tvec.store.db import Store, open_store

__all__ = ["Store", "open_store"]

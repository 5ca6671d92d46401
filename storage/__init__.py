"""Persistence: SQLAlchemy 2 models, Alembic migrations, and small repositories.

SQLite (WAL) is the embedded default; PostgreSQL is used by URL. Nothing outside this
package writes SQL.
"""

from storage.db import Database

__all__ = ["Database"]

"""Alembic environment: uses the connection or URL handed over by storage.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import storage.models_business  # registers the business tables
import storage.models_console
import storage.models_kpi  # noqa: F401  (registers the dashboard tables)
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.attributes["url"])
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()

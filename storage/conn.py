"""A transaction is an ORM Session or, on the message hot path, a Core Connection."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.orm import Session

Tx = Session | Connection


def conn_of(tx: Tx) -> Connection:
    return tx.connection() if isinstance(tx, Session) else tx

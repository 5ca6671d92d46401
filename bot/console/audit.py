"""The audit log: who changed users, scripts or someone else's conversation, from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import insert, select

from bot.console.deps import client_ip, iso
from storage.conn import Tx, conn_of
from storage.models_console import AuditEntry


def record(tx: Tx, request: Request, actor: str, action: str, target: str | None,
           details: dict[str, Any] | None = None, *, now: datetime) -> None:
    """Append one entry in the caller's transaction (it commits with the change itself)."""
    conn_of(tx).execute(insert(AuditEntry).values(
        at=now, actor=actor[:64], action=action[:64], target=(target or "")[:128] or None,
        details=details or {}, ip=client_ip(request)))


def entries(tx: Tx, *, limit: int = 100, before: int | None = None,
            actor: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
    a = AuditEntry
    stmt = select(a.id, a.at, a.actor, a.action, a.target, a.details, a.ip)
    if before is not None:
        stmt = stmt.where(a.id < before)
    if actor:
        stmt = stmt.where(a.actor == actor)
    if action:
        stmt = stmt.where(a.action == action)
    rows = conn_of(tx).execute(stmt.order_by(a.id.desc()).limit(limit))
    return [{"id": r[0], "at": iso(r[1]), "actor": r[2], "action": r[3], "target": r[4],
             "details": r[5] or {}, "ip": r[6]} for r in rows]

"""Login throttling, kept in ``login_attempts`` so every worker process sees the same count.

More than ``PER_USER`` failures for one username, or ``PER_IP`` failures from one address,
within ``WINDOW`` refuse further logins (429 with Retry-After) until the oldest of those
failures leaves the window. A successful login clears the username's count. While refused,
attempts are not verified and not recorded, so waiting always ends the refusal.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from storage.conn import Tx, conn_of
from storage.models_console import LoginAttempt

WINDOW = timedelta(minutes=15)
PER_USER = 5
PER_IP = 20


def _retry_after(failures: list[datetime], limit: int, now: datetime) -> int | None:
    if len(failures) < limit:
        return None
    # Allowed again when fewer than `limit` failures remain inside the window.
    blocking = sorted(failures)[len(failures) - limit]
    return max(1, math.ceil((blocking + WINDOW - now).total_seconds()))


def retry_after(tx: Tx, username: str, ip: str | None, *, now: datetime) -> int | None:
    """Seconds until this username/address may try again, or None when it may now."""
    conn = conn_of(tx)
    a = LoginAttempt
    since = now - WINDOW
    name = username.strip().lower()[:64]
    last_ok = conn.execute(select(func.max(a.at)).where(a.username == name, a.ok.is_(True),
                                                        a.at > since)).scalar()
    user_since = max(since, last_ok) if last_ok is not None else since
    by_user = list(conn.execute(select(a.at).where(
        a.username == name, a.ok.is_(False), a.at > user_since)
        .order_by(a.at.desc()).limit(PER_USER)).scalars())
    waits = [_retry_after(by_user, PER_USER, now)]
    if ip:
        by_ip = list(conn.execute(select(a.at).where(a.ip == ip, a.ok.is_(False), a.at > since)
                                  .order_by(a.at.desc()).limit(PER_IP)).scalars())
        waits.append(_retry_after(by_ip, PER_IP, now))
    found = [w for w in waits if w is not None]
    return max(found) if found else None


def record(tx: Tx, username: str, ip: str | None, *, ok: bool, now: datetime) -> None:
    conn_of(tx).execute(insert(LoginAttempt).values(
        username=username.strip().lower()[:64], ip=ip, ok=ok, at=now))

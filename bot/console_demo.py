"""DEMO ONLY: console logins for ``careline demo`` (never for ``serve``).

The passwords are public (printed by the demo and written here); a production console gets
its users from ``careline users add``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.console import auth
from storage.db import Database

#: (username, role, display name, password) — demo only
DEMO_USERS = (
    ("agent", "agent", "演示客服 Demo Agent", "agent-demo-pass"),
    ("supervisor", "supervisor", "演示主管 Demo Supervisor", "supervisor-demo-pass"),
    ("admin", "admin", "演示管理员 Demo Admin", "admin-demo-pass"),
)


def seed_demo_users(db: Database) -> list[tuple[str, str, str]]:
    """Create the demo logins that do not exist yet; returns (username, password, role) of
    every demo login, for the demo to print."""
    now = datetime.now(UTC)
    with db.transaction() as conn:
        for username, role, display, password in DEMO_USERS:
            if auth.get_user(conn, username) is None:
                auth.create_user(conn, username, password, role, now=now, display_name=display)
    return [(u, p, r) for u, r, _, p in DEMO_USERS]

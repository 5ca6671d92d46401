"""Console users and sessions: argon2 password hashes, signed session cookies.

The cookie carries a random token signed with ``CARELINE_SECRET_KEY`` (itsdangerous); the
database keeps only the token's SHA-256, so a leaked table cannot be replayed as cookies.
Every login creates a new session (no session fixation), logout revokes it, a session lasts
12 hours, and disabling a user or changing their password revokes all their sessions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import insert, select, update

from storage.conn import Tx, conn_of
from storage.models_console import ConsoleSession, ConsoleUser

COOKIE = "careline_console"
SESSION_HOURS = 12
ROLES = ("agent", "supervisor", "admin")
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")

_hasher = PasswordHasher()
#: Verified against when the user does not exist, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("careline-no-such-user")


class UserError(ValueError):
    """A user that cannot be created or changed; the message says why."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str | None
    role: str
    active: bool

    def to_dict(self) -> dict[str, object]:
        return {"username": self.username, "display_name": self.display_name or self.username,
                "role": self.role}


@dataclass(frozen=True, slots=True)
class SessionUser:
    """The signed-in caller of one request."""

    user: User
    session_id: int
    csrf_token: str


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise UserError("a username is 2-64 characters: lower-case letters, digits, '.', '_' "
                        "or '-', starting with a letter or digit")
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise UserError("a password has at most 1024 characters")


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return role


_USER_COLS = (ConsoleUser.id, ConsoleUser.username, ConsoleUser.display_name, ConsoleUser.role,
              ConsoleUser.active)


def get_user(tx: Tx, username: str) -> User | None:
    row = conn_of(tx).execute(select(*_USER_COLS).where(
        ConsoleUser.username == username.strip().lower())).first()
    return User(*row) if row is not None else None


def list_users(tx: Tx) -> list[User]:
    return [User(*r) for r in conn_of(tx).execute(select(*_USER_COLS).order_by(ConsoleUser.username))]


def create_user(tx: Tx, username: str, password: str, role: str, *, now: datetime,
                display_name: str | None = None) -> User:
    name = check_username(username)
    check_password(password)
    check_role(role)
    if get_user(tx, name) is not None:
        raise UserError(f"user {name!r} already exists")
    conn_of(tx).execute(insert(ConsoleUser).values(
        username=name, display_name=(display_name or "").strip()[:128] or None, role=role,
        password_hash=hash_password(password), active=True, created_at=now))
    found = get_user(tx, name)
    assert found is not None
    return found


def update_user(tx: Tx, username: str, *, now: datetime, role: str | None = None,
                active: bool | None = None, password: str | None = None,
                display_name: str | None = None) -> User:
    user = get_user(tx, username)
    if user is None:
        raise LookupError(f"no user {username!r}")
    values: dict[str, object] = {}
    if role is not None:
        values["role"] = check_role(role)
    if active is not None:
        values["active"] = active
    if display_name is not None:
        values["display_name"] = display_name.strip()[:128] or None
    if password is not None:
        check_password(password)
        values["password_hash"] = hash_password(password)
    if values:
        conn_of(tx).execute(update(ConsoleUser).where(ConsoleUser.id == user.id).values(**values))
    if active is False or password is not None:
        revoke_all(tx, user.id, now=now)
    changed = get_user(tx, user.username)
    assert changed is not None
    return changed


def authenticate(tx: Tx, username: str, password: str) -> User | None:
    """The active user with this password, else None (same work for an unknown name)."""
    conn = conn_of(tx)
    row = conn.execute(select(ConsoleUser.password_hash, *_USER_COLS).where(
        ConsoleUser.username == username.strip().lower()[:64])).first()
    stored = row[0] if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not row[5]:
        return None
    user = User(*row[1:])
    if _hasher.check_needs_rehash(stored):
        conn.execute(update(ConsoleUser).where(ConsoleUser.id == user.id)
                     .values(password_hash=hash_password(password)))
    return user


# -- sessions -------------------------------------------------------------------------------


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="careline-console-session")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(tx: Tx, user: User, *, secret: str, now: datetime) -> tuple[str, str]:
    """A new session: (the signed cookie value, its CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn = conn_of(tx)
    conn.execute(insert(ConsoleSession).values(
        token_hash=_digest(token), user_id=user.id, csrf_token=csrf, created_at=now,
        expires_at=now + timedelta(hours=SESSION_HOURS)))
    conn.execute(update(ConsoleUser).where(ConsoleUser.id == user.id).values(last_login_at=now))
    return _serializer(secret).dumps(token), csrf


def token_of(cookie: str | None, *, secret: str) -> str | None:
    """The session token inside a cookie value, or None if absent or not signed by us."""
    if not cookie or len(cookie) > 512:
        return None
    try:
        token = _serializer(secret).loads(cookie)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def session_user(tx: Tx, token: str, *, now: datetime) -> SessionUser | None:
    s, u = ConsoleSession, ConsoleUser
    row = conn_of(tx).execute(
        select(s.id, s.csrf_token, *_USER_COLS).join(u, u.id == s.user_id)
        .where(s.token_hash == _digest(token), s.revoked_at.is_(None), s.expires_at > now,
               u.active.is_(True))).first()
    if row is None:
        return None
    return SessionUser(User(*row[2:]), int(row[0]), str(row[1]))


def revoke(tx: Tx, token: str, *, now: datetime) -> None:
    conn_of(tx).execute(update(ConsoleSession).where(
        ConsoleSession.token_hash == _digest(token), ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=now))


def revoke_all(tx: Tx, user_id: int, *, now: datetime) -> None:
    conn_of(tx).execute(update(ConsoleSession).where(
        ConsoleSession.user_id == user_id, ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=now))

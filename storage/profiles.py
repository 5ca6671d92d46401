"""A customer's profile as the business flows read it: tier, points, preferences, region."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select, update

from storage.conn import Tx, conn_of
from storage.models import Customer
from storage.types import utcnow

MAX_PREFERENCES = 20


@dataclass(frozen=True, slots=True)
class Profile:
    id: int
    display_name: str | None
    lang: str | None
    tier: str
    points: int
    region: str | None
    birthday: date | None
    preferences: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


def get_profile(tx: Tx, customer_id: int) -> Profile | None:
    c = Customer
    row = conn_of(tx).execute(select(c.id, c.display_name, c.lang, c.tier, c.points, c.region,
                                     c.birthday, c.profile).where(c.id == customer_id)).first()
    if row is None:
        return None
    data = dict(row.profile or {})
    return Profile(row.id, row.display_name, row.lang, row.tier or "standard", int(row.points or 0),
                   row.region, row.birthday, tuple(data.get("preferences", ())), data)


def add_preference(tx: Tx, customer_id: int, text: str) -> tuple[str, ...]:
    """Remember a preference ("不要柠檬味清洁剂"); the newest last, duplicates ignored."""
    conn = conn_of(tx)
    profile = dict(conn.execute(select(Customer.profile).where(Customer.id == customer_id))
                   .scalar() or {})
    prefs = [p for p in profile.get("preferences", []) if p != text]
    prefs = [*prefs, text.strip()][-MAX_PREFERENCES:]
    profile["preferences"] = prefs
    conn.execute(update(Customer).where(Customer.id == customer_id)
                 .values(profile=profile, updated_at=utcnow()))
    return tuple(prefs)


def remove_preference(tx: Tx, customer_id: int, index: int) -> tuple[str, ...]:
    conn = conn_of(tx)
    profile = dict(conn.execute(select(Customer.profile).where(Customer.id == customer_id))
                   .scalar() or {})
    prefs = list(profile.get("preferences", []))
    if 0 <= index < len(prefs):
        prefs.pop(index)
    profile["preferences"] = prefs
    conn.execute(update(Customer).where(Customer.id == customer_id)
                 .values(profile=profile, updated_at=utcnow()))
    return tuple(prefs)


def set_customer_fields(tx: Tx, customer_id: int, **values: Any) -> None:
    """Update columns (tier, region, birthday, display_name, lang)."""
    allowed = {"tier", "region", "birthday", "display_name", "lang", "referred_by"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not a customer field: {', '.join(sorted(unknown))}")
    conn_of(tx).execute(update(Customer).where(Customer.id == customer_id)
                        .values(**values, updated_at=utcnow()))

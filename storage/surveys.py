"""Survey answers (one per booking) and the re-service vouchers a lukewarm answer earns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from storage.conn import Tx, conn_of
from storage.models import Customer
from storage.models_business import Booking, SurveyResponse
from storage.profiles import get_profile
from storage.repo import set_profile
from storage.statements import insert_ignore


@dataclass(frozen=True, slots=True)
class BookingInfo:
    id: int
    public_id: str
    customer_id: int
    service: str
    status: str


def booking_info(tx: Tx, public_id: str) -> BookingInfo | None:
    b = Booking
    row = conn_of(tx).execute(select(b.id, b.public_id, b.customer_id, b.service, b.status)
                              .where(b.public_id == public_id)).first()
    return BookingInfo(*row) if row is not None else None


def latest_unrated_booking(tx: Tx, customer_id: int) -> BookingInfo | None:
    """The customer's most recent completed booking that has no survey answer yet."""
    b, r = Booking, SurveyResponse
    row = conn_of(tx).execute(
        select(b.id, b.public_id, b.customer_id, b.service, b.status)
        .outerjoin(r, r.booking_id == b.id)
        .where(b.customer_id == customer_id, b.status == "completed", r.id.is_(None))
        .order_by(b.completed_at.desc(), b.id.desc()).limit(1)).first()
    return BookingInfo(*row) if row is not None else None


def response_exists(tx: Tx, booking_id: int) -> bool:
    return conn_of(tx).execute(select(SurveyResponse.id)
                               .where(SurveyResponse.booking_id == booking_id)).first() is not None


def save_response(tx: Tx, *, customer_id: int, booking_id: int | None,
                  conversation_id: int | None, csat: int, nps: int | None, ces: int | None,
                  comment: str | None, now: datetime) -> bool:
    """Store the answers; False when the booking was already rated (the first answer stands)."""
    conn = conn_of(tx)
    values: dict[str, Any] = {"customer_id": customer_id, "booking_id": booking_id,
                              "conversation_id": conversation_id, "csat": csat, "nps": nps,
                              "ces": ces, "comment": comment, "created_at": now}
    if booking_id is None:  # general feedback: no booking to be unique on
        conn.execute(insert(SurveyResponse).values(**values))
        return True
    stmt = insert_ignore(conn.dialect.name, SurveyResponse.__table__, ["booking_id"])
    return bool(conn.execute(stmt, values).rowcount)


def responses_of(tx: Tx, customer_id: int) -> list[Any]:
    r = SurveyResponse
    return list(conn_of(tx).execute(
        select(r.booking_id, r.csat, r.nps, r.ces, r.comment, r.created_at)
        .where(r.customer_id == customer_id).order_by(r.id)))


def add_voucher(tx: Tx, customer_id: int, voucher: dict[str, Any]) -> bool:
    """Keep a voucher in the customer's profile (``vouchers``); False if that code exists.

    Vouchers are few and read with the profile (agents see them in the console), so a list in
    the profile serves until the loyalty work gives them a table of their own.
    """
    profile = get_profile(tx, customer_id)
    if profile is None:
        return False
    vouchers = list(profile.data.get("vouchers", []))
    if any(v.get("code") == voucher.get("code") for v in vouchers):
        return False
    set_profile(tx, customer_id, vouchers=[*vouchers, voucher])
    return True


def vouchers_of(tx: Tx, customer_id: int) -> list[dict[str, Any]]:
    profile = conn_of(tx).execute(select(Customer.profile).where(Customer.id == customer_id)).scalar()
    return list((profile or {}).get("vouchers", []))

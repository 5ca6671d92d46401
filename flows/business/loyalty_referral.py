"""Referral codes: every customer may get one to share; a new customer gives a friend's code.

A code is accepted once per customer, never the customer's own, and only before their first
completed booking — the referrer is paid when that first booking completes
(:func:`flows.business.loyalty.on_booking_completed`).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from enum import StrEnum

from storage import loyalty as store
from storage.conn import Tx

#: No 0/O, 1/I/L: codes are read aloud and typed from screenshots.
ALPHABET_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"
ALPHABET_DIGITS = "23456789"
CODE_LENGTH = 6
#: A code inside a message: six letters and digits with at least one of each, so neither a
#: word ("friend") nor a 6-digit account-link code is taken for one.
CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])"
                          r"([A-Za-z0-9]{6})(?![A-Za-z0-9])")


class Outcome(StrEnum):
    APPLIED = "applied"
    NOT_FOUND = "not_found"
    OWN_CODE = "own_code"
    ALREADY_REFERRED = "already_referred"
    NOT_NEW = "not_new"  # the customer already has a completed booking


def find_code(text: str) -> str | None:
    found = CODE_IN_TEXT.search(text)
    return found.group(1).upper() if found else None


def _new_code() -> str:
    alphabet = ALPHABET_LETTERS + ALPHABET_DIGITS
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(CODE_LENGTH))
        if any(c in ALPHABET_DIGITS for c in code) and any(c in ALPHABET_LETTERS for c in code):
            return code


def referral_code(conn: Tx, customer_id: int, now: datetime) -> str:
    """The customer's code, made on first request (a collision just draws again)."""
    for _ in range(20):
        existing = store.referral_code_of(conn, customer_id)
        if existing is not None:
            return existing
        store.insert_referral_code(conn, customer_id, _new_code(), now)
    raise RuntimeError("could not allocate a referral code")  # 20 collisions: alphabet exhausted


def apply_referral(conn: Tx, customer_id: int, code: str) -> Outcome:
    """Record that ``customer_id`` was referred by the owner of ``code``."""
    owner = store.owner_of_code(conn, code.strip().upper())
    if owner is None:
        return Outcome.NOT_FOUND
    if owner == customer_id:
        return Outcome.OWN_CODE
    if store.referred_by(conn, customer_id) is not None:
        return Outcome.ALREADY_REFERRED
    if store.completed_count(conn, customer_id) > 0:
        return Outcome.NOT_NEW
    if not store.set_referred_by_once(conn, customer_id, owner):
        return Outcome.ALREADY_REFERRED
    return Outcome.APPLIED

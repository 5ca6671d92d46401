"""Proactive messages to a customer (ticket updates, survey invitations, reminders).

A message goes to the channel the customer last wrote from, in their language, through the
outbox — in the caller's transaction, so it is sent if and only if the change it reports
is committed, and a repeated ``key`` never sends it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.conn import Tx, conn_of
from storage.models import ChannelIdentity, Conversation, Customer
from storage.outbox import NewOutbox, enqueue


@dataclass(frozen=True, slots=True)
class Address:
    customer_id: int
    conversation_id: int
    channel: str
    recipient: str
    lang: str


def address_of(tx: Tx, customer_id: int) -> Address | None:
    """Where to reach a customer: the conversation they used last (None = no channel)."""
    conv, ident = Conversation, ChannelIdentity
    row = conn_of(tx).execute(
        select(conv.id, conv.channel, ident.external_id, conv.lang, Customer.lang)
        .join(ident, ident.id == conv.identity_id)
        .join(Customer, Customer.id == conv.customer_id)
        .where(conv.customer_id == customer_id)
        .order_by(conv.updated_at.desc(), conv.id.desc()).limit(1)).first()
    if row is None:
        return None
    return Address(customer_id, row[0], row[1], row[2], row[3] or row[4] or "zh")


def notify(tx: Tx, customer_id: int, text: Mapping[str, str] | str, *, key: str,
           kind: str = "notice", due_at: datetime | None = None, ref: str | None = None,
           buttons: Mapping[str, list[str]] | None = None,
           payload: dict[str, Any] | None = None) -> Address | None:
    """Queue ``text`` (one string, or one per language) for the customer; None if they have
    no channel to reach them on (the caller records that)."""
    addr = address_of(tx, customer_id)
    if addr is None:
        return None
    body = text if isinstance(text, str) else (text.get(addr.lang) or text.get("zh") or "")
    data: dict[str, Any] = {"text": body, **(payload or {})}
    if buttons:
        data["buttons"] = list(buttons.get(addr.lang) or buttons.get("zh") or [])
    enqueue(tx, [NewOutbox(idempotency_key=key[:96], customer_id=customer_id,
                           channel=addr.channel, recipient=addr.recipient, payload=data,
                           conversation_id=addr.conversation_id, kind=kind, due_at=due_at,
                           ref=ref)])
    return addr

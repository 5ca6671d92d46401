"""Flows the bot starts on its own (a survey, a resolution rating) and the live script
sections that code outside a conversation turn needs (hooks, scans, the CLI).

A proactive flow is an outbox row like any scheduled message — ``kind="flow"``, payload
``{"flow": name, "slots": {...}}`` — so it survives restarts, is claimed exactly once, and
can be moved or cancelled by its ``ref``. The delivery side (bot/proactive.py) starts it in
the customer's conversation when it falls due. Shared by surveys, complaints and handoff.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flows.business.notify import Address, address_of
from flows.model import Bundle
from storage.conn import Tx
from storage.outbox import NewOutbox, enqueue

FLOW_KIND = "flow"


def schedule_flow(tx: Tx, customer_id: int, flow: str, slots: Mapping[str, Any], *, key: str,
                  due_at: datetime, ref: str | None = None,
                  postpone_minutes: float | None = None) -> Address | None:
    """Queue ``flow`` to start in the customer's last conversation at ``due_at``, once per
    ``key``; None when the customer has no channel to reach them on. ``postpone_minutes``:
    how long to wait when the customer is busy in another conversation at that moment."""
    addr = address_of(tx, customer_id)
    if addr is None:
        return None
    payload: dict[str, Any] = {"flow": flow, "slots": dict(slots)}
    if postpone_minutes is not None:
        payload["postpone_minutes"] = postpone_minutes
    enqueue(tx, [NewOutbox(idempotency_key=key[:96], customer_id=customer_id,
                           channel=addr.channel, recipient=addr.recipient, payload=payload,
                           conversation_id=addr.conversation_id, kind=FLOW_KIND, due_at=due_at,
                           ref=ref)])
    return addr


# -- the live scripts, for code that runs outside a turn (booking completion hooks) ---------

_lock = threading.Lock()
_provider: Callable[[], Bundle] | None = None
_cached: tuple[str, Bundle] | None = None


def use_scripts(provider: Callable[[], Bundle]) -> None:
    """Read sections from the running app's scripts (``lambda: holder.bundle``): the app and
    the delivery starter call this so a hot reload applies at once."""
    global _provider
    _provider = provider


def live_section(name: str) -> dict[str, Any]:
    """A section of the live scripts; without a provider, of ``CARELINE_FLOWS_DIR`` (or the
    shipped scripts), loaded once per change of the directory."""
    if _provider is not None:
        return _provider().section(name)
    global _cached
    from flows.loader import fingerprint, load_bundle

    directory = Path(os.environ.get("CARELINE_FLOWS_DIR") or
                     Path(__file__).resolve().parent.parent / "scripts")
    with _lock:
        fp = fingerprint(directory)
        if _cached is None or _cached[0] != fp:
            result = load_bundle(directory)
            if result.bundle is None:
                raise RuntimeError(f"scripts in {directory} do not validate; run "
                                   f"`careline flows check {directory}`")
            _cached = (fp, result.bundle)
        return _cached[1].section(name)

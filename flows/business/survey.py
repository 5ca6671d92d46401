"""Satisfaction surveys after a completed booking: when they are sent and what answers earn.

A completed booking schedules the ``survey`` flow ``delay_hours`` later as an outbox row
(kind ``flow``, ref ``booking:<public id>``) in the completion's own transaction, so a
completion that rolls back never surveys anyone and a repeated completion schedules once.
The answers (CSAT 1-5, NPS 0-10, CES 1-7, a reason) are one ``survey_responses`` row per
booking; the CSAT score picks an outcome from the ``survey:`` section:

* ``thanks`` — a care tip for the service and loyalty points (once per booking);
* ``voucher`` — a free re-service voucher and an upgrade tip;
* ``recovery`` — an apology, a complaint ticket (source ``survey``) and a person on offer.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flows.business import booking, loyalty
from flows.business.proactive import live_section, schedule_flow
from flows.model import Bundle
from flows.sections import Problem, SectionRef, register_section
from storage import surveys as store
from storage.conn import Tx
from storage.loyalty import add_points

OUTCOMES = ("thanks", "voucher", "recovery")


def check_survey(data: dict[str, Any], ref: SectionRef) -> list[Problem]:
    problems: list[Problem] = []
    owner: dict[int, str] = {}
    outcomes = data.get("outcomes", {})
    for name in OUTCOMES:
        if name not in outcomes:
            continue
        for i, score in enumerate(outcomes[name]["csat"]):
            if score in owner:
                problems.append(Problem(["outcomes", name, "csat", i],
                                        f"CSAT {score} leads to both '{owner[score]}' and "
                                        f"'{name}'", "list each score under one outcome"))
            owner.setdefault(score, name)
    missing = [s for s in range(1, 6) if s not in owner]
    if missing:
        last = [name for name in OUTCOMES if name in outcomes][-1:]
        where = ["outcomes", last[0], "csat"] if last else ["outcomes"]
        problems.append(Problem(where, "no outcome for CSAT "
                                + ", ".join(map(str, missing)),
                                "add the score(s) to the csat list of thanks, voucher or "
                                "recovery"))
    if "thanks" in outcomes and "care_tips" not in data:
        problems.append(Problem([], "outcome 'thanks' needs care_tips",
                                "add care_tips with at least `default: {zh: ..., en: ...}`"))
    if "voucher" in outcomes and "upgrade_tips" not in data:
        problems.append(Problem([], "outcome 'voucher' needs upgrade_tips",
                                "add upgrade_tips with at least `default: {zh: ..., en: ...}`"))
    return problems


SECTION = register_section("survey", schema=Path(__file__).with_name("survey.schema.json"),
                           check=check_survey, required_by=("survey_record",))


# -- scheduling -----------------------------------------------------------------------------


def _field(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def schedule_survey(tx: Tx, booking_row: Any, now: datetime, *,
                    config: Mapping[str, Any] | None = None) -> bool:
    """Queue the survey for a completed booking (a ``booking.ON_COMPLETED`` hook); False
    when surveys are off (no ``survey:`` section) or the customer has no channel."""
    cfg = config if config is not None else live_section("survey")
    if not cfg:
        return False
    public_id = str(_field(booking_row, "public_id"))
    done_at = _field(booking_row, "completed_at") or now
    addr = schedule_flow(
        tx, int(_field(booking_row, "customer_id")), str(cfg["flow"]),
        {"booking_id": public_id, "service_type": str(_field(booking_row, "service"))},
        key=f"survey:{public_id}", due_at=done_at + timedelta(hours=float(cfg["delay_hours"])),
        ref=f"booking:{public_id}", postpone_minutes=cfg.get("postpone_minutes"))
    return addr is not None


# -- answers --------------------------------------------------------------------------------


def outcome_for(config: Mapping[str, Any], csat: int) -> str:
    for name in OUTCOMES:
        if csat in config.get("outcomes", {}).get(name, {}).get("csat", ()):
            return name
    raise ValueError(f"the survey section has no outcome for CSAT {csat}")


def tip(config: Mapping[str, Any], kind: str, service: str | None, lang: str) -> str:
    tips: Mapping[str, Mapping[str, str]] = config.get(kind, {})
    text = tips.get(service or "default") or tips.get("default") or {}
    return text.get(lang) or text.get("zh") or ""


@dataclass
class Recorded:
    """What answering the survey did; slots and events for the flow to show and store."""

    outcome: str
    stored: bool
    slots: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def record(tx: Tx, bundle: Bundle, *, customer_id: int, conversation_id: int | None,
           booking_public_id: str | None, service: str | None, csat: int, nps: int | None,
           ces: int | None, comment: str | None, lang: str, now: datetime) -> Recorded:
    """Store the answers and apply the outcome; a second answer for a booking changes
    nothing (no second points, voucher or ticket)."""
    config = bundle.section("survey")
    booking = store.booking_info(tx, booking_public_id) if booking_public_id else None
    if booking is not None and booking.customer_id != customer_id:
        booking = None  # someone else's booking id: keep the answer, not the link
    stored = store.save_response(tx, customer_id=customer_id,
                                 booking_id=booking.id if booking else None,
                                 conversation_id=conversation_id, csat=csat, nps=nps, ces=ces,
                                 comment=comment, now=now)
    outcome = outcome_for(config, csat)
    rec = Recorded(outcome, stored, slots={"survey_outcome": outcome})
    rec.events.append(("survey_answered", {"csat": csat, "nps": nps, "ces": ces,
                                           "booking_id": booking_public_id, "outcome": outcome,
                                           "stored": stored}))
    service = service or (booking.service if booking else None)
    settings = config["outcomes"][outcome]
    if outcome == "thanks":
        rec.slots["care_tip"] = tip(config, "care_tips", service, lang)
        points = int(settings["points"])
        given = bool(stored and booking and points and
                     _award(tx, bundle, customer_id, points, booking.public_id, now))
        rec.slots["points_awarded"] = points if given else 0
    elif outcome == "voucher":
        rec.slots["upgrade_tip"] = tip(config, "upgrade_tips", service, lang)
        if stored:
            code = f"{settings['prefix']}{secrets.token_hex(3).upper()}"
            until = (now + timedelta(days=int(settings["valid_days"]))).date().isoformat()
            store.add_voucher(tx, customer_id, {"code": code, "kind": "re_service",
                                                "booking_id": booking_public_id,
                                                "valid_until": until, "issued_at": now.isoformat()})
            rec.slots.update(voucher_code=code, voucher_valid_until=until)
            rec.events.append(("voucher_issued", {"code": code, "booking_id": booking_public_id,
                                                  "valid_until": until}))
    return rec


def _award(tx: Tx, bundle: Bundle, customer_id: int, points: int, ref: str,
           now: datetime) -> bool:
    """Points through the loyalty module when the scripts run loyalty (expiry rules), else
    straight into the ledger; once per (customer, survey, booking) either way."""
    if bundle.section("loyalty"):
        return loyalty.award(tx, bundle, customer_id, "survey", ref, now, amount=points) is not None
    return add_points(tx, customer_id, points, "survey", ref, now=now)


booking.subscribe(booking.ON_COMPLETED, schedule_survey)

"""Survey actions: ``survey_begin`` (which booking is rated) and ``survey_record``.

The questions themselves are collect steps in flows/scripts/survey.yml; these actions store
the answers and apply the outcome the ``survey:`` section gives the CSAT score.
"""

from __future__ import annotations

from typing import Any

from flows.actions import ActionContext, ActionResult, action
from flows.actions.complaint import ticket_from_text
from flows.business import survey
from flows.matching import is_exactly, normalise
from flows.model import Bundle, Flow, Step
from storage import surveys as store


def _int(value: Any) -> int | None:
    """A number slot, or a score choice ("score_4" → 4)."""
    try:
        return int(str(value).removeprefix("score_"))
    except (TypeError, ValueError):
        return None


@action("survey_begin", sets=("booking_id", "service_type", "survey_state"))
def survey_begin(ctx: ActionContext) -> ActionResult:
    """A survey for a booking that was already rated ends before asking anything (a retried
    invitation, or the customer rated it by asking themselves)."""
    slots: dict[str, Any] = {}
    booking_id = ctx.slots.get("booking_id")
    if ctx.session is not None and ctx.customer_id is not None:
        if booking_id:
            info = store.booking_info(ctx.session, str(booking_id))
            if info is not None and store.response_exists(ctx.session, info.id):
                return ActionResult(slots={"survey_state": "answered"})
        else:  # the customer asked to rate us: their latest completed, unrated booking
            info = store.latest_unrated_booking(ctx.session, ctx.customer_id)
            if info is not None:
                slots.update(booking_id=info.public_id, service_type=info.service)
    slots["survey_state"] = "asking"
    return ActionResult(slots=slots, events=[("survey_started", {
        "booking_id": slots.get("booking_id", booking_id)})])


def _check_record(bundle: Bundle, flow: Flow, step: Step) -> list[tuple[int, str, str]]:
    if not bundle.section("survey"):
        return [(step.source.line, "action 'survey_record' needs a `survey:` section",
                 "add survey: with flow, delay_hours and outcomes (see docs/surveys-and-"
                 "complaints.md)")]
    return []


@action("survey_record", needs=("csat",),
        sets=("survey_outcome", "care_tip", "points_awarded", "voucher_code",
              "voucher_valid_until", "upgrade_tip", "ticket_id", "ticket_promise",
              "handoff"), check=_check_record)
def survey_record(ctx: ActionContext) -> ActionResult:
    csat = _int(ctx.slots.get("csat"))
    if csat is None:
        raise ValueError(f"survey_record: csat {ctx.slots.get('csat')!r} is not a score")
    config = ctx.bundle.section("survey")
    reason = str(ctx.slots.get("survey_reason") or "").strip()
    skip = config.get("skip_words", {})
    if not reason or is_exactly(normalise(reason), [w for ws in skip.values() for w in ws]):
        reason = ""
    booking_id = ctx.slots.get("booking_id")
    service = ctx.slots.get("service_type")
    if ctx.session is None or ctx.customer_id is None:  # offline run: outcome only
        outcome = survey.outcome_for(config, csat)
        return ActionResult(slots={"survey_outcome": outcome, "points_awarded": 0},
                            events=[("survey_answered", {"csat": csat, "nps": None,
                                                         "ces": None, "outcome": outcome})])
    rec = survey.record(ctx.session, ctx.bundle, customer_id=ctx.customer_id,
                        conversation_id=ctx.conversation_id,
                        booking_public_id=str(booking_id) if booking_id else None,
                        service=str(service) if service else None, csat=csat,
                        nps=_int(ctx.slots.get("nps")), ces=_int(ctx.slots.get("ces")),
                        comment=reason or None, lang=ctx.lang, now=ctx.now)
    result = ActionResult(slots=dict(rec.slots), events=list(rec.events))
    if rec.outcome == "recovery" and rec.stored:
        settings = config["outcomes"]["recovery"]
        opened = ticket_from_text(
            ctx, reason or f"CSAT {csat}", source="survey",
            default_class=str(settings.get("ticket_class", "experience")),
            default_topic=str(settings.get("ticket_topic", "quality")),
            booking_public_id=str(booking_id) if booking_id else None, use_text=bool(reason))
        result.slots.update(opened.slots)
        result.events.extend(opened.events)
    return result

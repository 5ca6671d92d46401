"""Complaint intake actions (flows/scripts/complaint.yml) and the resolution rating.

``complaint_start`` keeps a first message that already says what happened and finds the
booking it is probably about; ``complaint_classify`` applies the section's rules;
``complaint_photos_asked`` / ``complaint_photos`` collect photos sent in between;
``complaint_open`` opens the ticket and tells the customer its id and deadlines;
``ticket_rate`` stores the 1-5 rating of a resolution.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.actions import ActionContext, ActionResult, action
from flows.business import complaints
from flows.business.complaints_rules import classify, describe, strip_words
from flows.matching import is_exactly, normalise
from flows.model import Bundle, Flow, Step
from storage import tickets as store


def _words(config: dict[str, Any], key: str) -> list[str]:
    return [str(w) for ws in config.get(key, {}).values() for w in ws]


def _check(bundle: Bundle, flow: Flow, step: Step) -> list[tuple[int, str, str]]:
    if not bundle.section("complaints"):
        return [(step.source.line, f"action '{step.action}' needs a `complaints:` section",
                 "add complaints: with classes, topics and status_messages (see "
                 "docs/surveys-and-complaints.md)")]
    return []


@action("complaint_start", sets=("complaint_text", "booking_candidate", "booking_candidate_label"),
        check=_check)
def complaint_start(ctx: ActionContext) -> ActionResult:
    config = ctx.bundle.section("complaints")
    slots: dict[str, Any] = {}
    if len(strip_words(ctx.text, _words(config, "intro_words")).replace(" ", "")) >= 4:
        slots["complaint_text"] = ctx.text.strip()
    if ctx.session is not None and ctx.customer_id is not None and not ctx.slots.get("booking_id"):
        found = store.recent_booking(ctx.session, ctx.customer_id, ctx.now)
        if found is not None:
            services = ctx.bundle.pricing.get("services", {})
            name = services.get(found.service, {}).get("name", {}).get(ctx.lang, found.service)
            day = (f"{found.day.month}月{found.day.day}日" if ctx.lang == "zh"
                   else f"{found.day:%b} {found.day.day}")
            slots.update(booking_candidate=found.public_id,
                         booking_candidate_label=f"{found.public_id} · {name} · {day}")
    return ActionResult(slots=slots)


@action("complaint_classify", needs=("complaint_text",),
        sets=("complaint_class", "complaint_topic", "complaint_topic_name"), check=_check)
def complaint_classify(ctx: ActionContext) -> ActionResult:
    config = ctx.bundle.section("complaints")
    found = classify(str(ctx.slots["complaint_text"]), config, now=ctx.now)
    return ActionResult(
        slots={"complaint_class": found.ticket_class, "complaint_topic": found.topic,
               "complaint_topic_name": describe(config, "topic", found.topic, ctx.lang)},
        events=[("complaint_classified", {"class": found.ticket_class, "topic": found.topic,
                                          "matched": list(found.matched),
                                          "delay_hours": found.delay_hours})])


@action("complaint_photos_asked", sets=("photos_since",))
def complaint_photos_asked(ctx: ActionContext) -> ActionResult:
    """Remember when photos were asked for: what arrives after belongs to this complaint."""
    return ActionResult(slots={"photos_since": ctx.now.isoformat()})


@action("complaint_photos", needs=("photos_answer",), sets=("photos", "complaint_text"))
def complaint_photos(ctx: ActionContext) -> ActionResult:
    config = ctx.bundle.section("complaints")
    answer = str(ctx.slots.get("photos_answer") or "")
    media: list[dict[str, Any]] = []
    since = ctx.slots.get("photos_since")
    if ctx.session is not None and ctx.conversation_id is not None and since:
        media = store.media_since(ctx.session, ctx.conversation_id,
                                  datetime.fromisoformat(str(since)))
    slots: dict[str, Any] = {"photos": media}
    said = normalise(answer)
    if not media and not is_exactly(said, _words(config, "skip_words") + _words(config, "done_words")):
        # not a photo and not "skip": more about what happened
        slots["complaint_text"] = f"{ctx.slots.get('complaint_text', '')}\n{answer}".strip()
    return ActionResult(slots=slots, events=[("complaint_photos", {"count": len(media)})])


def ticket_from_text(ctx: ActionContext, text: str, *, source: str, default_class: str,
                     default_topic: str, booking_public_id: str | None, use_text: bool = True,
                     ticket_class: str | None = None, topic: str | None = None,
                     wished: str | None = None, media: list[Any] | None = None) -> ActionResult:
    """Open a ticket from a conversation: ticket id, promise and handoff as slots, and the
    ``ticket_opened`` (and for urgent classes ``handoff_requested``) events."""
    config = ctx.bundle.section("complaints")
    if ticket_class is None or topic is None:
        found = classify(text, config, now=ctx.now) if use_text else None
        matched = found is not None and bool(found.matched)
        ticket_class = found.ticket_class if found and matched else default_class
        topic = found.topic if found and matched else default_topic
    if ctx.session is None or ctx.customer_id is None:  # offline run: nothing to store
        return ActionResult(slots={"ticket_id": "-", "ticket_promise": "", "handoff": "no"})
    ticket = complaints.open_ticket(
        ctx.session, customer_id=ctx.customer_id, description=text, ticket_class=ticket_class,
        topic=topic, config=config, now=ctx.now, source=source,
        conversation_id=ctx.conversation_id, booking_public_id=booking_public_id,
        wished_resolution=wished, media=media or [])
    handoff = ticket_class in config.get("handoff_classes", ())
    events: list[tuple[str, dict[str, Any]]] = [("ticket_opened", complaints.opened_data(ticket))]
    if handoff:  # as request_human records it: the handoff queue picks it up
        events.append(("handoff_requested", {"reason": "urgent_complaint", "text": text[:200],
                                             "ticket_id": ticket.public_id}))
    return ActionResult(slots={
        "ticket_id": ticket.public_id, "handoff": "yes" if handoff else "no",
        "ticket_promise": complaints.promise(config, ticket, ctx.tz, ctx.lang),
        "ticket_class_name": describe(config, "class", ticket_class, ctx.lang)}, events=events)


@action("complaint_open", needs=("complaint_text",),
        sets=("ticket_id", "ticket_promise", "handoff", "ticket_class_name"), check=_check)
def complaint_open(ctx: ActionContext) -> ActionResult:
    s = ctx.slots
    booking = s.get("booking_id") or (s.get("booking_candidate")
                                      if s.get("booking_choice") == "this" else None)
    return ticket_from_text(
        ctx, str(s["complaint_text"]), source="chat", default_class="experience",
        default_topic="quality", booking_public_id=str(booking) if booking else None,
        ticket_class=s.get("complaint_class"), topic=s.get("complaint_topic"),
        wished=s.get("wished_resolution"), media=list(s.get("photos") or []))


@action("ticket_rate", needs=("ticket_id", "resolution_rating"))
def ticket_rate(ctx: ActionContext) -> ActionResult:
    rating = int(str(ctx.slots["resolution_rating"]).removeprefix("score_"))
    ticket_id = str(ctx.slots["ticket_id"])
    if ctx.session is not None:
        complaints.rate_resolution(ctx.session, ticket_id, rating, now=ctx.now)
    return ActionResult(events=[("ticket_rated", {"ticket_id": ticket_id, "rating": rating})])

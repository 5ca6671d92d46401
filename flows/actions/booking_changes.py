"""Actions for an existing booking: which one, the change terms, reschedule, cancel,
status, and the customer's remembered preferences.
"""

from __future__ import annotations

import re
from datetime import date

from flows.actions import ActionContext, ActionResult, action
from flows.actions.booking import Chat, check_time
from flows.business import booking as biz
from flows.business import booking_texts as texts
from flows.business.booking_check import check_flow
from flows.business.booking_rules import change_terms
from flows.business.booking_schedule import service_rules
from flows.matching import normalise
from storage import bookings as repo
from storage.bookings import BookingRow
from storage.profiles import add_preference, get_profile

_PUBLIC_ID = re.compile(r"\bB\d{10}\b", re.I)


def _label(booking: BookingRow, lang: str) -> str:
    # No service name: "...保洁" reads to the NLU as a new booking and would start one.
    return f"{booking.public_id} · {biz.when_label(booking, lang)}"


def _mine(chat: Chat) -> list[BookingRow]:
    today = chat.ctx.now.astimezone(chat.ctx.tz).date()
    return repo.list_for_customer(chat.ctx.session, chat.ctx.customer_id or 0, from_day=today)


@action("booking_find", sets=("booking_id", "booking_id_buttons", "has_booking", "service_type",
                              "booking_when"))
def booking_find(ctx: ActionContext) -> ActionResult:
    """Which booking the customer means: the one named, the only upcoming one, or ask.

    Runs again after the "which one?" answer to turn the tapped label into the id (and to
    clear an answer that names none of theirs, so the question is asked again).
    """
    chat = Chat(ctx, ActionResult())
    if not chat.online():
        chat.result.slots["has_booking"] = False
        return chat.result
    mine = _mine(chat)
    chat.result.slots["has_booking"] = bool(mine)
    if not mine:
        chat.say(chat.text("no_booking"))
        return chat.result
    named = _PUBLIC_ID.search(f"{ctx.slots.get('booking_id') or ''} {ctx.text}")
    chosen = next((b for b in mine if named and b.public_id == named.group().upper()), None)
    if chosen is None and len(mine) == 1:
        chosen = mine[0]
    if chosen is None:
        chat.result.slots.update(booking_id=None, booking_id_buttons=[
            {lang: _label(b, lang) for lang in ("zh", "en")} for b in mine])
        return chat.result
    chat.result.slots.update(booking_id=chosen.public_id, service_type=chosen.service,
                             booking_when=biz.when_label(chosen, chat.lang),
                             booking_id_buttons=None)
    if named and named.group().upper() in ctx.text.upper() and \
            ctx.slots.get("date") == chosen.day.isoformat():
        # The tapped label names the booking's own day and slot; that is not a new time.
        chat.result.slots.update(date=None, time_slot=None)
    return chat.result


@action("booking_terms", needs=("booking_id",),
        sets=("change_allowed", "change_fee_pct", "change_terms", "booking_summary"))
def booking_terms(ctx: ActionContext) -> ActionResult:
    """Free, with a fee, or not online at all (``args.kind``: reschedule | cancel)."""
    chat = Chat(ctx, ActionResult())
    kind = str(ctx.args.get("kind", "reschedule"))
    booking = repo.require(ctx.session, str(ctx.slots["booking_id"]))
    rules = service_rules(chat.section, booking.service)
    terms = change_terms(chat.section, kind, booking, rules, ctx.now, ctx.tz)
    if terms.started:
        words = chat.text("started")
    elif not terms.allowed:
        words = chat.text(f"{kind}_refused", limit=texts.hours(terms.free_until_hours))
    elif terms.fee_pct:
        amount = chat.text("fee_amount", amount=texts.money(terms.fee_amount, booking.currency)) \
            if terms.fee_amount is not None else ""
        words = chat.text(f"{kind}_fee", limit=texts.hours(terms.free_until_hours),
                          pct=f"{terms.fee_pct:g}", amount=amount)
    else:
        words = chat.text(f"{kind}_free", hours=texts.hours(terms.hours_left))
    chat.result.slots.update(change_allowed=terms.allowed, change_fee_pct=terms.fee_pct,
                             change_terms=words,
                             booking_summary=biz.summary(chat.section, booking, chat.lang))
    return chat.result


def _check(bundle: object, flow: object, step: object) -> list[tuple[int, str, str]]:
    return check_flow(bundle, flow, step)  # type: ignore[arg-type]


@action("booking_reschedule", needs=("booking_id", "date", "time_slot"),
        sets=("booking_summary", "booking_when"), check=_check)
def booking_reschedule(ctx: ActionContext) -> ActionResult:
    chat = Chat(ctx, ActionResult())
    booking = repo.require(ctx.session, str(ctx.slots["booking_id"]))
    own = (booking.day.isoformat(), booking.slot)
    if not check_time(chat):
        return chat.result
    day, slot = date.fromisoformat(str(ctx.slots["date"])), str(ctx.slots["time_slot"])
    fee = float(ctx.slots.get("change_fee_pct") or 0)
    moved = biz.reschedule_booking(ctx.session, chat.section, booking.public_id, day, slot,
                                   ctx.now, "customer", fee)
    if moved is None:  # the last crew went to someone else since the question
        chat.say(chat.text("taken", date=texts.date_label(day, chat.lang),
                           slot=chat.ctx.display("time_slot")))
        chat.result.slots["time_slot"] = None
        chat.ctx.slots = {**ctx.slots, "time_slot": None}
        check_time(chat)
        return chat.result
    chat.result.slots.update(booking_summary=biz.summary(chat.section, moved, chat.lang),
                             booking_when=biz.when_label(moved, chat.lang))
    chat.result.events.append(("booking_rescheduled", {
        "booking_id": moved.public_id, "from": list(own), "to": [day.isoformat(), slot],
        "fee_pct": fee}))
    return chat.result


@action("booking_cancel", needs=("booking_id",))
def booking_cancel(ctx: ActionContext) -> ActionResult:
    chat = Chat(ctx, ActionResult())
    fee = float(ctx.slots.get("change_fee_pct") or 0)
    done = biz.cancel_booking(ctx.session, str(ctx.slots["booking_id"]), ctx.now, "customer",
                              reason="customer asked in chat", fee_pct=fee)
    chat.result.events.append(("booking_cancelled", {"booking_id": done.public_id,
                                                     "fee_pct": fee}))
    return chat.result


@action("booking_status_text", needs=("booking_id",), sets=("booking_status",))
def booking_status_text(ctx: ActionContext) -> ActionResult:
    """The booking, its status in words and the crew's ETA in local time."""
    chat = Chat(ctx, ActionResult())
    booking = repo.require(ctx.session, str(ctx.slots["booking_id"]))
    lines = [biz.summary(chat.section, booking, chat.lang),
             biz.status_line(booking, chat.lang, ctx.tz)]
    if booking.status_note:
        lines.append(chat.text("line_note", value=booking.status_note))
    chat.result.slots["booking_status"] = "\n".join(lines)
    return chat.result


def _after_prefix(text: str, prefixes: list[str]) -> str:
    """"记住：不要柠檬味清洁剂" -> "不要柠檬味清洁剂" (the longest prefix that starts it)."""
    stripped = text.strip()
    low = normalise(stripped)
    for prefix in sorted(prefixes, key=len, reverse=True):
        p = normalise(prefix)
        at = low.find(p)
        if at != -1 and at <= 4:
            rest = stripped[at + len(prefix):] if stripped[at:at + len(prefix)].lower() == \
                prefix.lower() else stripped[at + len(p):]
            return rest.strip(" \t:：,，、。.!！")
    return ""


@action("preferences_update")
def preferences_update(ctx: ActionContext) -> ActionResult:
    """Save what follows "记住" / "remember" (``args.prefixes``), then list what is saved."""
    chat = Chat(ctx, ActionResult())
    if not chat.online():
        return chat.result
    prefixes = [str(p) for words in (ctx.args.get("prefixes") or {}).values() for p in words]
    note = _after_prefix(ctx.text, prefixes)
    parts = []
    if note:
        add_preference(ctx.session, ctx.customer_id or 0, note)
        chat.result.events.append(("preference_saved", {"text": note[:200]}))
        parts.append(chat.text("preferences_saved", text=note))
    profile = get_profile(ctx.session, ctx.customer_id or 0)
    saved = list(profile.preferences) if profile else []
    if saved:
        parts.append(chat.text("preferences_list", items="\n".join(
            f"{i}. {p}" for i, p in enumerate(saved, 1))))
    else:
        parts.append(chat.text("preferences_none"))
    chat.say(*parts)
    return chat.result

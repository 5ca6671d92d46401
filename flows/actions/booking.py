"""Booking actions for the ``booking`` flow: prepare, check the wanted time, create.

The flow asks only what is missing; these actions decide whether the wanted day and time
slot can be had. A time that cannot is *cleared* (the slot set to None), so the flow's
question is asked again, with buttons that offer only what is still free
(``time_slot_buttons``, ``date_buttons``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flows.actions import ActionContext, ActionResult, action
from flows.business import booking as biz
from flows.business import booking_texts as texts
from flows.business.booking_check import check_flow
from flows.business.booking_schedule import (
    ServiceRules,
    SlotRule,
    day_problem,
    day_slots,
    nearest_free,
    service_rules,
)
from flows.matching import NO_WORDS, is_exactly, normalise
from flows.model import Reply
from storage import repo as core
from storage.bookings import NewBooking, get_booking
from storage.profiles import add_preference, get_profile

NO_REQUESTS = (*NO_WORDS, "没有了", "没什么", "没有要求", "无要求", "no requests", "nothing special",
               "none", "nope", "no thanks")


def lang_of(ctx: ActionContext) -> str:
    return ctx.lang if ctx.lang in ("zh", "en") else "zh"


@dataclass(slots=True)
class Chat:
    """What the actions share: the section, the language, and what they will answer."""

    ctx: ActionContext
    result: ActionResult

    @property
    def section(self) -> Mapping[str, Any]:
        return self.ctx.bundle.section("booking")

    @property
    def lang(self) -> str:
        return lang_of(self.ctx)

    def text(self, key: str, **values: Any) -> str:
        # an empty {slot} in English leaves two spaces ("Mon Nov 23  is too soon")
        return re.sub(r" {2,}", " ", texts.text(self.section, key, self.lang, **values))

    def say(self, *parts: str, buttons: tuple[str, ...] = ()) -> None:
        body = "\n".join(p for p in parts if p)
        if body:
            self.result.replies.append(Reply(body, buttons))

    def when(self, day: date, slot: SlotRule | None) -> str:
        label = texts.pick(slot.label, self.lang) if slot else ""
        return texts.date_label(day, self.lang) + ("" if self.lang == "zh" or not label else " ")\
            + label

    def online(self) -> bool:
        """Bookings need the database and a customer; offline runs say so and stop."""
        if self.ctx.session is not None and self.ctx.customer_id is not None:
            return True
        self.say(self.text("unavailable"))
        return False


def both_langs(day: date, slot: SlotRule) -> dict[str, str]:
    """A button naming a day and slot ("12月6日（周日）上午"): the date and the slot in it are
    read back from the tap, so it answers the date question and the slot question at once."""
    return {lang: texts.date_label(day, lang) + ("" if lang == "zh" else " ")
            + texts.pick(slot.label, lang) for lang in ("zh", "en")}


def reason_text(chat: Chat, reason: str, rules: ServiceRules, day: date,
                slot: SlotRule | None) -> str:
    """Why (day, slot) cannot be booked, in the customer's words."""
    today = chat.ctx.now.astimezone(chat.ctx.tz).date()
    key = "day_full" if reason == "full" and slot is None else reason
    label = texts.pick(slot.label, chat.lang) if slot else ""
    return chat.text(key, date=texts.date_label(day, chat.lang),
                     slot=label,
                     service=texts.pick(rules.name, chat.lang), days=rules.horizon_days,
                     last=texts.date_label(today + timedelta(days=rules.horizon_days), chat.lang),
                     hours=texts.hours(rules.min_lead_hours))


def offer_other_days(chat: Chat, rules: ServiceRules, day: date, prefer: str | None,
                     first: str) -> None:
    """The wanted day is out: say why, offer the nearest free (day, slot) as buttons, and
    clear the date so the flow asks for another."""
    found = nearest_free(chat.ctx.session, rules, day, chat.ctx.now, chat.ctx.tz, prefer=prefer)
    chat.result.slots.update(date=None, time_slot=None, time_slot_buttons=None)
    if not found:
        chat.result.slots["date_buttons"] = None
        chat.say(first, chat.text("no_alternatives"))
        return
    options = [both_langs(d, s) for d, s in found]
    chat.result.slots["date_buttons"] = options
    listed = ("、" if chat.lang == "zh" else ", ").join(o[chat.lang] for o in options)
    chat.say(first, chat.text("alternatives", options=listed))


def own_time(chat: Chat) -> tuple[str, str] | None:
    """The (day, slot) the booking being rescheduled already has: not a new time."""
    if not chat.ctx.slots.get("booking_id") or chat.ctx.session is None:
        return None
    booking = get_booking(chat.ctx.session, str(chat.ctx.slots["booking_id"]))
    return (booking.day.isoformat(), booking.slot) if booking else None


def check_time(chat: Chat) -> bool:
    """Is the wanted date (and slot, if named) bookable? Clears what is not; True if all ok."""
    slots = chat.ctx.slots
    own = own_time(chat)
    rules = service_rules(chat.section, str(slots.get("service_type")))
    if rules is None or not slots.get("date"):
        return False
    day = date.fromisoformat(str(slots["date"]))
    state = day_slots(chat.ctx.session, rules, day, chat.ctx.now, chat.ctx.tz)
    wanted = str(slots["time_slot"]) if slots.get("time_slot") else None
    problem = day_problem(state)
    if problem:
        rule = rules.slot(wanted) if wanted else None
        offer_other_days(chat, rules, day, wanted, reason_text(chat, problem, rules, day, None
                                                                if problem != "too_soon" else rule))
        return False
    free = [s for s, reason in state if reason is None]
    chat.result.slots["time_slot_buttons"] = [dict(s.label) for s in free]
    chat.result.slots["date_label"] = texts.date_label(day, chat.lang)
    chat.result.slots["date_buttons"] = None
    if wanted is None:
        return False
    rule = rules.slot(wanted)
    reason = next((r for s, r in state if s.id == wanted), "no_slot")
    if own == (day.isoformat(), wanted):
        reason = "same_time"
    if reason is None:
        return True
    chat.result.slots["time_slot"] = None
    if reason == "same_time":
        chat.say(chat.text("same_time"))
    elif reason == "no_slot":
        chat.say(chat.text("no_slot", service=texts.pick(rules.name, chat.lang)))
    else:
        chat.say(reason_text(chat, reason, rules, day, rule))
    return False


def _check(bundle: Any, flow: Any, step: Any) -> list[tuple[int, str, str]]:
    return check_flow(bundle, flow, step)


@action("booking_check_time", needs=("service_type", "date"),
        sets=("date_label", "time_slot_buttons", "date_buttons"))
def booking_check_time(ctx: ActionContext) -> ActionResult:
    """After the date (and after the slot) question: narrow or re-ask."""
    chat = Chat(ctx, ActionResult())
    check_time(chat)
    return chat.result


@action("booking_prepare", sets=("phone", "preferences_intro", "special_requests_buttons"))
def booking_prepare(ctx: ActionContext) -> ActionResult:
    """What the customer's profile already answers: their phone and saved preferences."""
    chat = Chat(ctx, ActionResult())
    chat.result.slots["special_requests_buttons"] = [{"zh": "没有", "en": "None"}]
    if ctx.session is None or ctx.customer_id is None:
        return chat.result
    profile = get_profile(ctx.session, ctx.customer_id)
    if profile is None:
        return chat.result
    phone = profile.data.get("phone")
    if phone and not ctx.slots.get("phone"):
        chat.result.slots["phone"] = str(phone)
    if profile.preferences:
        chat.result.slots["preferences_intro"] = chat.text(
            "preferences_intro", items=texts.joined(list(profile.preferences), chat.lang))
    return chat.result


def _number(value: Any) -> float | None:
    """The quote's total: a number, or the text "¥1,090" an older quote flow stored."""
    if isinstance(value, int | float):
        return float(value)
    digits = re.sub(r"[^\d.]", "", str(value or ""))
    try:
        return float(digits) if digits else None
    except ValueError:
        return None


def _address(chat: Chat) -> str | None:
    s = chat.ctx.slots
    if s.get("from_address") and s.get("to_address"):
        return chat.text("moving_address", from_address=s["from_address"],
                         to_address=s["to_address"])
    return str(s["address"]) if s.get("address") else None


def _remember(chat: Chat) -> list[str]:
    """Save a new special request to the profile; all saved ones go with the booking."""
    ctx = chat.ctx
    note = str(ctx.slots.get("special_requests") or "").strip()
    if note and not is_exactly(normalise(note), NO_REQUESTS):
        add_preference(ctx.session, ctx.customer_id or 0, note)
        chat.result.events.append(("preference_saved", {"text": note[:200]}))
    profile = get_profile(ctx.session, ctx.customer_id or 0)
    return list(profile.preferences) if profile else []


@action("booking_create", needs=("service_type", "date", "time_slot"),
        sets=("booking_id", "booking_summary", "booking_prepare"), check=_check)
def booking_create(ctx: ActionContext) -> ActionResult:
    """Book the crew (atomic capacity check); if it was just taken, re-ask the slot."""
    chat = Chat(ctx, ActionResult())
    if not chat.online() or not check_time(chat):
        return chat.result
    s = ctx.slots
    phone = str(s["phone"]) if s.get("phone") else None
    profile = get_profile(ctx.session, ctx.customer_id or 0)
    if phone and profile is not None and profile.data.get("phone") != phone:
        core.set_profile(ctx.session, ctx.customer_id or 0, phone=phone)
    details = {"phone": phone, "preferences": _remember(chat), "lang": chat.lang,
               "quote": {k: s[k] for k in ("rooms", "area", "home_size", "quote_text") if s.get(k)}}
    pricing = ctx.bundle.pricing
    new = NewBooking(customer_id=ctx.customer_id or 0, service=str(s["service_type"]),
                     day=date.fromisoformat(str(s["date"])), slot=str(s["time_slot"]),
                     conversation_id=ctx.conversation_id,
                     quote_id=str(s["quote_id"]) if s.get("quote_id") else None,
                     address=_address(chat), region=profile.region if profile else None,
                     total=_number(s.get("quote_total")),
                     currency=str(pricing.get("currency", "CNY")), details=details)
    created = biz.book(ctx.session, chat.section, new, ctx.now)
    if created is None:
        chat.say(chat.text("taken", date=texts.date_label(new.day, chat.lang),
                           slot=ctx.display("time_slot")))
        chat.result.slots["time_slot"] = None
        chat.ctx.slots = {**s, "time_slot": None}
        check_time(chat)
        chat.result.events.append(("booking_full", {"date": new.day.isoformat(),
                                                    "slot": new.slot}))
        return chat.result
    rules = service_rules(chat.section, created.service)
    chat.result.slots.update(
        booking_id=created.public_id, booking_summary=biz.summary(chat.section, created, chat.lang),
        booking_prepare=texts.pick(rules.prepare, chat.lang) if rules else "")
    chat.result.events.append(("booking_created", {
        "booking_id": created.public_id, "service": created.service,
        "date": created.day.isoformat(), "slot": created.slot, "quote_id": created.quote_id,
        "total": created.total}))
    return chat.result

"""``subscription``: opt out of proactive messages (退订 / unsubscribe / /stop) or back in
(订阅 / subscribe / /subscribe), at once, confirmed in the customer's language.

The choice is ``customers.profile["opted_out"]``; the dispatcher's hygiene skips pending
care, campaign and survey rows of an opted-out customer (scheduler/hygiene.py). Replies to
the customer's own messages are never affected. Words and texts: the ``messaging:``
section (flows/business/messaging.py).
"""

from __future__ import annotations

from flows.actions import ActionContext, ActionResult, action
from flows.business.messaging import config_of, is_opted_out, set_opted_out
from flows.matching import contains, normalise
from flows.model import Reply
from storage.profiles import get_profile


def wants(text: str, intent: str | None, out_words: tuple[str, ...],
          in_words: tuple[str, ...]) -> str:
    """``out`` or ``in``: opt-out words win ("取消订阅" contains "订阅"); an ``unsubscribe``
    intent without either word ("别再给我发广告了") opts out."""
    norm = normalise(text)
    if any(contains(norm, w) for w in out_words):
        return "out"
    if any(contains(norm, w) for w in in_words):
        return "in"
    return "out" if intent == "unsubscribe" else "in"


@action("subscription", sets=("subscription",))
def subscription(ctx: ActionContext) -> ActionResult:
    cfg = config_of(ctx.bundle.section("messaging"))
    choice = wants(ctx.text, ctx.intent, cfg.words("out"), cfg.words("in"))
    was_out = False
    if ctx.session is not None and ctx.customer_id is not None:
        profile = get_profile(ctx.session, ctx.customer_id)
        was_out = is_opted_out(profile.data if profile is not None else None)
        if (choice == "out") != was_out:
            set_opted_out(ctx.session, ctx.customer_id, choice == "out",
                          at=ctx.now.isoformat())
    if choice == "out":
        key, event = ("already_out" if was_out else "opted_out"), "opted_out"
    else:
        key, event = ("opted_in" if was_out else "already_in"), "opted_in"
    return ActionResult(slots={"subscription": choice},
                        replies=[Reply(cfg.text(key, ctx.lang))],
                        events=[(event, {"changed": key in ("opted_out", "opted_in")})])

"""``show_points`` (我的积分 / my points) and ``referral_code`` (推荐码 / invite a friend)."""

from __future__ import annotations

from flows.actions import ActionContext, ActionResult, action
from flows.business.loyalty import config_for
from flows.business.loyalty_config import LoyaltyConfig
from flows.business.loyalty_profile import PointsStatus, points_message, points_status
from flows.business.loyalty_referral import Outcome, apply_referral, find_code, referral_code
from flows.matching import contains, normalise
from flows.model import Bundle, Flow, Reply, Step


def _needs_section(bundle: Bundle, flow: Flow, step: Step) -> list[tuple[int, str, str]]:
    if bundle.section("loyalty"):
        return []
    return [(step.source.line, f"action '{step.action}' needs a valid `loyalty:` section",
             "fix the errors reported for it, or add one (see docs/loyalty.md)")]


def _config(ctx: ActionContext) -> LoyaltyConfig:
    cfg = config_for(ctx.bundle)
    if cfg is None:  # the validator refuses such scripts; a hand-built bundle may still lack it
        raise RuntimeError("the loyalty actions need a loyalty section")
    return cfg


@action("show_points", sets=("points_balance", "points_tier"), check=_needs_section)
def show_points(ctx: ActionContext) -> ActionResult:
    cfg = _config(ctx)
    if ctx.session is None or ctx.customer_id is None:  # offline: a customer with nothing yet
        status = PointsStatus(0, cfg.tiers[0].key, 0, None, 0, (),
                              cfg.milestones[0] if cfg.milestones else None)
    else:
        status = points_status(ctx.session, cfg, ctx.customer_id, ctx.now)
    return ActionResult(
        slots={"points_balance": status.points, "points_tier": status.tier},
        replies=[Reply(points_message(cfg, status, ctx.lang, ctx.tz))],
        events=[("points_shown", {"points": status.points, "tier": status.tier,
                                  "expiring": status.expiring})])


def _wants_to_enter(ctx: ActionContext) -> bool:
    """"我有推荐码" / "I have a referral code" without the code itself: ask for it."""
    words = ctx.args.get("enter_words") or {}
    text = normalise(ctx.text)
    return any(contains(text, str(w)) for w in words.get(ctx.lang, ()))


@action("referral_code", sets=("referral_result", "my_referral_code", "referrer_points",
                                "referred_points"), check=_needs_section)
def referral_code_action(ctx: ActionContext) -> ActionResult:
    """With a code in the message (or in ``referral_input``): apply it. Otherwise show the
    customer's own code, or — when they say they have one — ask for it.

    ``referral_result``: ask | show_code | applied | not_found | own_code |
    already_referred | not_new.
    """
    if ctx.session is None or ctx.customer_id is None:
        raise RuntimeError("referral_code needs a stored conversation")
    cfg = _config(ctx)
    rewards = {"referrer_points": cfg.referrer_points, "referred_points": cfg.referred_points}
    typed = ctx.slots.get("referral_input")
    code = find_code(str(typed)) if typed else find_code(ctx.text)
    if code is None and typed:
        return ActionResult(slots={**rewards, "referral_result": Outcome.NOT_FOUND.value})
    if code is not None:
        outcome = apply_referral(ctx.session, ctx.customer_id, code)
        return ActionResult(slots={**rewards, "referral_result": outcome.value},
                            events=[("referral_code_given", {"outcome": outcome.value})])
    if _wants_to_enter(ctx):
        return ActionResult(slots={**rewards, "referral_result": "ask"})
    own = referral_code(ctx.session, ctx.customer_id, ctx.now)
    return ActionResult(slots={**rewards, "referral_result": "show_code", "my_referral_code": own},
                        events=[("referral_code_shown", {})])

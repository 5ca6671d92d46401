"""Loyalty: points for surveys, referrals and spend; service milestones; member tiers.

The ``loyalty:`` section of the scripts holds every number and text (see docs/loyalty.md).
A completed booking is the main event: :func:`on_booking_completed` (registered in
``flows.business.booking.ON_COMPLETED``) awards spend points, unlocks milestones, pays the
referrer and recomputes the tier — in the caller's transaction, with messages to the
customer queued through the outbox so they go out only if the completion commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flows.business import booking
from flows.business.loyalty_config import LoyaltyConfig, Tier, add_months, check_loyalty, config_of
from flows.business.loyalty_ledger import expire_points, points_expiring
from flows.business.notify import notify
from flows.business.proactive import live_section
from flows.model import Bundle
from flows.sections import register_section
from storage import loyalty as store
from storage.conn import Tx

__all__ = ["award", "config_for", "expire_points", "on_booking_completed", "points_expiring",
           "recompute_tier", "tier_for", "use_section"]

log = logging.getLogger(__name__)

SECTION = register_section("loyalty", schema=Path(__file__).with_name("loyalty.schema.json"),
                           check=check_loyalty, required_by=("show_points", "referral_code"))

SectionSource = Callable[[], Mapping[str, Any]]
_source: SectionSource | None = None


def use_section(source: SectionSource | None) -> None:
    """Override where hooks without a bundle (booking completion, the CLI) read the section;
    by default the live scripts (flows.business.proactive.live_section)."""
    global _source
    _source = source


def _live_section() -> Mapping[str, Any]:
    return live_section("loyalty")


def config_for(bundle_or_section: Bundle | Mapping[str, Any] | None = None) -> LoyaltyConfig | None:
    """The typed section; None when the scripts have no ``loyalty:`` (loyalty is off)."""
    if isinstance(bundle_or_section, Bundle):
        section: Mapping[str, Any] = bundle_or_section.section("loyalty")
    elif bundle_or_section is not None:
        section = bundle_or_section
    else:
        section = (_source or _live_section)()
    return config_of(section) if section else None


# -- awards ---------------------------------------------------------------------------------


def award(conn: Tx, bundle_or_section: Bundle | Mapping[str, Any] | LoyaltyConfig,
          customer_id: int, reason: str, ref: str, now: datetime,
          amount: float | None = None) -> int | None:
    """Award points once per (customer, reason, ref); the points written, or None when this
    award was already made.

    ``reason``: ``survey`` (the section's points), ``referral`` (the referrer's points unless
    ``amount`` says otherwise), ``spend`` (``amount`` is money: points per block of it),
    ``milestone`` (``ref`` is the milestone key), ``adjust`` (``amount`` is the points).
    """
    cfg = (bundle_or_section if isinstance(bundle_or_section, LoyaltyConfig)
           else config_for(bundle_or_section))
    if cfg is None:
        return None
    points = _points_for(cfg, reason, ref, amount)
    expires = cfg.expires_at(now) if points > 0 else None
    if not store.add_points(conn, customer_id, points, reason, ref, expires_at=expires, now=now):
        return None
    return points


def _points_for(cfg: LoyaltyConfig, reason: str, ref: str, amount: float | None) -> int:
    if reason == "spend":
        return cfg.spend_award(float(amount or 0))
    if amount is not None:
        return int(amount)
    if reason == "survey":
        return cfg.survey_points
    if reason == "referral":
        return cfg.referrer_points
    if reason == "milestone":
        milestone = cfg.milestone(ref)
        if milestone is None:
            raise ValueError(f"no milestone {ref!r} in the loyalty section")
        return milestone.points
    raise ValueError(f"award {reason!r} needs an amount")


# -- tiers ----------------------------------------------------------------------------------


def tier_for(cfg: LoyaltyConfig, spend: float, services: int, *, lifetime_vip: bool) -> Tier:
    """The highest tier the window's spend and services reach (``match: any`` — either is
    enough; ``all`` — both), never below the VIP floor for a lifetime VIP."""
    reached = cfg.tiers[0]
    for tier in cfg.tiers[1:]:
        ok = ((spend >= tier.min_spend, services >= tier.min_services))
        if all(ok) if cfg.match == "all" else any(ok):
            reached = tier
    if lifetime_vip and cfg.vip_floor:
        floor = cfg.tier(cfg.vip_floor)
        if cfg.tiers.index(floor) > cfg.tiers.index(reached):
            reached = floor
    return reached


@dataclass(frozen=True, slots=True)
class TierChange:
    old: str
    new: str
    up: bool


def recompute_tier(conn: Tx, cfg: LoyaltyConfig, customer_id: int, now: datetime) -> TierChange:
    """Set ``customers.tier`` from bookings completed in the rolling window ending ``now``."""
    spend, services = store.completed_since(conn, customer_id,
                                            add_months(now, -cfg.window_months), now)
    vip = "lifetime_vip" in store.refs_of(conn, customer_id, "milestone")
    new = tier_for(cfg, spend, services, lifetime_vip=vip)
    stored = store.tier_of(conn, customer_id)
    old = cfg.tier(stored)
    if stored != new.key:
        store.set_tier(conn, customer_id, new.key)
    return TierChange(old.key, new.key, cfg.tiers.index(new) > cfg.tiers.index(old))


# -- booking completed ----------------------------------------------------------------------


def _field(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def _tell(conn: Tx, customer_id: int, cfg: LoyaltyConfig, text_key: str, key: str,
          values: Callable[[str], dict[str, Any]]) -> None:
    texts = {lang: cfg.text(text_key, lang, **values(lang)) for lang in ("zh", "en")}
    if notify(conn, customer_id, texts, key=key, kind="loyalty",
              ref=f"customer:{customer_id}") is None:
        log.info("loyalty: customer %s has no channel for %s", customer_id, text_key)


def on_booking_completed(conn: Tx, booking_row: Any, now: datetime, *,
                         section: Bundle | Mapping[str, Any] | None = None) -> None:
    """Spend points, milestones, the referral reward and the tier for a completed booking.

    Call it after the booking is stored as completed, in the same transaction. Repeating it
    for the same booking changes nothing: every award is once per (reason, ref).
    """
    cfg = config_for(section)
    if cfg is None:
        return
    customer_id = int(_field(booking_row, "customer_id"))
    public_id = str(_field(booking_row, "public_id"))
    award(conn, cfg, customer_id, "spend", public_id, now, float(_field(booking_row, "total") or 0))
    _milestones(conn, cfg, customer_id, now)
    _referral_reward(conn, cfg, customer_id, now)
    change = recompute_tier(conn, cfg, customer_id, now)
    if change.up:
        name = cfg.tier(change.new).name
        _tell(conn, customer_id, cfg, "tier_up", f"loyalty:tier:{customer_id}:{change.new}:{public_id}",
              lambda lang: {"tier": name.get(lang, change.new)})


def _milestones(conn: Tx, cfg: LoyaltyConfig, customer_id: int, now: datetime) -> None:
    done = store.completed_count(conn, customer_id)
    for m in cfg.milestones:
        if m.services > done:
            break
        if award(conn, cfg, customer_id, "milestone", m.key, now) is None:
            continue  # reached before
        _tell(conn, customer_id, cfg, "milestone_reached", f"loyalty:milestone:{customer_id}:{m.key}",
              lambda lang, m=m: {"services": m.services, "points": m.points,  # type: ignore[misc]
                                 "benefit": m.benefit.get(lang, m.key)})


def _referral_reward(conn: Tx, cfg: LoyaltyConfig, customer_id: int, now: datetime) -> None:
    """The referrer's reward (and the friend's welcome points), once, at the first completion:
    a code is only accepted before the customer's first completed booking."""
    referrer = store.referred_by(conn, customer_id)
    if referrer is None:
        return
    if award(conn, cfg, referrer, "referral", f"customer:{customer_id}", now) is not None:
        _tell(conn, referrer, cfg, "referral_rewarded", f"loyalty:referral:{referrer}:{customer_id}",
              lambda lang: {"points": cfg.referrer_points})
    if cfg.referred_points and award(conn, cfg, customer_id, "referral", f"welcome:{referrer}", now,
                                     cfg.referred_points) is not None:
        _tell(conn, customer_id, cfg, "referral_welcome", f"loyalty:welcome:{customer_id}",
              lambda lang: {"points": cfg.referred_points})


booking.subscribe(booking.ON_COMPLETED, on_booking_completed)

"""What a customer has: balance, tier, expiring points, milestones — for 我的积分 / my points
and for the agent console's profile panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.business.loyalty_config import LoyaltyConfig, Milestone
from flows.business.loyalty_ledger import points_expiring
from storage import loyalty as store
from storage.conn import Tx
from storage.profiles import get_profile


@dataclass(frozen=True, slots=True)
class PointsStatus:
    points: int
    tier: str  # basic | silver | gold | diamond ("standard" is read as the lowest tier)
    expiring: int
    expiring_at: datetime | None
    completed: int
    reached: tuple[str, ...]  # milestone keys, in ladder order
    next_milestone: Milestone | None


def points_status(conn: Tx, cfg: LoyaltyConfig, customer_id: int, now: datetime) -> PointsStatus:
    soon = points_expiring(conn, customer_id, now, cfg.expiring_notice_days)
    done = store.completed_count(conn, customer_id)
    recorded = store.refs_of(conn, customer_id, "milestone")
    reached = tuple(m.key for m in cfg.milestones if m.key in recorded)
    upcoming = next((m for m in cfg.milestones if m.key not in recorded and m.services > done), None)
    return PointsStatus(store.balance(conn, customer_id), cfg.tier(store.tier_of(conn, customer_id)).key,
                        soon.points, soon.first_at if soon.points else None, done, reached,
                        upcoming)


def points_message(cfg: LoyaltyConfig, status: PointsStatus, lang: str, tz: Any) -> str:
    """The 我的积分 reply: balance and tier, expiring points, the next milestone, benefits."""
    lines = [cfg.text("summary", lang, points=status.points,
                      tier=cfg.tier(status.tier).name.get(lang, status.tier))]
    if status.expiring and status.expiring_at is not None:
        day = status.expiring_at.astimezone(tz).date().isoformat()
        lines.append(cfg.text("expiring", lang, expiring=status.expiring, date=day))
    nxt = status.next_milestone
    if nxt is None:
        lines.append(cfg.text("all_milestones", lang))
    else:
        remaining = nxt.services - status.completed
        benefit = nxt.benefit.get(lang, nxt.key)
        if remaining == 1 and "next_milestone_one" in cfg.texts:
            lines.append(cfg.text("next_milestone_one", lang, benefit=benefit))
        else:
            lines.append(cfg.text("next_milestone", lang, remaining=remaining, benefit=benefit))
    if status.reached:
        sep = "、" if lang == "zh" else ", "
        names = sep.join(m.benefit.get(lang, m.key) for m in cfg.milestones if m.key in status.reached)
        lines.append(cfg.text("unlocked", lang, benefits=names))
    return "\n".join(lines)


def profile_summary(conn: Tx, customer_id: int, now: datetime,
                    cfg: LoyaltyConfig | None = None) -> dict[str, Any]:
    """Everything the agent console shows about a customer's loyalty, as JSON-ready values.

    Without ``cfg`` (the live section) the figures are read as stored: tier as in
    ``customers.tier``, points expiring in 30 days, milestones from the ledger.
    """
    profile = get_profile(conn, customer_id)
    if profile is None:
        raise LookupError(f"no customer {customer_id}")
    days = cfg.expiring_notice_days if cfg else 30
    soon = points_expiring(conn, customer_id, now, days)
    recorded = store.refs_of(conn, customer_id, "milestone")
    order = [m.key for m in cfg.milestones] if cfg else sorted(recorded)
    tier = cfg.tier(profile.tier).key if cfg else ("basic" if profile.tier == "standard"
                                                   else profile.tier)
    return {
        "customer_id": customer_id,
        "tier": tier,
        "points": profile.points,
        "expiring": {"points": soon.points, "within_days": days,
                     "first_at": soon.first_at.isoformat() if soon.first_at else None},
        "completed_services": store.completed_count(conn, customer_id),
        "milestones": [k for k in order if k in recorded],
        "preferences": list(profile.preferences),
        "referral_code": store.referral_code_of(conn, customer_id),
        "referred_by": store.referred_by(conn, customer_id),
        "region": profile.region,
        "lang": profile.lang,
    }

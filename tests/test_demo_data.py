"""``careline demo`` fills a clearly marked database with months of activity, so a new user's
dashboard has something to say; a second start adds only the days since."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from statistics import mean

from sqlalchemy import func, select

from bot.dashboard import assemble, voc
from bot.dashboard.period import window
from bot.demo_data import CUSTOMERS, DEMO_DAYS, seed
from flows.business.dashboard_config import config_of
from storage import bulk, kpi_customers
from storage.db import Database
from storage.kpi_queries import Dims
from storage.models import ConversationEvent, Customer

from .conftest import TZ

TODAY = date(2026, 11, 30)
NOW = datetime.combine(TODAY, time(18), tzinfo=TZ)


def test_months_of_marked_activity_that_tell_a_story(db: Database) -> None:
    report = seed(db, tz=TZ, today=TODAY, now=NOW)
    assert report.customers == CUSTOMERS and report.days == DEMO_DAYS
    assert report.events > 20_000 and report.bookings > 300 and report.surveys > 150
    with db.read() as s:
        names = list(s.execute(select(Customer.display_name)).scalars())
        assert bulk.demo_until(s) == TODAY
        first = s.execute(select(func.min(ConversationEvent.ts))).scalar()
        options = kpi_customers.dimension_values(s)
    assert all(n.startswith(("演示·", "Demo · ")) for n in names)
    assert sum(n.startswith("演示·") for n in names) > sum(n.startswith("Demo") for n in names) > 100
    assert first is not None and first.astimezone(TZ).date() == TODAY - timedelta(days=DEMO_DAYS - 1)
    assert set(options["channel"]) == {"telegram", "web", "wechat"} and len(options["region"]) == 5

    cfg = config_of(None)
    data = assemble.build(db, tz=TZ, now=NOW, cfg=cfg, window=window("7d", None, today=TODAY),
                          dims=Dims(), options=options)
    assert data["demo"] is True
    tiles = {t["key"]: t for t in data["tiles"]}
    assert all(t["value"] is not None for t in tiles.values())
    assert {t["status"] for t in tiles.values()} >= {"green", "amber", "red"}
    series = data["trends"]["series"]
    assert mean(series["containment_pct"][-4:]) > mean(series["containment_pct"][:4])
    assert mean(series["handoff_pct"][-4:]) < mean(series["handoff_pct"][:4])
    assert any(c["alert"] for c in data["matrix"]["cells"])
    said = voc.voice(db, window("30d", None, today=TODAY).current, Dims(), TZ)
    pains = {p["phrase"] for p in said["negative"]["phrases"]}
    assert pains & {"迟到", "arrived late"}


def test_a_second_start_adds_only_the_new_days(db: Database) -> None:
    seed(db, tz=TZ, today=TODAY, now=NOW)
    with db.read() as s:
        before = s.execute(select(func.count()).select_from(ConversationEvent)).scalar()
        customers = s.execute(select(func.count()).select_from(Customer)).scalar()
    assert seed(db, tz=TZ, today=TODAY, now=NOW).events == 0  # same day: nothing to do
    later = seed(db, tz=TZ, today=TODAY + timedelta(days=2), now=NOW + timedelta(days=2))
    assert later.days == 2 and later.customers == 0 and later.events > 0
    with db.read() as s:
        after = s.execute(select(func.count()).select_from(ConversationEvent)).scalar()
        new_days = s.execute(select(func.min(ConversationEvent.ts))
                             .where(ConversationEvent.id > before)).scalar()
        assert s.execute(select(func.count()).select_from(Customer)).scalar() == customers
        assert bulk.demo_until(s) == TODAY + timedelta(days=2)
    assert after == before + later.events
    assert new_days is not None and new_days.astimezone(TZ).date() > TODAY

"""Every dashboard metric against a week small enough to count by hand (SQLite and PostgreSQL).

The week looked at is Mon 16 – Sun 22 November 2026, compared with 9 – 15 November; "now" is
Monday 23 November 09:00 in Shanghai.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.dashboard import assemble
from bot.dashboard.period import InputError, dims_from, window
from flows.business.dashboard_config import config_of
from storage import kpi_customers
from storage.db import Database
from storage.kpi_queries import Dims

from .conftest import TZ
from .kpi_support import World, at

NOW = at(23, 9)
WEEK = window("7d", "2026-11-22", today=date(2026, 11, 23))
CFG = config_of(None)


def build(db: Database, dims: Dims | None = None) -> dict[str, Any]:
    with db.read() as s:
        options = kpi_customers.dimension_values(s)
    return assemble.build(db, tz=TZ, now=NOW, cfg=CFG, window=WEEK, dims=dims or Dims(),
                          options=options)


def tiles(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["key"]: t for t in data["tiles"]}


@pytest.fixture
def week(db: Database) -> World:
    w = World(db)
    w.customer("ann", channel="web", region="朝阳区", tier="gold")
    w.customer("bo", channel="wechat", region="海淀区")
    w.customer("cy", channel="telegram", region="海淀区", tier="silver")
    w.customer("du", channel="web", region="东城区")
    # -- contacts: 1 in the previous week, 5 in this one ---------------------------------------
    w.says("ann", at(10, 10))
    w.says("ann", at(16, 10))
    w.says("bo", at(17, 10), "转人工", extra=(("handoff_requested", "system", {}),))
    w.events("bo", at(17, 10, 2), ("handoff_claimed", "agent", {}))
    w.events("bo", at(17, 10, 5), ("message_out", "agent", {"text": "您好"}))  # 300 s
    w.events("bo", at(17, 10, 20), ("handoff_released", "agent", {}))
    w.says("bo", at(18, 9))                      # within 72 h: the 17th was a repeat
    w.says("cy", at(19, 10), extra=(("handoff_requested", "system", {}),))
    w.events("cy", at(19, 10, 1), ("handoff_cancelled", "customer", {}))
    w.says("ann", at(21, 10))                    # its 72 hours have not passed yet
    # -- bookings ------------------------------------------------------------------------------
    w.booking("ann", service="cleaning", completed=at(1, 15, month=10))
    ann_now = w.booking("ann", service="cleaning", completed=at(17, 15))
    w.booking("bo", service="moving", completed=at(18, 15))
    w.booking("cy", service="moving", completed=at(19, 15))
    w.booking("cy", service="moving", completed=at(20, 15))
    w.booking("du", service="moving", completed=at(1, 15, month=7))   # lapsed since
    # -- surveys -------------------------------------------------------------------------------
    w.survey("ann", at(12, 20), csat=4, nps=9, ces=5)                  # previous week
    w.survey("ann", at(17, 18), csat=5, nps=10, ces=7, booking=ann_now)
    w.survey("bo", at(18, 18), csat=2, nps=3, ces=2, comment="师傅迟到了两个小时")
    w.survey("cy", at(19, 18), csat=4, nps=8, ces=6, comment="很专业")
    # -- tickets -------------------------------------------------------------------------------
    w.ticket("bo", at(17, 10), acknowledged=at(17, 11), resolved=at(18, 10))        # all in time
    w.ticket("cy", at(19, 10), severity="urgent", topic="damage", reply_h=1, fix_h=24,
             acknowledged=at(19, 12), resolved=at(20, 16), reopened=1)             # late, reopened
    w.ticket("ann", at(20, 10), severity="suggestion", topic="suggestion", reply_h=24,
             fix_h=None)                                                           # never answered
    w.ticket("ann", at(21, 10), acknowledged=at(21, 11))                           # fix not due yet
    # -- points --------------------------------------------------------------------------------
    w.points("ann", at(17, 15), 100, "spend")
    w.points("bo", at(18, 18), 50, "survey")
    w.points("ann", at(19, 12), -60, "redeem")
    w.points("cy", at(20, 12), -10, "expire")
    w.roll(NOW)
    return w


def test_satisfaction_scores(db: Database, week: World) -> None:
    t = tiles(build(db))
    assert t["csat"]["value"] == pytest.approx(11 / 3) and t["csat"]["n"] == 3
    assert t["csat"]["previous"] == 4.0
    assert t["csat"]["change"] == pytest.approx(11 / 3 - 4)
    assert t["csat"]["change_pct"] == pytest.approx((11 / 3 - 4) / 4 * 100)
    assert t["csat"]["better"] is False and t["csat"]["status"] == "red"  # targets 4.5 / 4.2
    assert t["csat_satisfied_pct"]["value"] == pytest.approx(200 / 3)
    assert t["nps"]["value"] == pytest.approx(0.0)           # 1 promoter, 1 detractor of 3
    assert t["nps"]["previous"] == pytest.approx(100.0)
    assert t["ces"]["value"] == pytest.approx(5.0) and t["ces"]["status"] == "amber"


def test_complaints_resolution_and_sla(db: Database, week: World) -> None:
    data = build(db)
    t = tiles(data)
    assert t["complaint_rate_pct"]["value"] == pytest.approx(3 / 5 * 100)  # 3 complaints, 5 contacts
    assert t["one_pass_pct"]["value"] == pytest.approx(50.0)   # of the 2 resolved, 1 reopened
    assert t["sla_pct"]["value"] == pytest.approx(100 / 3)     # met 1; missed 2; 1 undecided
    assert t["resolution_hours"]["value"] == pytest.approx((24 + 30) / 2)
    split = data["complaints"]
    assert {r["channel"]: (r["complaints"], r["contacts"]) for r in split["by_channel"]} == {
        "web": (1, 2), "wechat": (1, 2), "telegram": (1, 1)}
    assert split["by_class"] == [{"severity": "experience", "count": 2, "rate_pct": 40.0},
                                 {"severity": "urgent", "count": 1, "rate_pct": 20.0}]
    assert split["by_topic"] == [{"topic": "lateness", "count": 2, "rate_pct": 40.0},
                                 {"topic": "damage", "count": 1, "rate_pct": 20.0}]


def test_bot_performance(db: Database, week: World) -> None:
    t = tiles(build(db))
    assert t["containment_pct"]["value"] == pytest.approx(80.0)   # only bo's 17th had a person
    assert t["containment_pct"]["previous"] == pytest.approx(100.0)
    assert t["handoff_pct"]["value"] == pytest.approx(40.0) and t["handoff_pct"]["status"] == "red"
    assert t["first_response_s"]["value"] == 0.0 and t["first_response_s"]["n"] == 5
    assert t["agent_first_response_s"]["value"] == pytest.approx(300.0)
    # decided: 16th, 17th (repeat), 18th, 19th; the 21st is too recent
    assert t["fcr_pct"]["value"] == pytest.approx(75.0) and t["fcr_pct"]["n"] == 4


def test_customer_figures(db: Database, week: World) -> None:
    t = tiles(build(db))
    assert t["repurchase_pct"]["value"] == pytest.approx(200 / 3)  # ann (bought in October), cy (twice)
    assert t["churn_risk_pct"]["value"] == pytest.approx(50.0)     # du lapsed, bo unhappy; of 4
    assert t["redemption_pct"]["value"] == pytest.approx(40.0)     # 60 of 150 earned


def test_filters_narrow_every_source(db: Database, week: World) -> None:
    t = tiles(build(db, Dims(region="海淀区")))
    assert t["containment_pct"]["value"] == pytest.approx(200 / 3)
    assert t["csat"]["value"] == pytest.approx(3.0)
    assert t["complaint_rate_pct"]["value"] == pytest.approx(200 / 3)
    assert t["churn_risk_pct"]["value"] == pytest.approx(50.0)     # bo of bo and cy
    web = tiles(build(db, Dims(channel="web")))
    assert web["csat"]["value"] == 5.0 and web["containment_pct"]["value"] == 100.0
    assert web["redemption_pct"]["available"] is False and web["redemption_pct"]["value"] is None
    cleaning = tiles(build(db, Dims(service="cleaning")))
    assert cleaning["csat"]["value"] == 5.0 and cleaning["csat"]["n"] == 1
    unknown_service = tiles(build(db, Dims(service="")))
    assert unknown_service["csat"]["n"] == 2                       # the answers without a booking


def test_unknown_filter_values_are_refused_with_the_known_ones(db: Database, week: World) -> None:
    with db.read() as s:
        known = kpi_customers.dimension_values(s)
    assert known["region"] == ["东城区", "朝阳区", "海淀区"]
    assert known["channel"] == ["telegram", "web", "wechat"]
    with pytest.raises(InputError, match="unknown region 'Atlantis'; known values: 东城区"):
        dims_from({"region": "Atlantis"}, known)
    assert dims_from({"tier": "gold", "service": "-"}, known) == Dims(tier="gold", service="")


def test_trends_are_weekly_and_end_with_the_period(db: Database, week: World) -> None:
    data = build(db)
    weeks = data["trends"]["weeks"]
    assert len(weeks) == 12 and weeks[-1] == {"first": "2026-11-16", "last": "2026-11-22", "days": 7}
    series = data["trends"]["series"]
    assert series["contacts"][-2:] == [1.0, 5.0]
    assert series["csat"][-1] == pytest.approx(11 / 3) and series["csat"][0] is None
    assert "churn_risk_pct" not in series


def test_a_region_service_cell_that_drops_is_flagged(db: Database) -> None:
    w = World(db)
    w.customer("h", region="海淀区")
    w.customer("c", region="朝阳区")
    for who, before, now in (("h", (5, 5, 5), (4, 4, 4)), ("c", (5, 5), (3, 3))):
        for day, csat in zip((10, 11, 12), before, strict=False):
            w.survey(who, at(day, 12), csat=csat,
                     booking=w.booking(who, service="moving", completed=at(day, 9)))
        for day, csat in zip((17, 18, 19), now, strict=False):
            w.survey(who, at(day, 12), csat=csat,
                     booking=w.booking(who, service="moving", completed=at(day, 9)))
    cells = {(c["region"], c["service"]): c for c in build(db)["matrix"]["cells"]}
    hd, cy = cells[("海淀区", "moving")], cells[("朝阳区", "moving")]
    assert hd["change_pct"] == pytest.approx(-20.0) and hd["alert"] is True
    assert cy["change_pct"] == pytest.approx(-40.0) and cy["alert"] is False  # 2 answers: too few

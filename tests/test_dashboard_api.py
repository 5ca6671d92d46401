"""The dashboard API as a supervisor uses it: real conversations through the chat API and the
console, the numbers they make, the conversations behind a number, targets edited in the
script editor, and bad input answered with a clear 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import kpi_rollup

from .conftest import TZ
from .console_support import Console, make_console
from .kpi_support import World

S, D = "sue", "ada"


@pytest.fixture
def console(db_url: str, nlu: Any, tmp_path: Path) -> Iterator[Console]:
    yield from make_console(db_url, nlu, tmp_path)


def chat(console: Console, user: str, text: str, n: int) -> dict[str, Any]:
    r = console.client.post("/api/chat", json={"user": user, "text": text, "message_id": f"{user}-{n}"})
    assert r.status_code == 200, r.text
    return dict(r.json())


def roll(console: Console) -> None:
    kpi_rollup.run(console.db, tz=TZ, now=console.clock.now)


def test_a_handoff_shows_in_the_numbers_and_leads_to_its_conversation(console: Console) -> None:
    chat(console, "amy", "你好", 1)
    chat(console, "amy", "搬家多少钱", 2)
    asked = chat(console, "bea", "转人工", 1)
    assert asked["handoff"] is True
    sup, headers = console.as_user(S)
    conv = asked["conversation_id"]
    console.clock.advance(seconds=90)
    assert sup.post(f"/api/console/conversations/{conv}/claim", headers=headers).status_code == 200
    console.clock.advance(seconds=30)
    r = sup.post(f"/api/console/conversations/{conv}/reply", headers=headers,
                 json={"text": "您好，我来帮您"})
    assert r.status_code == 200, r.text
    roll(console)
    data = sup.get("/api/console/dashboard").json()
    t = {x["key"]: x for x in data["tiles"]}
    # the two seeded web conversations of console_support count too: 4 contacts in all
    assert t["handoff_pct"]["n"] == t["containment_pct"]["n"] >= 2
    assert t["handoff_pct"]["value"] > 0 and t["agent_first_response_s"]["value"] == 120.0
    assert t["handoff_pct"]["drill"] == "handoff"
    rows = sup.get("/api/console/dashboard/drill?kind=handoff").json()["rows"]
    assert [r["conversation_id"] for r in rows] == [conv]
    assert rows[0]["detail"]["person"] is True and rows[0]["channel"] == "web"
    opened = sup.get(f"/api/console/conversations/{conv}")  # the drill-down's link target
    assert opened.status_code == 200
    assert data["rollup"]["pending_events"] == 0 and data["demo"] is False
    assert data["period"]["current"]["last"] == console.clock.now.astimezone(TZ).date().isoformat()


def test_voice_of_the_customer_and_survey_drill_down(console: Console) -> None:
    w = World(console.db)
    now = console.clock.now
    for i, (csat, comment) in enumerate([(1, "师傅迟到了两个小时，态度也很差"), (2, "迟到一个小时"),
                                         (2, "The movers arrived late"), (1, "Arrived late again!"),
                                         (5, "师傅很专业，准时到达"), (4, "Great crew, arrived on time"),
                                         (5, "准时到达，很满意")]):
        w.customer(f"s{i}", channel="wechat", region="海淀区")
        w.survey(f"s{i}", now - timedelta(days=1, minutes=i), csat=csat, comment=comment)
    sup, _ = console.as_user(S)
    said = sup.get("/api/console/dashboard/voc").json()
    pain = {p["phrase"]: p for p in said["negative"]["phrases"]}
    assert said["negative"]["texts"] == 4 and said["positive"]["texts"] == 3
    assert pain["迟到"]["count"] == 2 and len(pain["迟到"]["quotes"]) == 2
    assert pain["arrived late"]["count"] == 2
    assert "准时到达" in {p["phrase"] for p in said["positive"]["phrases"]}
    found = sup.get("/api/console/dashboard/drill?kind=surveys&region=海淀区")
    assert found.status_code == 200, found.text
    worst = found.json()["rows"]
    assert [r["detail"]["csat"] for r in worst] == [1, 1, 2, 2, 4, 5, 5]
    assert worst[0]["detail"]["comment"] == "师傅迟到了两个小时，态度也很差"


def test_targets_are_edited_in_the_script_editor(console: Console) -> None:
    admin, headers = console.as_user(D)
    current = admin.get("/api/console/scripts/dashboard.yml").json()["content"]
    tighter = current.replace("containment_pct: {green: 80, amber: 65}",
                              "containment_pct: {green: 95, amber: 90}")
    assert tighter != current
    saved = admin.put("/api/console/scripts/dashboard.yml", headers=headers,
                      json={"content": tighter, "comment": "stricter containment"})
    assert saved.status_code == 200, saved.text
    t = {x["key"]: x for x in admin.get("/api/console/dashboard").json()["tiles"]}
    assert t["containment_pct"]["target"] == {"green": 95.0, "amber": 90.0}
    backwards = current.replace("handoff_pct: {green: 15, amber: 25}",
                                "handoff_pct: {green: 30, amber: 25}")
    refused = admin.put("/api/console/scripts/dashboard.yml", headers=headers,
                        json={"content": backwards, "comment": "oops"})
    assert refused.status_code == 422
    assert "dashboard.yml:" in refused.json()["message"]
    assert "green 30 is above amber 25" in refused.json()["message"]


def test_a_region_that_just_appeared_is_accepted_at_once(console: Console) -> None:
    sup, _ = console.as_user(S)
    assert sup.get("/api/console/dashboard").status_code == 200  # filter choices remembered
    World(console.db).customer("new", channel="web", region="大兴区")
    r = sup.get("/api/console/dashboard?region=大兴区")
    assert r.status_code == 200, r.text
    assert "大兴区" in r.json()["options"]["region"]


@pytest.mark.parametrize(("query", "message"), [
    ("?period=1y", "period must be one of 7d, 30d, 90d, not '1y'"),
    ("?end=2026-02-30", "end must be a date like 2026-11-30, not '2026-02-30'"),
    ("?end=2030-01-01", "end 2030-01-01 is in the future"),
    ("?channel=fax", "unknown channel 'fax'; known values: web"),
    ("/drill?kind=nothing", "unknown drill-down 'nothing'; one of: surveys"),
    ("/voc?tier=platinum", "unknown tier 'platinum'"),
])
def test_bad_input_is_a_422_that_says_what_is_allowed(console: Console, query: str,
                                                      message: str) -> None:
    sup, _ = console.as_user(S)
    r = sup.get(f"/api/console/dashboard{query}")
    assert r.status_code == 422
    assert message in r.json()["message"]

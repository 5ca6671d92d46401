"""The quote_price action: slots in, tier from the customers table, slots and event out;
answers it cannot price become a reply instead of an error. Plus the script check that the
quote flow offers nothing without a price."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from flows.actions import ActionContext, registry
from flows.actions.quote import request_from_slots, service_time
from flows.business.pricing import QuoteRequest
from flows.loader import load_bundle
from flows.model import Bundle
from flows.yamlio import load_yaml, plain
from storage.db import Database
from storage.models import Customer

from .conftest import NOW, SHIPPED_FLOWS, TZ

PRICING = plain(load_yaml(SHIPPED_FLOWS / "pricing.yml"))["pricing"]
BUNDLE = Bundle(flows={}, messages={}, sections={"pricing": PRICING}, faq=(), settings={})
MOVE = {"service_type": "moving", "rooms": 2, "date": "2026-12-02", "floor": 6, "elevator": False,
        "distance": "大概15", "large_items": [{"item": "piano", "count": 1}]}


def ctx(slots: dict[str, Any], *, lang: str = "zh", session: Any = None,
        customer_id: int | None = None) -> ActionContext:
    return ActionContext(bundle=BUNDLE, slots=slots, lang=lang, text="", now=NOW, tz=TZ,
                         customer_id=customer_id, conversation_id=None, channel="web",
                         session=session, args={}, display=lambda name: str(slots.get(name)))


def quote_price(c: ActionContext) -> Any:
    return registry()["quote_price"].func(c)


def test_slots_become_a_request() -> None:
    assert request_from_slots(MOVE) == QuoteRequest(
        "moving", rooms=2, floor_from=6, elevator_from=False, distance_km=15.0,
        items=(("piano", 1),))
    assert request_from_slots({"service_type": "moving", "distance": "不知道"}).distance_km is None
    assert request_from_slots({"service_type": "moving", "distance": "25.0"}).distance_km == 25
    assert request_from_slots({"service_type": "moving", "large_items": []}).items == ()
    assert service_time({"date": "2026-12-05", "time": "19:00"}) == datetime(2026, 12, 5, 19)
    assert service_time({}) is None


def test_offline_quote_sets_the_slots_and_the_event() -> None:
    result = quote_price(ctx(MOVE))
    # 900 + 250 stairs + 40 distance ((15 − 10) × 8) + 600 piano = 1790, a Wednesday
    s = result.slots
    assert s["quote_total"] == 1790 and s["quote_currency"] == "CNY" and s["quote_ok"] is True
    assert s["quote_valid_until"] == "2026-12-07"  # 14 days from 2026-11-23
    assert s["quote_id"].startswith("Q261123") and len(s["quote_id"]) == 13
    assert "合计: ¥1,790" in s["quote_text"] and s["quote_id"] in s["quote_text"]
    ((kind, data),) = result.events
    assert kind == "quote_created"
    assert {k: data[k] for k in ("quote_id", "service", "total", "currency")} == {
        "quote_id": s["quote_id"], "service": "moving", "total": 1790, "currency": "CNY"}
    assert [(x["key"], x["amount"]) for x in data["lines"]] == [
        ("base_rooms", 900), ("stairs", 250), ("distance", 40), ("item", 600)]
    assert data["inputs"] == {"rooms": 2, "floor": 6, "elevator": False, "distance_km": 15.0,
                              "items": [{"item": "piano", "count": 1}]}


def test_the_customer_tier_gives_its_discount(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        with db.transaction() as conn:
            gold = conn.execute(insert(Customer).values(tier="gold").returning(Customer.id)).scalar_one()
            plain_ = conn.execute(insert(Customer).values().returning(Customer.id)).scalar_one()
            result = quote_price(ctx(MOVE, lang="en", session=conn, customer_id=gold))
            standard = quote_price(ctx(MOVE, session=conn, customer_id=plain_))
    finally:
        db.dispose()
    # 1790 − 10% gold = 1611
    assert result.slots["quote_total"] == 1611
    assert "• Gold member discount −10%: −¥179" in result.slots["quote_text"]
    assert result.events[0][1]["tier"] == "gold"
    assert standard.slots["quote_total"] == 1790  # "standard" is basic: no discount


def test_answers_that_cannot_be_priced_are_asked_again() -> None:
    result = quote_price(ctx({**MOVE, "rooms": -3}))
    assert result.slots == {"quote_ok": False}
    assert [r.text for r in result.replies] == ["房间数（几室）不能是 -3，请告诉我正确的数字。"]
    assert result.events == [("quote_refused", {"field": "rooms", "reason": "not_positive"})]
    english = quote_price(ctx({"service_type": "cleaning", "rooms": 2}, lang="en"))
    assert [r.text for r in english.replies] == [
        "To price this I still need the cleaning type (routine or deep)."]


def copy_scripts(tmp_path: Path) -> Path:
    directory = tmp_path / "scripts"
    directory.mkdir()
    for name in ("core.yml", "faq.yml", "pricing.yml", "quote.yml"):
        (directory / name).write_text((SHIPPED_FLOWS / name).read_text(encoding="utf-8"),
                                      encoding="utf-8")
    (directory / "booking.yml").write_text(
        "version: 1\nflows:\n  booking:\n    steps:\n      - say: {zh: 好, en: OK}\n", encoding="utf-8")
    return directory


def test_the_shipped_quote_flow_and_prices_check_out(tmp_path: Path) -> None:
    result = load_bundle(copy_scripts(tmp_path))
    assert result.errors == [] and result.warnings == []


def test_a_plan_offered_without_a_price(tmp_path: Path) -> None:
    directory = copy_scripts(tmp_path)
    pricing = directory / "pricing.yml"
    text = pricing.read_text(encoding="utf-8")
    pricing.write_text(text.replace("        quarterly: {name: {zh: 包季, en: Quarterly}, discount_pct: 15}\n",
                                    ""), encoding="utf-8")
    result = load_bundle(directory)
    (err,) = result.errors
    quote = (directory / "quote.yml").read_text(encoding="utf-8")
    line = quote[: quote.index("      - id: ask_plan")].count("\n") + 1
    assert str(err).startswith(
        f"{directory}/quote.yml:{line}: plan 'quarterly' offered by flow 'quote' has no price for "
        f"service 'cleaning' — add `quarterly:` under pricing.services.cleaning.plans "
        f"({directory}/pricing.yml:")

"""A ticket's life: every status change is logged and told to the customer once, in their
language; wrong moves are refused with the reason; the customer rates the resolution."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

import pytest

from bot.cli_tickets import register
from flows.business import complaints
from flows.business.complaints import TicketError
from storage import tickets as store
from storage.tickets import TicketRow

from .test_survey_world import World, world_fixture  # noqa: F401  (fixture)


def complain_urgent(w: World) -> str:
    w.say("师傅迟到了三个小时还把我的柜子磕坏了")
    w.say("跳过")
    w.say("赔偿")  # urgent: queued for a person ...
    w.say("算了")  # ... who is not needed here (a queued customer gets no proactive flows)
    [opened] = w.events("ticket_opened")
    return str(opened["ticket_id"])


def change(w: World, ticket_id: str, to: str, **kw: Any) -> TicketRow:
    config = w.services.scripts.bundle.section("complaints")
    with w.db.session() as s:
        return complaints.change_status(s, ticket_id, to, kw.pop("actor", "agent:li"),
                                        now=w.now, config=config, **kw)


def ticket(w: World, ticket_id: str) -> TicketRow:
    with w.db.read() as s:
        found = store.get_ticket(s, ticket_id)
    assert found is not None
    return found


def test_intake_stores_the_ticket_with_deadlines_and_asks_for_a_person(world: World) -> None:
    ticket_id = complain_urgent(world)
    t = ticket(world, ticket_id)
    assert (t.ticket_class, t.topic, t.status, t.source, t.wished_resolution) == (
        "urgent", "damage", "open", "chat", "compensation")
    assert t.reply_due_at - t.created_at == timedelta(hours=1)
    assert t.fix_due_at is not None and t.fix_due_at - t.created_at == timedelta(hours=24)
    assert t.description == "师傅迟到了三个小时还把我的柜子磕坏了"
    assert world.events("handoff_requested")[0]["reason"] == "urgent_complaint"


def test_each_status_change_is_told_once_and_the_resolution_is_rated(world: World) -> None:
    ticket_id = complain_urgent(world)
    change(world, ticket_id, "acknowledged")
    change(world, ticket_id, "in_progress", note="called the crew")
    change(world, ticket_id, "resolved", outcome="已赔偿 300 元，师傅已道歉。")
    world.dispatch(world.now)  # status messages out, rating flow started
    world.dispatch(world.now)  # the rating question out
    world.dispatch(world.now)  # nothing left
    told = [t for t in world.web.texts if ticket_id in t]
    assert told == [
        f"您的工单 {ticket_id} 已受理，专人正在跟进，有进展会第一时间告诉您。",
        f"您的工单 {ticket_id} 正在处理中。",
        f"您的工单 {ticket_id} 已处理完毕：已赔偿 300 元，师傅已道歉。",
        f"您对工单 {ticket_id} 的处理结果满意吗？请打个分（1 分最低，5 分最高）。"]
    assert world.web.sent[-1].buttons == ("非常不满意", "不满意", "一般", "满意", "非常满意")

    assert world.replies("5") == ["感谢您的评价！祝您生活愉快。"]
    assert ticket(world, ticket_id).resolution_rating == 5
    assert world.events("ticket_rated") == [{"ticket_id": ticket_id, "rating": 5}]

    change(world, ticket_id, "closed")
    world.dispatch(world.now)
    assert world.web.texts[-1] == f"您的工单 {ticket_id} 已关闭。感谢您的耐心，如有问题随时联系我们。"
    changes = [e["to"] for e in world.events("ticket_status_changed")]
    assert changes == ["acknowledged", "in_progress", "resolved", "closed"]
    with world.db.read() as s:
        history = store.changes_of(s, ticket(world, ticket_id).id)
    assert [(c.from_status, c.to_status) for c in history] == [
        (None, "open"), ("open", "acknowledged"), ("acknowledged", "in_progress"),
        ("in_progress", "resolved"), ("resolved", "closed")]
    assert history[2].note == "called the crew" and history[1].actor == "agent:li"


def test_an_english_customer_is_told_in_english(world: World) -> None:
    world.say("The cleaner was rude to me")
    world.say("skip")
    world.say("An apology")
    [opened] = world.events("ticket_opened")
    change(world, opened["ticket_id"], "acknowledged")
    world.dispatch(world.now)
    assert world.web.texts[-1] == (f"Your ticket {opened['ticket_id']} has been received and "
                                   "someone is on it; we'll update you as soon as there is news.")


def test_wrong_moves_are_refused_with_the_reason(world: World) -> None:
    ticket_id = complain_urgent(world)
    with pytest.raises(TicketError, match=f"ticket {ticket_id} is open; it can go to "
                                          "acknowledged, not resolved"):
        change(world, ticket_id, "resolved", outcome="done")
    change(world, ticket_id, "acknowledged")
    change(world, ticket_id, "in_progress")
    with pytest.raises(TicketError, match="needs the outcome the customer will be told"):
        change(world, ticket_id, "resolved")
    with pytest.raises(TicketError, match="unknown status 'fixed'"):
        change(world, ticket_id, "fixed")
    with pytest.raises(TicketError, match="no ticket 'T0000000000'"):
        change(world, "T0000000000", "closed")
    config = world.services.scripts.bundle.section("complaints")
    with world.db.session() as s, pytest.raises(TicketError, match="only resolved or closed"):
        complaints.reopen(s, ticket_id, "agent:li", now=world.now, config=config)
    assert ticket(world, ticket_id).status == "in_progress"


def test_reopen_a_closed_ticket(world: World) -> None:
    ticket_id = complain_urgent(world)
    for to, extra in (("acknowledged", {}), ("in_progress", {}),
                      ("resolved", {"outcome": "已修好"}), ("closed", {})):
        change(world, ticket_id, to, **extra)
    config = world.services.scripts.bundle.section("complaints")
    with world.db.session() as s:
        t = complaints.reopen(s, ticket_id, "agent:wang", "customer says it broke again",
                              now=world.now, config=config)
    assert (t.status, t.reopened, t.resolved_at, t.closed_at) == ("in_progress", 1, None, None)
    world.dispatch(world.now)
    assert f"您的工单 {ticket_id} 已重新打开，我们会继续跟进。" in world.web.texts
    assert world.events("ticket_status_changed")[-1]["reopened"] is True


def test_overdue_tickets_are_listed_for_the_sla_scheduler(world: World) -> None:
    opened_at = world.now
    ticket_id = complain_urgent(world)
    with world.db.read() as s:
        assert complaints.due_breaches(s, opened_at + timedelta(minutes=59)) == []
        [late] = complaints.due_breaches(s, opened_at + timedelta(hours=2))
    assert (late.ticket.public_id, late.kind) == (ticket_id, "reply")
    change(world, ticket_id, "acknowledged")
    with world.db.read() as s:
        assert complaints.due_breaches(s, opened_at + timedelta(hours=2)) == []
        [late_fix] = complaints.due_breaches(s, opened_at + timedelta(hours=25))
    assert late_fix.kind == "fix" and late_fix.overdue > timedelta(0)


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="careline")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_lists_shows_and_moves_tickets(world: World, db_url: str,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CARELINE_DATABASE_URL", db_url)
    ticket_id = complain_urgent(world)
    assert run_cli(["tickets", "list", "--status", "open"]) == 0
    out = capsys.readouterr().out
    assert ticket_id in out and "urgent" in out and "1 ticket(s)" in out
    assert run_cli(["tickets", "status", ticket_id, "--to", "resolved", "--outcome", "x"]) == 1
    assert f"ticket {ticket_id} is open; it can go to acknowledged" in capsys.readouterr().err
    assert run_cli(["tickets", "status", ticket_id, "--to", "acknowledged", "--actor", "li"]) == 0
    assert run_cli(["tickets", "show", ticket_id]) == 0
    out = capsys.readouterr().out
    assert "open → acknowledged  by agent:li" in out and "description: 师傅迟到了" in out
    assert run_cli(["tickets", "reopen", ticket_id]) == 1
    assert run_cli(["tickets", "show", "T404"]) == 1

"""``careline bookings``: ops list, show, move along, complete and cancel bookings."""

from __future__ import annotations

import argparse
import json
from datetime import date

import pytest
from sqlalchemy import select

from bot.cli_bookings import register
from flows.business import booking as biz
from storage import bookings as repo
from storage import repo as core
from storage.bookings import NewBooking
from storage.db import Database
from storage.models import OutboxMessage

from .conftest import NOW


def careline(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="careline")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


@pytest.fixture
def booked(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CARELINE_DATABASE_URL", sqlite_url)
    db = Database(sqlite_url)
    with db.transaction() as conn:
        conv = core.conversation_for(conn, "web", "ann", lang="zh")
        made = repo.create_booking(conn, NewBooking(
            conv.customer_id, "cleaning", date(2026, 12, 5), "morning", address="建国路88号",
            details={"slot_label": {"zh": "上午", "en": "Morning"}}), capacity=3, now=NOW)
    db.dispose()
    assert made is not None
    return made.public_id


def test_list_show_status_complete(booked: str, sqlite_url: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert careline("bookings", "list", "--day", "2026-12-05") == 0
    out = capsys.readouterr().out
    assert f"{booked}  2026-12-05 morning    cleaning  confirmed   customer 1  建国路88号" in out
    assert out.endswith("1 booking\n")
    assert careline("bookings", "show", booked.lower()) == 0
    assert json.loads(capsys.readouterr().out)["address"] == "建国路88号"
    assert careline("bookings", "status", booked, "--status", "on_the_way", "--eta", "14:30",
                    "--note", "堵车") == 0
    assert "on_the_way  customer 1 eta 14:30" in capsys.readouterr().out
    completed: list[str] = []
    biz.ON_COMPLETED.append(lambda conn, row, now: completed.append(row.public_id))
    try:
        assert careline("bookings", "complete", booked) == 0
    finally:
        biz.ON_COMPLETED.pop()
    assert completed == [booked]
    assert careline("bookings", "complete", booked) == 1
    assert f"careline: booking {booked} is completed" in capsys.readouterr().err
    db = Database(sqlite_url)
    with db.read() as s:
        texts = [p["text"] for p in s.execute(select(OutboxMessage.payload).where(
            OutboxMessage.kind == "booking")).scalars()]
    db.dispose()
    assert texts == [f"您的预约 {booked}（12月5日（周六）上午）：师傅已出发，预计 14:30 到达。"]


def test_cancel_tells_the_customer(booked: str, sqlite_url: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert careline("bookings", "cancel", booked, "--reason", "客户来电取消") == 0
    assert "cancelled" in capsys.readouterr().out
    assert careline("bookings", "cancel", "B0000000000") == 1
    assert "careline: no booking B0000000000" in capsys.readouterr().err
    db = Database(sqlite_url)
    with db.read() as s:
        texts = [p["text"] for p in s.execute(select(OutboxMessage.payload).where(
            OutboxMessage.kind == "booking")).scalars()]
    db.dispose()
    assert texts == [f"您的预约 {booked}（12月5日（周六）上午）已取消。如有疑问请直接回复。"]

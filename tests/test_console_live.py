"""The console at work: the queue, acting on conversations through bot/handoff.py, tickets
with SLA colours, and the live event stream on a real server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot import handoff
from flows.business import complaints
from storage.models import Conversation, ConversationEvent, OutboxMessage
from storage.models_console import AuditEntry

from .browser_support import LiveServer
from .conftest import NOW
from .console_support import PASSWORDS, Console, make_console, seed_conversation

API = "/api/console"


@pytest.fixture
def console(db_url: str, nlu: Any, tmp_path: Path) -> Iterator[Console]:
    yield from make_console(db_url, nlu, tmp_path)


def conv_id(console: Console, public_id: str) -> int:
    with console.db.read() as s:
        return int(s.execute(select(Conversation.id).where(Conversation.public_id == public_id)).scalar_one())


def test_the_queue_is_ordered_and_shaped_for_each_role(console: Console) -> None:
    urgent = seed_conversation(console.db, "u1", status="queued", priority=30, angry=True,
                               queued_at=NOW - timedelta(seconds=30), text="气死我了，马上给我处理！")
    older = seed_conversation(console.db, "o1", status="queued", queued_at=NOW - timedelta(minutes=9))
    c = console.convs
    sue, _ = console.as_user("sue")
    body = sue.get(f"{API}/queue").json()
    order = [i["conversation_id"] for i in body["items"]]
    assert order == [urgent, c["vip_bob"], older, c["waiting"], c["bob"], c["ann"]]
    assert body["counts"] == {"queued": 4, "agent": 2} and body["server_ms"] >= 0
    first = body["items"][0]
    assert first == {**first, "customer_name": "u1", "channel": "web", "status": "queued",
                     "priority": 30, "angry": True, "sentiment": -0.8, "tier": "standard",
                     "assigned_agent": None, "waiting_seconds": 30, "reason": "angry",
                     "last_text": "气死我了，马上给我处理！"}
    assert set(first) >= {"conversation_id", "customer_id", "lang", "queued_at"}
    ann, _ = console.as_user("ann")
    mine = [i["conversation_id"] for i in ann.get(f"{API}/queue").json()["items"]]
    assert mine == [urgent, older, c["waiting"], c["ann"]]  # not bob's, nor the VIP routed to bob
    bob, _ = console.as_user("bob")
    assert [i["conversation_id"] for i in bob.get(f"{API}/queue").json()["items"]] == [
        urgent, c["vip_bob"], older, c["waiting"], c["bob"]]
    listed = ann.get(f"{API}/conversations?mine=true").json()["items"]
    assert [i["conversation_id"] for i in listed] == [c["ann"]]


def test_claim_reply_transfer_release_through_the_handoff_machine(console: Console) -> None:
    c = console.convs
    ann, ha = console.as_user("ann")
    bob, hb = console.as_user("bob")
    url = f"{API}/conversations/{c['waiting']}"
    assert ann.post(f"{url}/reply", headers=ha, json={"text": "hi"}).status_code == 409
    r = ann.post(f"{url}/claim", headers=ha)
    assert r.status_code == 200 and r.json()["assigned_agent"] == "ann"
    r = bob.post(f"{url}/claim", headers=hb)
    assert r.status_code == 403  # claimed by ann now: bob cannot even see it
    r = ann.post(f"{url}/reply", headers=ha, json={"text": "您好，我是客服小安 <b>"})
    assert r.status_code == 200 and r.json()["queued"] is True and r.json()["window_open"] is True
    detail = ann.get(url).json()
    assert detail["conversation"]["status"] == "agent"
    assert detail["conversation"]["window"] == {"channel": "web", "window_open": True,
                                                "window_expires_at": None}
    out = [e for e in detail["events"] if e["type"] == "message_out" and e["actor"] == "agent"]
    assert out[-1]["data"]["text"] == "您好，我是客服小安 <b>"
    assert detail["customer"]["tier"] == "basic" and detail["customer"]["identities"][0]["channel"] == "web"
    assert ann.post(f"{url}/note", headers=ha, json={"text": "客户很着急"}).status_code == 200
    assert [n["text"] for n in ann.get(url).json()["notes"]] == ["客户很着急"]
    r = ann.post(f"{url}/transfer", headers=ha, json={"to": "bob"})
    assert r.status_code == 200
    assert ann.get(url).status_code == 403 and bob.get(url).status_code == 200
    r = bob.post(f"{url}/release", headers=hb, json={"survey": False})
    assert r.status_code == 200
    with console.db.read() as s:
        status = s.execute(select(Conversation.status).where(
            Conversation.public_id == c["waiting"])).scalar()
        texts = [p["text"] for p in s.execute(select(OutboxMessage.payload).where(
            OutboxMessage.conversation_id == conv_id(console, c["waiting"]))).scalars()]
        types = list(s.execute(select(ConversationEvent.type).where(
            ConversationEvent.conversation_id == conv_id(console, c["waiting"]))
            .order_by(ConversationEvent.id)).scalars())
    assert status == "bot"
    assert "您好，我是客服小安 <b>" in texts
    assert [t for t in types if t.startswith("handoff_") or t == "agent_note"] == [
        "handoff_claimed", "agent_note", "handoff_transferred", "handoff_released"]


def test_a_supervisor_takes_over_and_it_is_audited(console: Console) -> None:
    c = console.convs
    sue, hs = console.as_user("sue")
    assert sue.post(f"{API}/conversations/{c['bob']}/claim", headers=hs).status_code == 200
    assert sue.post(f"{API}/conversations/{c['vip_bob']}/claim", headers=hs).status_code == 200
    r = sue.post(f"{API}/conversations/{c['ann']}/transfer", headers=hs, json={"to": "bob"})
    assert r.status_code == 200
    assert sue.post(f"{API}/conversations/{c['bob']}/close", headers=hs).status_code == 200
    with console.db.read() as s:
        rows = s.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.target,
                                AuditEntry.details).order_by(AuditEntry.id)).all()
        agents = dict(s.execute(select(Conversation.public_id, Conversation.assigned_agent)).all())
    assert [tuple(r) for r in rows] == [
        ("sue", "conversation.reassign", c["bob"], {"from": "bob", "to": "sue"}),
        ("sue", "conversation.reassign", c["vip_bob"], {"from": "bob", "to": "sue"}),
        ("sue", "conversation.reassign", c["ann"], {"from": "ann", "to": "bob"}),
    ]
    assert agents[c["vip_bob"]] == "sue" and agents[c["ann"]] == "bob" and agents[c["bob"]] is None


def test_tickets_carry_sla_colours_and_move_through_the_console(console: Console) -> None:
    config = console.services.scripts.bundle.section("complaints")
    classes = config["classes"]
    cls = next(k for k, v in classes.items() if v.get("fix_hours"))
    reply_hours = float(classes[cls]["reply_hours"])
    with console.db.transaction() as conn:
        customer = conn.execute(select(Conversation.customer_id).where(
            Conversation.public_id == console.convs["ann"])).scalar_one()
        made = [complaints.open_ticket(conn, customer_id=customer, description=f"问题 {i}",
                                       ticket_class=cls, topic="other", config=config,
                                       now=NOW - timedelta(hours=reply_hours * share),
                                       conversation_id=conv_id(console, console.convs["ann"]))
                for i, share in enumerate((0.1, 0.9, 1.5))]
    sue, hs = console.as_user("sue")
    items = {t["ticket_id"]: t for t in sue.get(f"{API}/tickets").json()["items"]}
    assert [items[t.public_id]["sla"] for t in made] == ["green", "amber", "red"]
    assert items[made[2].public_id]["seconds_left"] < 0
    assert items[made[0].public_id]["conversation_id"] == console.convs["ann"]
    first = sue.get(f"{API}/tickets").json()["items"][0]
    assert first["ticket_id"] == made[2].public_id  # the most overdue first
    tid = made[0].public_id
    r = sue.post(f"{API}/tickets/{tid}/status", headers=hs, json={"to": "resolved"})
    assert r.status_code == 409 and "acknowledged" in r.json()["message"]
    r = sue.post(f"{API}/tickets/{tid}/status", headers=hs, json={"to": "acknowledged", "note": "ok"})
    assert r.status_code == 200 and r.json()["ticket"]["status"] == "acknowledged"
    assert r.json()["ticket"]["sla_kind"] == "fix"
    ann, _ = console.as_user("ann")
    assert ann.get(f"{API}/tickets").status_code == 403
    own = ann.get(f"{API}/conversations/{console.convs['ann']}").json()["tickets"]
    assert {t["ticket_id"] for t in own} == {t.public_id for t in made}


# -- the live stream on a real server ---------------------------------------------------------


@pytest.fixture
def live(console: Console) -> Iterator[str]:
    server = LiveServer(console.client.app)
    yield server.url
    assert server.stop(), "the server did not stop"


def test_an_open_stream_does_not_hold_the_server_at_shutdown(console: Console) -> None:
    server = LiveServer(console.client.app)
    ann = _client(server.url, "ann")
    with ann.stream("GET", f"{API}/stream") as r:
        assert r.status_code == 200
        Reader(r)
        time.sleep(0.2)  # the stream is open and idle
        started = time.monotonic()
        assert server.stop(timeout=5), "an open event stream kept the server running"
        assert time.monotonic() - started < 3
    ann.close()


class Reader:
    """Reads SSE messages from a stream in a thread, timestamped on arrival."""

    def __init__(self, response: httpx.Response) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.ids: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(response,), daemon=True)
        self._thread.start()

    def _read(self, response: httpx.Response) -> None:
        try:
            for line in response.iter_lines():
                if line.startswith("id: "):
                    self.ids.append(line[4:])
                if line.startswith("data: "):
                    self.events.append((time.monotonic(), json.loads(line[6:])))
        except httpx.HTTPError:
            pass

    def wait_for(self, predicate: Any, timeout: float) -> tuple[float, dict[str, Any]] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, event in list(self.events):
                if predicate(event):
                    return at, event
            time.sleep(0.01)  # polling a list filled by the reader thread
        return None


def _client(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    r = client.post(f"{API}/login", json={"username": user, "password": PASSWORDS[user]})
    assert r.status_code == 200
    return client


def test_a_new_handoff_reaches_an_open_console_within_a_second(console: Console, live: str) -> None:
    ann, bob = _client(live, "ann"), _client(live, "bob")
    target = conv_id(console, console.convs["bot"])
    vip = seed_conversation(console.db, "vip2", status="bot")
    with ann.stream("GET", f"{API}/stream") as r_ann, bob.stream("GET", f"{API}/stream") as r_bob:
        assert r_ann.status_code == 200
        assert r_ann.headers["content-type"].startswith("text/event-stream")
        seen_ann, seen_bob = Reader(r_ann), Reader(r_bob)
        time.sleep(0.3)  # let both streams subscribe before the change
        with console.db.transaction() as conn:
            handoff.request_handoff(conn, conv_id(console, vip), "vip", NOW, agent="bob")
        started = time.monotonic()
        with console.db.transaction() as conn:
            handoff.request_handoff(conn, target, "angry", NOW)
        hit = seen_ann.wait_for(lambda e: e["type"] == "handoff"
                                and e["conversation_id"] == console.convs["bot"], 1.0)
        assert hit is not None, seen_ann.events
        assert hit[0] - started < 1.0
        assert hit[1]["status"] == "queued" and hit[1]["event"] in ("handoff_requested",
                                                                    "handoff_queued")
        assert seen_bob.wait_for(lambda e: e["conversation_id"] == vip, 1.0) is not None
        # The VIP routed to bob is not news for ann.
        assert all(e["conversation_id"] != vip for _, e in seen_ann.events)
        last_id = seen_ann.ids[-1]
    # Reconnecting with Last-Event-ID replays what was missed, and nothing before it.
    with console.db.transaction() as conn:
        handoff.claim(conn, target, "ann", NOW)
    with ann.stream("GET", f"{API}/stream", headers={"Last-Event-ID": last_id}) as again:
        replay = Reader(again)
        hit = replay.wait_for(lambda e: e["event"] == "handoff_claimed", 2.0)
        assert hit is not None and hit[1]["type"] == "status"
        assert all(int(e["id"]) > int(last_id) for _, e in replay.events)
    ann.close()
    bob.close()


def test_the_stream_needs_a_session(console: Console, live: str) -> None:
    r = httpx.get(f"{live}{API}/stream", timeout=5)
    assert r.status_code == 401 and r.json()["message"]


def test_sla_alerts_reach_supervisors_not_agents() -> None:
    from bot.console.auth import User
    from bot.console.stream import payload

    row = (7, "sla_warning", "system", NOW, {"ticket_id": "T2611230001", "deadline": "reply"},
           "c_abc", "bot", None, "telegram")
    supervisor = User(1, "sup", None, "supervisor", True)
    agent = User(2, "ann", None, "agent", True)
    alert = payload(row, supervisor)  # type: ignore[arg-type]
    assert alert is not None
    assert (alert["type"], alert["event"], alert["ticket_id"]) == ("ticket", "sla_warning",
                                                                  "T2611230001")
    assert payload(row, agent) is None  # type: ignore[arg-type]

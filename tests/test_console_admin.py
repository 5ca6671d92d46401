"""Admin routes: users, the audit log, and the scripts editor (validate, save, rollback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from storage.models_console import AuditEntry, ConsoleUser, ScriptVersion

from .console_support import Console, make_console

API = "/api/console"


@pytest.fixture
def console(db_url: str, nlu: Any, tmp_path: Path) -> Iterator[Console]:
    yield from make_console(db_url, nlu, tmp_path)


@pytest.fixture
def sqlite_console(sqlite_url: str, nlu: Any, tmp_path: Path) -> Iterator[Console]:
    yield from make_console(sqlite_url, nlu, tmp_path)


def audit(console: Console) -> list[tuple[str, str, str | None, dict[str, Any], str | None]]:
    with console.db.read() as s:
        a = AuditEntry
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(a.actor, a.action, a.target, a.details, a.ip).order_by(a.id))]


def test_admin_manages_users_and_every_change_is_audited(console: Console) -> None:
    admin, h = console.as_user("ada")
    r = admin.post(f"{API}/users", headers=h, json={"username": "Lin", "password": "lin-password-1",
                                                    "role": "agent", "display_name": "林"})
    assert r.status_code == 201, r.text
    assert r.json()["user"] == {"username": "lin", "display_name": "林", "role": "agent",
                                "active": True, "last_login_at": None,
                                "created_at": r.json()["user"]["created_at"]}
    short = admin.post(f"{API}/users", headers=h, json={"username": "kim", "password": "short",
                                                        "role": "agent"})
    assert short.status_code == 422 and "10 characters" in short.json()["message"]
    bad = admin.post(f"{API}/users", headers=h, json={"username": "../x", "password": "0123456789",
                                                      "role": "agent"})
    assert bad.status_code == 422
    r = admin.patch(f"{API}/users/lin", headers=h, json={"role": "supervisor",
                                                         "password": "another-pass-2"})
    assert r.status_code == 200 and r.json()["user"]["role"] == "supervisor"
    lin = TestClient(console.client.app)
    assert lin.post(f"{API}/login", json={"username": "lin", "password": "another-pass-2"}).status_code == 200
    assert admin.patch(f"{API}/users/ada", headers=h, json={"active": False}).status_code == 409
    names = [u["username"] for u in admin.get(f"{API}/users").json()["items"]]
    assert names == ["ada", "ann", "bob", "lin", "sue"]
    entries = audit(console)
    assert [(e[0], e[1], e[2]) for e in entries] == [("ada", "user.create", "lin"),
                                                     ("ada", "user.update", "lin")]
    assert entries[1][3] == {"role": "supervisor", "password": "changed"}
    assert entries[0][4] == "testclient"
    with console.db.read() as s:
        stored = s.execute(select(ConsoleUser.password_hash).where(ConsoleUser.username == "lin")).scalar()
    assert stored is not None and stored.startswith("$argon2") and "another-pass-2" not in stored
    log = admin.get(f"{API}/audit?limit=1").json()["items"]
    assert [(e["action"], e["target"]) for e in log] == [("user.update", "lin")]
    older = admin.get(f"{API}/audit?before={log[0]['id']}").json()["items"]
    assert [e["action"] for e in older] == ["user.create"]


def _faq(console: Console) -> str:
    return (console.flows_dir / "faq.yml").read_text(encoding="utf-8")


def test_a_broken_script_is_refused_with_file_and_line_and_the_live_one_stays(
        console: Console) -> None:
    admin, h = console.as_user("ada")
    before, version = _faq(console), console.services.scripts.version
    broken = before.replace("faq:\n  - id: hours", "faq:\n  - id: hours\n    question: [oops", 1)
    checked = admin.post(f"{API}/scripts/faq.yml/check", headers=h, json={"content": broken}).json()
    assert checked["ok"] is False
    assert checked["errors"][0]["file"] == "faq.yml" and checked["errors"][0]["line"] > 1
    r = admin.put(f"{API}/scripts/faq.yml", headers=h, json={"content": broken, "comment": "x"})
    assert r.status_code == 422
    assert r.json()["message"].startswith("faq.yml:") and r.json()["errors"]
    # A file that parses but breaks the schema is refused the same way.
    r = admin.put(f"{API}/scripts/faq.yml", headers=h,
                  json={"content": before.replace("  - id: hours", "  - idx: hours", 1)})
    assert r.status_code == 422 and r.json()["errors"][0]["file"] == "faq.yml"
    assert _faq(console) == before
    assert console.services.scripts.version == version
    with console.db.read() as s:
        assert s.execute(select(ScriptVersion.id)).first() is None
    assert [e[1] for e in audit(console)] == []


def test_save_goes_live_with_a_version_and_rollback_restores(console: Console) -> None:
    admin, h = console.as_user("ada")
    original = _faq(console)
    edited = original.replace("我们每天 8:00–20:00 上门服务", "我们每天 7:00–21:00 上门服务", 1)
    r = admin.put(f"{API}/scripts/faq.yml", headers=h, json={"content": edited,
                                                               "comment": "longer hours"})
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["live"] is True and saved["flows_version"] == 2
    assert _faq(console) == edited
    canned = {c["id"]: c for c in admin.get(f"{API}/canned").json()["items"]}
    assert canned["hours"]["answer"]["zh"].startswith("我们每天 7:00–21:00")
    script = admin.get(f"{API}/scripts/faq.yml").json()
    assert script["content"] == edited
    assert [(v["author"], v["comment"]) for v in script["versions"]] == [
        ("ada", "longer hours"), ("(file)", "as found before the first console edit")]
    first = script["versions"][1]["id"]
    assert admin.get(f"{API}/scripts/faq.yml/versions/{first}").json()["content"] == original
    r = admin.post(f"{API}/scripts/faq.yml/rollback", headers=h, json={"version_id": first})
    assert r.status_code == 200 and r.json()["live"] is True
    assert _faq(console) == original
    canned = {c["id"]: c for c in admin.get(f"{API}/canned").json()["items"]}
    assert canned["hours"]["answer"]["zh"].startswith("我们每天 8:00–20:00")
    listing = {i["name"]: i for i in admin.get(f"{API}/scripts").json()["items"]}
    assert listing["faq.yml"]["versions"] == 3 and "core.yml" in listing
    assert [(e[1], e[2]) for e in audit(console)] == [("script.save", "faq.yml"),
                                                      ("script.rollback", "faq.yml")]
    # A version of another file cannot be rolled back onto this one.
    assert admin.post(f"{API}/scripts/core.yml/rollback", headers=h,
                      json={"version_id": first}).status_code == 404


@pytest.mark.parametrize("name", ["..%2Fcore.yml", "%2e%2e%2fsettings.py", "..", ".hidden.yml",
                                  "core.yml%00", "new.yml", "core.YML", "..%5Ccore.yml",
                                  "%2Fetc%2Fpasswd"])
def test_script_names_cannot_leave_the_folder(sqlite_console: Console, name: str) -> None:
    admin, h = sqlite_console.as_user("ada")
    outside = sqlite_console.flows_dir.parent / "core.yml"
    outside.write_text("secret: 1\n", encoding="utf-8")
    assert admin.get(f"{API}/scripts/{name}").status_code == 404
    r = admin.put(f"{API}/scripts/{name}", headers=h, json={"content": "version: 1\n"})
    assert r.status_code in (404, 405)
    assert outside.read_text(encoding="utf-8") == "secret: 1\n"
    assert sorted(p.name for p in sqlite_console.flows_dir.iterdir()) == sorted(
        p.name for p in (Path(__file__).parent.parent / "flows" / "scripts").iterdir())

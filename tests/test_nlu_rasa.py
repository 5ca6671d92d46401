"""Rasa interoperability: the HTTP backend against a fake Rasa 3.6, and the training-data formats."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.nlu_rasa_cli import run_export, run_import, shipped_examples
from bot.services import build_services
from bot.settings import Settings
from nlu.base import IntentScore, ParseResult
from nlu.dataset import load_intents_file
from nlu.rasa import RasaConfigError, RasaHTTPNLU, RasaUnavailable
from nlu.rasa_format import RasaFormatError, export_rasa, import_rasa

from .conftest import NOW
from .fakes.rasa_server import FakeRasa, diet_entity

# -- the backend ----------------------------------------------------------------------------


@pytest.fixture
def fake() -> FakeRasa:
    return FakeRasa(default_intent="greet")


@pytest.fixture
def rasa(fake: FakeRasa) -> Iterator[RasaHTTPNLU]:
    with RasaHTTPNLU("http://rasa.test:5005", transport=fake.transport()) as nlu:
        yield nlu


def test_parse_maps_intent_ranking_entities_and_adds_sentiment(fake: FakeRasa, rasa: RasaHTTPNLU) -> None:
    text = "this is terrible, how much is carpet cleaning tomorrow?"
    fake.script("carpet", "quote", 0.87, [diet_entity(text, "carpet cleaning", "service", "cleaning")])
    result = rasa.parse(text, now=NOW)
    assert fake.calls == [{"text": text}]
    assert result.intent == IntentScore("quote", 0.87)
    assert result.intent_ranking[0] == result.intent and len(result.intent_ranking) == 9
    assert [s.confidence for s in result.intent_ranking] == sorted(
        (s.confidence for s in result.intent_ranking), reverse=True)
    service = result.first("service")
    assert service is not None and (service.start, service.end, service.value) == (30, 45, "cleaning")
    assert text[service.start:service.end] == service.text == "carpet cleaning"
    # Rasa has no sentiment and no date for "tomorrow": both are added locally.
    assert result.sentiment.label == "negative" and result.lang == "en"
    date = result.first("date")
    assert date is not None and date.value == "2026-11-24" and date.text == "tomorrow"


def test_rasa_entities_win_over_local_ones_of_the_same_kind(fake: FakeRasa, rasa: RasaHTTPNLU) -> None:
    text = "明天搬家多少钱"
    fake.script("搬家", "quote", entities=[diet_entity(text, "明天", "date", "2026-12-01")])
    dates = [e for e in rasa.parse(text, now=NOW).entities if e.entity == "date"]
    assert [(d.value, d.start, d.end) for d in dates] == [("2026-12-01", 0, 2)]


def test_unknown_intents_pass_through_and_nlu_fallback_is_out_of_scope(fake: FakeRasa,
                                                                        rasa: RasaHTTPNLU) -> None:
    fake.script("weather", "ask_weather", 0.7).script("zzz", "nlu_fallback", 0.7)
    assert rasa.parse("what's the weather").intent.name == "ask_weather"
    result = rasa.parse("zzz qqq")
    assert result.intent.name == "out_of_scope"
    assert [s.name for s in result.intent_ranking].count("out_of_scope") == 1


def test_text_without_letters_never_reaches_rasa(fake: FakeRasa, rasa: RasaHTTPNLU) -> None:
    result = rasa.parse("10:30", now=NOW)
    assert fake.calls == [] and result.intent == IntentScore("out_of_scope", 1.0)
    assert result.first("time") is not None
    assert rasa.parse("").intent.name == "out_of_scope"


def test_base_path_and_token_are_kept_but_never_shown() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(500, json={"status": "failure", "message": "boom", "code": 500})

    with RasaHTTPNLU("https://nlu.example/rasa/?token=s3cret", transport=httpx.MockTransport(handler)) as nlu, \
            pytest.raises(RasaUnavailable) as info:
        nlu.parse("hello")
    assert str(seen[0]) == "https://nlu.example/rasa/model/parse?token=s3cret"
    assert "s3cret" not in str(info.value) and info.value.url == "https://nlu.example/rasa"
    assert "HTTP 500: boom" in str(info.value)


@pytest.mark.parametrize(("mode", "reason"), [
    ("500", "HTTP 500: An unexpected error occurred"),
    ("409", "HTTP 409: No model loaded"),
    ("timeout", "no answer within 2 s"),
    ("garbage", "not JSON"),
    ("shape", "not shaped like Rasa's parse result"),
])
def test_failures_become_rasa_unavailable_with_the_url(fake: FakeRasa, rasa: RasaHTTPNLU,
                                                       mode: str, reason: str) -> None:
    fake.fail(mode)
    with pytest.raises(RasaUnavailable, match=reason) as info:
        rasa.parse("hello")
    assert info.value.url == "http://rasa.test:5005" and "http://rasa.test:5005" in str(info.value)
    assert rasa.parse("hello").intent.name == "greet"  # the next call works again


def test_connection_refused_and_a_real_timeout_over_loopback(fake: FakeRasa) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with RasaHTTPNLU(f"http://127.0.0.1:{port}") as nlu, pytest.raises(RasaUnavailable, match="ConnectError"):
        nlu.parse("hello")
    fake.fail("timeout")
    with fake.serve() as server, RasaHTTPNLU(server.url, timeout=0.2) as nlu:
        with pytest.raises(RasaUnavailable, match=r"no answer within 0.2 s"):
            nlu.parse("hello")
        fake.release.set()


class _Fallback:
    def parse(self, text: str, *, now: Any = None) -> ParseResult:
        return ParseResult(text, IntentScore("faq", 0.5))


def test_fallback_answers_when_rasa_is_down_and_warns_once_a_minute(
        fake: FakeRasa, caplog: pytest.LogCaptureFixture) -> None:
    clock = [1000.0]
    fake.always_fail = "500"
    nlu = RasaHTTPNLU("http://rasa.test:5005", transport=fake.transport(), fallback=_Fallback(),
                      clock=lambda: clock[0])
    with nlu, caplog.at_level(logging.WARNING, logger="nlu.rasa"):
        assert [nlu.parse(f"hi {i}").intent.name for i in range(5)] == ["faq"] * 5
        clock[0] += 61
        nlu.parse("hi again")
        fake.always_fail = None
        assert nlu.parse("hello").intent.name == "greet"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "Rasa NLU at http://rasa.test:5005 is unavailable: HTTP 500" in warnings[0]
    assert "4 more failures since the last warning" in warnings[1]


def test_from_settings_needs_the_url() -> None:
    settings = SimpleNamespace(rasa_url=None, timezone="Asia/Shanghai")
    with pytest.raises(RasaConfigError, match="CARELINE_RASA_URL"):
        RasaHTTPNLU.from_settings(settings)
    with pytest.raises(RasaConfigError, match="http\\(s\\) base URL"):
        RasaHTTPNLU.from_settings(SimpleNamespace(rasa_url="localhost:5005", timezone="UTC"))
    with RasaHTTPNLU.from_settings(Settings(nlu_backend="rasa", rasa_url="http://127.0.0.1:5005")) as nlu:
        assert nlu.url == "http://127.0.0.1:5005" and nlu.timeout == 2.0


# -- training data ----------------------------------------------------------------------------


def test_export_then_import_gives_back_the_shipped_examples(tmp_path: Path) -> None:
    examples = shipped_examples()
    written = export_rasa(examples, tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in written} == {
        "data/nlu_zh.yml", "data/nlu_en.yml", "domain.yml", "config.yml"}
    nlu_zh = (tmp_path / "data" / "nlu_zh.yml").read_text(encoding="utf-8")
    assert nlu_zh.startswith('version: "3.1"\nnlu:\n  - intent: greet\n    examples: |\n      - ')
    domain = (tmp_path / "domain.yml").read_text(encoding="utf-8")
    assert 'version: "3.1"' in domain and "session_config:" in domain and "  - booking_status" in domain
    back = import_rasa(tmp_path)
    assert back.examples == examples and not back.skipped and not back.entities


def test_cli_round_trip_writes_our_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_export(tmp_path / "rasa") == 0
    assert run_import(tmp_path / "rasa", out=None) == 0
    assert "nothing written" in capsys.readouterr().out
    assert run_import(tmp_path / "rasa", out=tmp_path / "back") == 0
    for lang, by_intent in shipped_examples().items():
        pairs = load_intents_file(tmp_path / "back" / f"intents_{lang}.yml")
        assert pairs == [(t, i) for i, texts in by_intent.items() for t in texts]
    assert run_import(tmp_path / "rasa", out=tmp_path / "back") == 1  # never overwritten silently
    assert "already exist" in capsys.readouterr().err
    assert run_import(tmp_path / "nope.yml", out=None) == 2
    assert run_import(tmp_path / "rasa", out=None, lang="fr") == 2


RASA_NLU = """\
version: "3.1"
nlu:
- intent: quote
  examples: |
    - how much to move a [two bedroom](home_size) flat
    - 下周六[搬家]{"entity": "service", "value": "moving"}多少钱
    - price for [cleaning](service:cleaning) on [friday](date)
- intent: greet
  examples:
  - text: |
      hi there
    metadata:
      sentiment: neutral
  - text: 你好
- synonym: moving
  examples: |
    - relocation
    - 搬场
- regex: phone
  examples: |
    - 1\\d{10}
- lookup: city
  examples: |
    - 北京
    - 上海
"""


def test_import_strips_annotations_and_skips_synonyms_regex_lookup(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(RASA_NLU, encoding="utf-8")
    result = import_rasa(path)
    assert result.examples == {
        "en": {"quote": ["how much to move a two bedroom flat", "price for cleaning on friday"],
               "greet": ["hi there"]},
        "zh": {"quote": ["下周六搬家多少钱"], "greet": ["你好"]},
    }
    assert dict(result.skipped) == {"synonym": 1, "regex": 1, "lookup": 1}
    found = {(e.entity, e.value, e.example[e.start:e.end], e.source.rsplit(":", 1)[1])
             for e in result.entities}
    assert found == {("home_size", "two bedroom", "two bedroom", "5"),
                     ("service", "moving", "搬家", "6"),
                     ("service", "cleaning", "cleaning", "7"), ("date", "friday", "friday", "7")}
    forced = import_rasa(path, lang="zh")
    assert set(forced.examples) == {"zh"} and forced.examples["zh"]["greet"] == ["hi there", "你好"]


def test_import_reads_the_old_markdown_and_json_formats(tmp_path: Path) -> None:
    md = tmp_path / "nlu.md"
    md.write_text("## intent:book\n- book a [cleaning](service) <!-- note -->\n- 预约保洁\n"
                  "## synonym:cleaning\n- housekeeping\n## regex:zipcode\n- [0-9]{5}\n", encoding="utf-8")
    result = import_rasa(md)
    assert result.examples == {"en": {"book": ["book a cleaning"]}, "zh": {"book": ["预约保洁"]}}
    assert dict(result.skipped) == {"synonym": 1, "regex": 1}
    assert [(e.entity, e.start, e.end) for e in result.entities] == [("service", 7, 15)]
    js = tmp_path / "nlu.json"
    js.write_text(json.dumps({"rasa_nlu_data": {
        "common_examples": [{"text": "cancel my booking", "intent": "cancel", "entities": []},
                            {"text": "move on monday", "intent": "book",
                             "entities": [{"start": 8, "end": 14, "value": "monday", "entity": "date"}]}],
        "entity_synonyms": [{"value": "moving", "synonyms": ["relocation"]}],
        "regex_features": [], "lookup_tables": []}}), encoding="utf-8")
    result = import_rasa(js)
    assert result.examples == {"en": {"cancel": ["cancel my booking"], "book": ["move on monday"]}}
    assert [(e.entity, e.text, e.start) for e in result.entities] == [("date", "monday", 8)]
    assert dict(result.skipped) == {"synonym": 1}


@pytest.mark.parametrize(("content", "where"), [
    ("version: '3.1'\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    hello\n", "nlu.yml:6:"),
    ("version: '3.1'\nnlu:\n- intent: greet\n  examples: [unclosed\n", "nlu.yml:5:"),
    ("nlu:\n- intent: greet\n  examples: |\n    - hi\n- utter: x\n", "nlu.yml:5:"),
    ('nlu:\n- intent: x\n  examples: |\n    - [a]{"value": 1}\n', "nlu.yml:4:"),
])
def test_import_errors_name_file_and_line(tmp_path: Path, content: str, where: str) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RasaFormatError) as info:
        import_rasa(path)
    assert str(info.value).startswith(f"{tmp_path}/{where}"), str(info.value)


# -- our app on the Rasa backend --------------------------------------------------------------


@pytest.fixture
def rasa_app(fake: FakeRasa, sqlite_url: str) -> Iterator[TestClient]:
    fake.script("多少钱", "quote", 0.91).script("how much", "quote", 0.91)
    with fake.serve() as server:
        nlu = RasaHTTPNLU(server.url)
        settings = Settings(database_url=sqlite_url, hot_reload=False, nlu_backend="rasa",
                            rasa_url=server.url)
        services = build_services(settings, nlu=nlu, clock=lambda: NOW)
        with TestClient(create_app(settings, services)) as client:
            yield client
        services.close()
        nlu.close()


def test_our_model_parse_keeps_the_rasa_shape_on_the_rasa_backend(rasa_app: TestClient,
                                                                  fake: FakeRasa) -> None:
    response = rasa_app.post("/model/parse", json={"text": "明天搬家多少钱"})
    assert response.status_code == 200
    body = response.json()
    assert fake.calls[-1] == {"text": "明天搬家多少钱"}
    assert body["text"] == "明天搬家多少钱"
    assert body["intent"] == {"name": "quote", "confidence": 0.91}
    assert body["intent_ranking"][0] == body["intent"] and len(body["intent_ranking"]) > 1
    # /model/parse resolves dates against the wall clock (the services' clock is for turns).
    tomorrow = (datetime.now(ZoneInfo(NOW.tzinfo.key if isinstance(NOW.tzinfo, ZoneInfo)
                                      else "Asia/Shanghai")) + timedelta(days=1)).date()
    assert body["entities"] == [{"entity": "date", "value": tomorrow.isoformat(), "start": 0,
                                 "end": 2}]
    assert body["sentiment"]["label"] == "neutral" and body["lang"] == "zh"


def test_a_quote_conversation_end_to_end_on_the_rasa_backend(rasa_app: TestClient, fake: FakeRasa) -> None:
    def say(text: str) -> list[str]:
        response = rasa_app.post("/api/chat", json={"user": "rasa-u1", "text": text})
        assert response.status_code == 200, response.text
        return [r["text"] for r in response.json()["replies"]]

    assert say("我想做个保洁，多少钱") == ["您家是什么户型？"]
    assert say("两室") == ["请问哪天需要服务？（例如：下周六、12月5号）"]
    assert say("下周六") == ["需要日常保洁还是深度保洁？"]
    assert say("日常") == ["需要单次服务，还是每月、每季度定期上门（包月、包季更优惠）？"]
    quote, book_it = say("单次")
    assert quote.startswith("保洁报价（单次）") and "合计" in quote
    assert book_it == "需要为您预约吗？"
    assert [c["text"] for c in fake.calls] == ["我想做个保洁，多少钱", "两室", "下周六", "日常", "单次"]


# -- one contract over both engines -----------------------------------------------------------


@pytest.fixture(params=["builtin", "rasa"])
def engine(request: pytest.FixtureRequest, fake: FakeRasa) -> Iterator[Any]:
    if request.param == "builtin":
        yield request.getfixturevalue("nlu")
        return
    fake.script("多少钱", "quote").script("human", "human").script("投诉", "complain")
    with RasaHTTPNLU("http://rasa.test:5005", transport=fake.transport()) as rasa:
        yield rasa


@pytest.mark.parametrize(("text", "intent", "entity", "mood"), [
    ("明天搬家多少钱", "quote", ("date", "2026-11-24"), "neutral"),
    ("can I talk to a human", "human", None, "neutral"),
    ("你们服务太差了，我要投诉", "complain", None, "negative"),
    ("", "out_of_scope", None, "neutral"),
    ("👍", "out_of_scope", None, "positive"),
])
def test_both_engines_keep_the_parse_contract(engine: Any, text: str, intent: str,
                                              entity: tuple[str, str] | None, mood: str) -> None:
    result = engine.parse(text, now=NOW)
    body = result.to_dict()
    assert set(body) == {"text", "intent", "intent_ranking", "entities", "sentiment", "lang"}
    assert body["text"] == text and body["intent"]["name"] == intent
    assert body["intent_ranking"][0] == body["intent"]
    if entity is not None:
        assert (entity[0], entity[1]) in {(e["entity"], e["value"]) for e in body["entities"]}
    assert result.sentiment.label == mood


# -- the side-by-side benchmark ---------------------------------------------------------------


def test_bench_without_a_rasa_url_explains_how_to_run_one(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.nlu_rasa import main

    assert main([]) == 0
    out = capsys.readouterr().out
    assert "rasa run --enable-api" in out and "pip install rasa==3.6.21" in out


def test_bench_compares_both_engines_on_the_held_out_split(fake: FakeRasa, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from bench.nlu_rasa import main

    assert main(["--export-train", str(tmp_path), "--split", "own"]) == 0
    exported = import_rasa(tmp_path / "own")
    assert set(exported.examples) == {"zh", "en"}
    with fake.serve() as server:
        assert main(["--rasa-url", server.url, "--limit", "20"]) == 0
        out = capsys.readouterr().out
        assert "== own: 20 test examples" in out
        for row in ("built-in", "rasa"):
            assert any(line.split()[:1] == [row] and len(line.split()) == 5 for line in out.splitlines())
        assert "rasa/built-in latency: p50" in out and len(fake.calls) >= 19
        fake.always_fail = "500"
        assert main(["--rasa-url", server.url, "--limit", "5"]) == 1
    assert "unavailable: HTTP 500" in capsys.readouterr().err

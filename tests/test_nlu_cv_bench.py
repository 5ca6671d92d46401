"""``python -m bench.nlu_cv``: cross-validation on the training part keeps rewordings in one fold."""

from __future__ import annotations

from collections import Counter

import pytest

from bench import nlu_cv
from nlu import dedup

TRAIN = ([(f"please cancel booking number {n}", "cancel") for n in range(12)]
         + [("cancel please", "cancel"), ("please cancel", "cancel")]
         + [(f"how much to clean flat {n} today", "quote") for n in range(12)]
         + [(f"weather in city {n} tomorrow", "out_of_scope") for n in range(12)]
         + [(f"你好 第{n}次来问", "greet") for n in range(12)])


def test_near_duplicates_share_a_fold_and_each_intent_is_spread_over_all_folds():
    folds = nlu_cv.fold_ids(TRAIN, 3, seed=1)
    groups = dedup.groups(TRAIN)
    for group in set(groups):
        assert len({f for f, g in zip(folds, groups, strict=True) if g == group}) == 1
    for intent in ("cancel", "quote", "out_of_scope", "greet"):
        per_fold = Counter(f for f, (_, i) in zip(folds, TRAIN, strict=True) if i == intent)
        assert set(per_fold) == {0, 1, 2}
    assert nlu_cv.fold_ids(TRAIN, 3, seed=1) == folds


def test_cross_validation_scores_every_language_and_the_out_of_scope_class():
    langs = {pair: ("zh" if pair[1] == "greet" else "en") for pair in TRAIN}
    result = nlu_cv.cross_validate(TRAIN, langs, folds=3, seed=0, weights={}, hyperparams={},
                                   threshold=0.2)
    assert set(result["accuracy"]) == {"en", "zh"}
    assert result["accuracy"]["en"] > 0.8
    assert 0.0 <= result["oos_precision"] <= 1.0 and result["oos_recall"] > 0.5


def test_bad_block_weights_are_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        nlu_cv.main(["--weights", "nope=1"])
    assert exc.value.code == 2
    assert "unknown feature block 'nope'" in capsys.readouterr().err

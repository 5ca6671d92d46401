"""Near-duplicates never straddle the own-data split: the held-out score measures understanding."""

from __future__ import annotations

import pytest

from nlu import dedup
from nlu.train import own_split


@pytest.mark.parametrize(("a", "b"), [
    ("please cancel", "cancel please"),
    ("hi", "hi hi hi"),
    ("am i gold member", "am i a gold member"),
    ("护工一天多少钱", "护工一天多少钱啊"),
    ("保洁需要自己准备工具吗", "保洁要自己准备工具吗"),
    ("Hello!!", "hello"),
    ("ＯＫ　ｐｌｅａｓｅ", "ok"),
])
def test_rewordings_are_near_duplicates(a, b):
    assert dedup.near_duplicate(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("cancle my booking", "cancel my booking"),  # a typo is a different surface form
    ("服务很周到", "服务很周到 好评"),
    ("i want to cancel my booking", "i want to cancel my order"),
    ("我要取消订单", "我要取消预约"),
])
def test_different_messages_are_not(a, b):
    assert not dedup.near_duplicate(a, b)


def test_pairs_are_found_like_the_brute_force_check():
    texts = ["please cancel", "cancel please", "cancel it", "hi", "hi hi", "hello there",
             "我要取消订单", "取消订单 我要", "你好", "你好啊", "退订", "不要再发了"]
    brute = {(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
             if dedup.near_duplicate(texts[i], texts[j])}
    assert {(i, j) for i, j, _ in dedup.near_duplicate_pairs(texts)} == brute
    assert (0, 1) in brute and (3, 4) in brute and (6, 7) in brute


def test_groups_join_same_label_rewordings_but_keep_minimal_pairs_apart():
    pairs = [("是这样的", "affirm"), ("是这样的呀", "affirm"), ("不是这样的", "deny"), ("是的", "affirm")]
    ids = dedup.groups(pairs)
    assert ids[0] == ids[1] and ids[2] != ids[0] and ids[3] != ids[0]


def test_grouped_split_keeps_each_group_on_one_side_and_the_share_per_stratum():
    rows = [(f"message number {n} about {topic}", topic, lang)
            for lang in ("en", "zh") for topic in ("cancel", "quote") for n in range(50)]
    rows += [("please cancel", "cancel", "en"), ("cancel please", "cancel", "en"),
             ("cancel please", "cancel", "zh")]
    train, test = dedup.grouped_holdout_split(rows, 0.2, seed=3)
    assert len(train) + len(test) == len(rows)
    sides = {"train" if r in train else "test" for r in rows if "please" in r[0]}
    assert len(sides) == 1
    for lang in ("en", "zh"):
        for topic in ("cancel", "quote"):
            n = sum(1 for _, t, s in test if (t, s) == (topic, lang))
            assert 8 <= n <= 11
    assert dedup.grouped_holdout_split(rows, 0.2, seed=3) == (train, test)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_held_out_example_is_a_near_duplicate_of_a_training_one(seed):
    train, tests, dropped = own_split(seed=seed)
    assert dropped == 0
    for lang, test in tests.items():
        leaked = [test[k] for k in dedup.leaks(train, test)]
        assert leaked == [], f"{lang}: held-out rewordings of training examples: {leaked[:10]}"

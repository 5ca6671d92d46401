"""Near-duplicate examples: what keeps the held-out split of our own data honest.

Two examples are near-duplicates when their *content* sets are almost the same:
Jaccard similarity of at least :data:`NEAR_DUPLICATE_AT` over the English words and
Chinese characters left after NFKC, lower case, punctuation, emoji, repeats ("no no no",
"哈哈哈") and a few fillers (please, the, 啊, 呀 ...) are removed. So "please cancel" /
"cancel please", "hi" / "hi hi", "护工一天多少钱" / "护工一天多少钱啊", "am i gold member" /
"am i a gold member" and "保洁需要自己准备工具吗" / "保洁要自己准备工具吗" are pairs, while
"cancle my booking" / "cancel my booking" (a typo is a different surface form) and
"服务很周到" / "服务很周到 好评" (two more characters of content) are not.

A held-out example with a near-duplicate in the training part measures memory, not
understanding; the shipped data has none (``tests/test_nlu_data.py``), and the own-data
evaluation drops any test row that has one all the same.

Pairs are found with the prefix filter of the AllPairs algorithm (Bayardo et al., 2007):
two sets with Jaccard >= t share a token among the rarest ``|A| - ceil(t |A|) + 1`` of each,
so only texts sharing a rare token are compared; ~7 000 texts take well under a second.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence

NEAR_DUPLICATE_AT = 0.8

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
#: Words that carry no intent of their own: politeness, articles, Chinese sentence particles.
FILLERS = frozenset({
    "please", "pls", "plz", "the", "a", "an", "just", "um", "uh", "hmm",
    "啊", "呀", "吧", "呢", "啦", "哦", "嘛", "呗", "哈", "噢", "喔", "捏", "嘞", "哇",
})


def content(text: str) -> frozenset[str]:
    """The content tokens of ``text``: English words and digits runs, single Chinese
    characters; fillers dropped (repeats and order vanish in the set)."""
    tokens = _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())
    kept = frozenset(t for t in tokens if t not in FILLERS)
    return kept or frozenset(tokens) or frozenset({text.strip()})


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def near_duplicate(a: str, b: str, threshold: float = NEAR_DUPLICATE_AT) -> bool:
    return jaccard(content(a), content(b)) >= threshold


def _prefix_length(size: int, threshold: float) -> int:
    return size - math.ceil(threshold * size - 1e-9) + 1


def near_duplicate_pairs(
    texts: Sequence[str], threshold: float = NEAR_DUPLICATE_AT
) -> list[tuple[int, int, float]]:
    """Every (i, j, similarity) with i < j whose texts are near-duplicates."""
    sets = [content(t) for t in texts]
    df: Counter[str] = Counter(tok for s in sets for tok in s)
    ordered = [sorted(s, key=lambda tok: (df[tok], tok)) for s in sets]
    index: defaultdict[str, list[int]] = defaultdict(list)
    pairs: list[tuple[int, int, float]] = []
    # Process by size so each pair is checked once, from its larger member.
    for j in sorted(range(len(texts)), key=lambda k: (len(sets[k]), k)):
        prefix = ordered[j][:_prefix_length(len(ordered[j]), threshold)]
        candidates = {i for tok in prefix for i in index[tok]}
        for i in candidates:
            small, large = len(sets[i]), len(sets[j])
            if small < threshold * large:
                continue
            sim = jaccard(sets[i], sets[j])
            if sim >= threshold:
                pairs.append((min(i, j), max(i, j), sim))
        for tok in prefix:
            index[tok].append(j)
    return sorted(pairs)


def leaks(
    train: Sequence[tuple[str, str]], test: Sequence[tuple[str, str]],
    threshold: float = NEAR_DUPLICATE_AT,
) -> list[int]:
    """Indexes of ``test`` pairs with a near-duplicate of the same label in ``train``."""
    pairs = list(train) + list(test)
    cut = len(train)
    hits = {j - cut for i, j, _ in near_duplicate_pairs([t for t, _ in pairs], threshold)
            if i < cut <= j and pairs[i][1] == pairs[j][1]}
    return sorted(hits)


def groups(pairs: Sequence[tuple[str, str]], threshold: float = NEAR_DUPLICATE_AT) -> list[int]:
    """A group id per ``(text, label)``: connected components of near-duplicates that
    share a label. Near-duplicates with different labels ("是这样的" / "不是这样的") are
    minimal pairs, not leaks: they stay apart."""
    parent = list(range(len(pairs)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for i, j, _ in near_duplicate_pairs([t for t, _ in pairs], threshold):
        if pairs[i][1] == pairs[j][1]:
            parent[find(i)] = find(j)
    return [find(k) for k in range(len(pairs))]


def grouped_holdout_split(
    rows: Sequence[tuple[str, str, str]], ratio: float = 0.2, seed: int = 0,
    threshold: float = NEAR_DUPLICATE_AT,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Split ``(text, label, stratum)`` rows into (train, test) with no near-duplicate
    across the cut: each group of :func:`groups` goes wholly to one side.

    Stratified per (stratum, label): groups are drawn in a seeded random order and go
    to the test side while that keeps every (stratum, label) they touch within its
    ``round(n * ratio)`` share, so a group spanning two strata (the same "hello" in
    the zh and en files) is never split either.
    """
    import random

    if not 0.0 < ratio < 1.0:
        raise ValueError(f"ratio must be between 0 and 1, got {ratio!r}")
    ids = groups([(t, label) for t, label, _ in rows], threshold)
    members: defaultdict[int, list[int]] = defaultdict(list)
    for k, g in enumerate(ids):
        members[g].append(k)
    size: Counter[tuple[str, str]] = Counter((s, label) for _, label, s in rows)
    quota = {key: round(n * ratio) for key, n in size.items()}
    taken: Counter[tuple[str, str]] = Counter()
    order = sorted(members, key=lambda g: min(members[g]))
    random.Random(seed).shuffle(order)
    test_groups = set()
    for g in order:
        need = Counter((rows[k][2], rows[k][1]) for k in members[g])
        if all(taken[key] + n <= quota[key] for key, n in need.items()):
            taken.update(need)
            test_groups.add(g)
    train = [r for r, g in zip(rows, ids, strict=True) if g not in test_groups]
    test = [r for r, g in zip(rows, ids, strict=True) if g in test_groups]
    return train, test

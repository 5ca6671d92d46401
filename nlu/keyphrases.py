"""Key phrases of a set of short texts (survey comments, complaint descriptions), Chinese
and English, with no model download.

Candidates per text: content words and pairs of adjacent content words (a negator sticks to
the word after it: "不干净", "not clean"; degree words and particles between two words do
not break a pair: "态度很差" → 态度差). Each candidate is counted once per text, then ranked
by ``count × weight``:

* Chinese — TF-IDF with jieba's inverse document frequencies (``jieba.analyse``'s IDF
  table, the weights of ``jieba.analyse.extract_tags``), so "迟到" outranks "师傅";
* English — RAKE word scores (degree / frequency over the candidate runs; Rose et al. 2010),
  summed over the phrase's words, so "arrived late" outranks "late" when it recurs.

A phrase that is part of (or contains) a better-ranked one is kept only if most of its texts
are not already covered by it, and any phrase only if at least a fifth of its texts are not
covered by a single better-ranked one (words that always come together are one point). The
caller decides what the texts are (pain points: negative comments and complaints) and shows
the example texts by index.
"""

from __future__ import annotations

import itertools
import re
import threading
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.features import jieba_tokenizer

_CLAUSE = re.compile(r"[，。！？、；：,.!?;:()（）【】\[\]\"“”‘’~～…—/\n]+")
#: times, dates, amounts ("九点", "两个小时", "300元"): what happened, not what it was about
_ZH_QUANTITY = re.compile(r"[零一二三四五六七八九十百千两几\d]+"
                          r"(点|点钟|号|日|月|分|分钟|小时|天|周|个|次|块|元|米|平)")
_DEGREE_RX = re.compile("^(非常|特别|十分|很|太|挺|超|真|好|蛮|更)(.+)$")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")
_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")

def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


ZH_NEGATORS = frozenset({"不", "没", "没有", "未", "别", "不太", "不够", "不是", "没能"})
#: degree words and particles: transparent between the two words of a pair
ZH_JOINERS = frozenset({"很", "太", "非常", "特别", "超", "挺", "真", "真的", "了", "的", "得", "都",
                        "也", "还", "又", "比较", "有点", "有些", "十分", "极", "极其", "蛮", "更"})
ZH_STOP = _words("""
我 你 他 她 它 我们 你们 他们 她们 这 那 这个 那个 这些 那些 这次 那次 上次 一次 这样 那样 就 才 在
是 有 和 与 及 或 把 被 给 让 对 向 从 到 跟 吧 吗 呢 啊 呀 哦 嗯 哈 啦 嘛 么 之 而 但 但是 可是
然后 所以 因为 如果 虽然 还是 已经 一直 一下 一点 一些 什么 怎么 为什么 多少 哪里 时候 现在 今天
昨天 明天 上午 下午 晚上 小时 分钟 天 次 个 位 件 家 下 上 里 中 去 来 说 看 想 要 会 能 可以 觉得
感觉 认为 希望 需要 应该 服务 公司 师傅 工人 人员 工作人员 你家 东西 问题 情况 事情 一个 两个 整个
整体 总体 总的来说 而且 并且 以及 还有 另外 其他 其实 确实 可能 大概 一般 比较 自己 本来 结果 最后
后来 之前 之后 时间 平台 客服 我家 家里 真是 实在 简直 完全
""")
#: one-character words worth reporting on their own
ZH_SINGLE = frozenset("差慢脏贵乱坏破好快棒赞吵累冷凶烂慌")

EN_NEGATORS = frozenset({"not", "no", "never", "didn't", "don't", "doesn't", "wasn't",
                         "weren't", "isn't", "aren't", "won't", "can't", "couldn't", "cannot"})
EN_STOP = _words("""
a about above after again against all also am an and any are as at be because been before being
below between both but by could did do does doing down during each even ever every few for from
further get got had has have having he her here hers herself him himself his how i if in into is it
its itself just let me more most my myself nor of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves really quite still again us one two much many
lot lots bit thing things something anything everything way also overall service company guys guy
team time today yesterday day days hour hours minutes minute pretty would've i'm i've it's that's
we're they're you're there's he's she's let's maybe though although however etc ok okay
crew staff mover cleaner worker people person
""")


@dataclass(frozen=True, slots=True)
class KeyPhrase:
    phrase: str
    #: how many of the texts mention it
    count: int
    score: float
    #: indices of the texts that mention it, in input order
    docs: tuple[int, ...]


# -- candidates -------------------------------------------------------------------------------


def _zh_candidates(clause: str) -> tuple[list[tuple[str, ...]], list[str]]:
    """(candidate phrases as word tuples, the content words) of one Chinese clause."""
    words: list[str] = []
    joined: list[bool] = []  # whether words[i] follows words[i-1] across joiners only
    pending_neg = ""
    gap_ok = False
    for raw in jieba_tokenizer().cut(clause):
        token = _strip_degree(raw.strip())
        if not token:
            pending_neg, gap_ok = "", False  # a space breaks a pair
            continue
        if token in ZH_NEGATORS:
            pending_neg, gap_ok = token, gap_ok
            continue
        if token in ZH_JOINERS:
            continue
        content = (_HAN.search(token) and token not in ZH_STOP
                   and (len(token) >= 2 or token in ZH_SINGLE) and not _ZH_QUANTITY.search(token))
        if not content:
            pending_neg, gap_ok = "", False
            continue
        words.append(pending_neg + token)
        joined.append(gap_ok and bool(words[:-1]))
        pending_neg, gap_ok = "", True
    cands: list[tuple[str, ...]] = [(w,) for w in words]
    cands += [(words[i - 1], words[i]) for i in range(1, len(words)) if joined[i]]
    return cands, words


def _strip_degree(token: str) -> str:
    """"很差" → "差", "太贵" → "贵": jieba keeps some degree + adjective pairs as one word."""
    m = _DEGREE_RX.match(token)
    if m is not None and (len(m.group(2)) >= 2 or m.group(2) in ZH_SINGLE):
        return m.group(2)
    return token


def _en_runs(clause: str) -> list[list[str]]:
    """Runs of content words (RAKE's candidate phrases), negators kept inside."""
    runs: list[list[str]] = [[]]
    for token in _EN_WORD.findall(clause):
        if token in EN_STOP or token.isdigit() or (len(token) < 3 and token not in EN_NEGATORS):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(_stem(token))
    return [r for r in runs if r and not all(w in EN_NEGATORS for w in r)]


def _stem(word: str) -> str:
    """Plural to singular, enough to count "movers" and "mover" together."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _en_candidates(runs: list[list[str]]) -> list[tuple[str, ...]]:
    cands: list[tuple[str, ...]] = []
    for run in runs:
        for i, word in enumerate(run):
            if word in EN_NEGATORS:
                continue
            if i and run[i - 1] in EN_NEGATORS:
                cands.append((run[i - 1], word))
            else:
                cands.append((word,))
        for i in range(1, len(run)):
            if run[i - 1] not in EN_NEGATORS:
                cands.append((run[i - 1], run[i]))
    return cands


# -- weights --------------------------------------------------------------------------------

class IdfTable:
    """jieba.analyse's IDF table (the weights of ``jieba.analyse.extract_tags``), packed: the
    sorted words in one string, their offsets and values in arrays — about 4 MB instead of
    the 40 MB of a dict of 270 000 words. Lookups are binary searches."""

    def __init__(self, pairs: list[tuple[str, float]]) -> None:
        pairs.sort()
        self._blob = "".join(w for w, _ in pairs)
        self._starts = array("I", itertools.accumulate((len(w) for w, _ in pairs), initial=0))
        self._values = array("f", (v for _, v in pairs))
        ordered = sorted(self._values)
        self.median = float(ordered[len(ordered) // 2]) if ordered else 10.0

    def __len__(self) -> int:
        return len(self._values)

    def _word(self, i: int) -> str:
        return self._blob[self._starts[i]:self._starts[i + 1]]

    def get(self, word: str, default: float) -> float:
        lo, hi = 0, len(self._values)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._word(mid) < word:
                lo = mid + 1
            else:
                hi = mid
        return float(self._values[lo]) if lo < len(self._values) and self._word(lo) == word else default


_idf_lock = threading.Lock()
_idf: IdfTable | None = None


def jieba_idf() -> IdfTable:
    """The IDF table, read once (here rather than through jieba's loader, which leaves the
    file open)."""
    global _idf
    if _idf is None:
        with _idf_lock:
            if _idf is None:
                import jieba

                path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
                pairs: list[tuple[str, float]] = []
                with path.open(encoding="utf-8") as f:
                    for line in f:
                        word, _, value = line.strip().rpartition(" ")
                        if word:
                            pairs.append((word, float(value)))
                _idf = IdfTable(pairs)
    return _idf


def _zh_weight(words: tuple[str, ...]) -> float:
    table = jieba_idf()
    idfs = [table.get(w.lstrip("不没未别"), table.get(w, table.median)) for w in words]
    return sum(idfs) / len(idfs) * (1.0 + 0.5 * (len(words) - 1))


def _rake_scores(runs: Iterable[list[str]]) -> dict[str, float]:
    freq: Counter[str] = Counter()
    degree: Counter[str] = Counter()
    for run in runs:
        for word in run:
            freq[word] += 1
            degree[word] += len(run)
    return {w: degree[w] / freq[w] for w in freq}


# -- extraction -------------------------------------------------------------------------------


def extract(texts: Sequence[str], *, top: int = 10, min_count: int = 2) -> list[KeyPhrase]:
    """The ``top`` key phrases mentioned by at least ``min_count`` of ``texts``."""
    docs_of: dict[tuple[str, ...], set[int]] = defaultdict(set)
    zh_phrases: set[tuple[str, ...]] = set()
    all_runs: list[list[str]] = []
    for index, text in enumerate(texts):
        lowered = (text or "").lower()
        # all Chinese: one jieba pass over the whole text (its punctuation breaks pairs)
        clauses = ([lowered] if _HAN.search(lowered) and not _LATIN_WORD.search(lowered)
                   else _CLAUSE.split(lowered))
        for clause in clauses:
            if not clause:
                continue
            if _HAN.search(clause):
                cands, _ = _zh_candidates(clause)
                zh_phrases.update(cands)
            else:
                runs = _en_runs(clause)
                all_runs.extend(runs)
                cands = _en_candidates(runs)
            for cand in cands:
                docs_of[cand].add(index)
    rake = _rake_scores(all_runs)
    weights: dict[tuple[str, ...], float] = {}
    for cand, docs in docs_of.items():
        if len(docs) < min_count:
            continue
        if cand in zh_phrases:
            weights[cand] = _zh_weight(cand)
        else:
            weights[cand] = sum(rake.get(w, 1.0) for w in cand if w not in EN_NEGATORS) or 1.0
    # The two weightings have different scales: each language's weights are made to average
    # 1, so a mixed corpus ranks Chinese and English phrases by how often they come up.
    for is_zh in (True, False):
        group = [c for c in weights if (c in zh_phrases) == is_zh]
        mean = sum(weights[c] for c in group) / len(group) if group else 1.0
        for c in group:
            weights[c] /= mean
    ranked = [(len(docs_of[c]) * w, c) for c, w in weights.items()]
    ranked.sort(key=lambda x: (-x[0], -len(docs_of[x[1]]), x[1]))
    chosen: list[KeyPhrase] = []
    chosen_words: list[tuple[set[str], set[int]]] = []
    for score, cand in ranked:
        docs = docs_of[cand]
        words = set(cand)
        if any(((words <= w or w <= words) and len(docs - d) * 2 < len(docs))
               or len(docs - d) * 5 < len(docs) for w, d in chosen_words):
            continue  # (mostly) the same texts as a phrase already chosen: nothing new
        chosen.append(KeyPhrase(_render(cand, cand in zh_phrases), len(docs), round(score, 3),
                                tuple(sorted(docs))))
        chosen_words.append((words, docs))
        if len(chosen) >= top:
            break
    return chosen


def _render(words: tuple[str, ...], zh: bool) -> str:
    return "".join(words) if zh else " ".join(words)


def warm_up() -> Any:
    """Load jieba's dictionary and IDF table (a second or two) before the first request."""
    jieba_tokenizer()
    return jieba_idf()

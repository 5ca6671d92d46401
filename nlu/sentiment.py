"""Lexicon sentiment v0 for Chinese and English, with an anger flag for handoff.

Scores are deliberately conservative: a neutral request must stay neutral, because
"negative" and "angry" route the customer to a human agent. Both lexicons are
applied whatever the detected language, since customers mix them ("垃圾service").
"""

from __future__ import annotations

import math
import re

from nlu.base import Sentiment
from nlu.lexicon import EMOJI, EN, EN_INTENSIFIERS, EN_NEGATORS, ZH, ZH_INTENSIFIERS, Entry

POSITIVE_AT = 0.3
NEGATIVE_AT = -0.3


def _alternation(terms: list[str]) -> str:
    return "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))


_ZH_RX = re.compile(f"(?:{_alternation([*ZH, *EMOJI])})", re.IGNORECASE)
_EN_RX = re.compile(rf"(?<![a-z0-9])(?:{_alternation(list(EN))})(?![a-z0-9])", re.IGNORECASE)
_ZH_NEGATION = re.compile(
    "(?P<neg>不|没有|没|别|未|毫无|从不|从没)(?:太|是很|是太|是|怎么|那么|够|很|大|算|太过)?$"
)
_CLAUSE_END = re.compile(r"[,.;:!?，。；：！？、\n]|\bbut\b", re.IGNORECASE)
_EN_WORD = re.compile(r"[a-z']+", re.IGNORECASE)
_REPEATED_PUNCT = re.compile(r"[!！]{2,}|[?？]{2,}|[?？!！]{3,}")
_LETTER = re.compile(r"[A-Za-z]")
_WORD3 = re.compile(r"[A-Za-z]{2,}")


def _clause_prefix(text: str, start: int, width: int) -> str:
    """The text just before ``start`` within the same clause (negation does not cross commas)."""
    prefix = text[max(0, start - width):start]
    ends = [m.end() for m in _CLAUSE_END.finditer(prefix)]
    return prefix[ends[-1]:] if ends else prefix


def _zh_weight(text: str, start: int, term: str, entry: Entry) -> float:
    weight, negated_weight, _ = entry
    prefix = _clause_prefix(text, start, 6)
    if term[0] in "不没" and len(term) > 1 and prefix.endswith(term[1]):
        return 0.0  # 满不满意: the A-not-A question again, matched from the 不 side
    neg = _ZH_NEGATION.search(prefix) if term[0] not in "不没别" else None
    if neg is not None:
        before = prefix[: neg.start()]
        if neg["neg"] in ("不", "没") and before.endswith(term[0]):
            return 0.0  # 满不满意 / 好不好: a yes-no question, not a judgement
        return negated_weight
    if weight and prefix.endswith(ZH_INTENSIFIERS):
        return weight * 1.5
    return weight


def _en_weight(text: str, start: int, entry: Entry) -> float:
    weight, negated_weight, _ = entry
    words = [w.lower() for w in _EN_WORD.findall(_clause_prefix(text, start, 40))][-3:]
    if any(w in EN_NEGATORS or w.endswith("n't") for w in words):
        return negated_weight
    if weight and words and words[-1] in EN_INTENSIFIERS:
        return weight * 1.5
    return weight


def _shouting(text: str) -> bool:
    letters = _LETTER.findall(text)
    if len(letters) < 6 or len(_WORD3.findall(text)) < 2:
        return False
    upper = sum(1 for ch in letters if ch.isupper())
    return upper >= 0.8 * len(letters)


def analyse(text: str, lang: str | None) -> Sentiment:
    """Score ``text`` from -1 (very negative) to 1; ``anger`` marks insults and fury.

    ``lang`` ("zh", "en", None...) only decides whether ALL CAPS counts as shouting;
    both lexicons always apply.
    """
    if not text or text.isspace():
        return Sentiment("neutral", 0.0, False)
    total = 0.0
    anger = False
    for m in _ZH_RX.finditer(text):
        term = m.group().lower()
        entry = ZH.get(term) or EMOJI[term]
        weight = _zh_weight(text, m.start(), term, entry)
        total += weight
        anger = anger or (entry[2] and weight < 0)
    for m in _EN_RX.finditer(text):
        entry = EN[m.group().lower()]
        weight = _en_weight(text, m.start(), entry)
        total += weight
        anger = anger or (entry[2] and weight < 0)
    shouting = lang != "zh" and _shouting(text)
    bursts = len(_REPEATED_PUNCT.findall(text))
    factor = (1.5 if shouting else 1.0) * (1.0 + 0.25 * min(bursts, 2))
    if shouting and bursts and not total:
        total = -0.4  # "WHERE IS MY MOVER???" is frustration even without a lexicon word
    total *= factor
    score = total / math.sqrt(total * total + 1.0)
    if score <= -0.6 and (shouting or bursts):
        anger = True
    if anger and score > NEGATIVE_AT:
        score = NEGATIVE_AT  # an insult is never neutral, however polite the rest
    label = "positive" if score >= POSITIVE_AT else "negative" if score <= NEGATIVE_AT else "neutral"
    return Sentiment(label, round(score, 4), anger)

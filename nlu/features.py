"""Text normalisation and feature analyzers shared by training and inference.

scikit-learn calls these same functions as its ``analyzer`` when training, and
the pure-Python scorer calls them at parse time, so both see identical features
by construction. Changing anything here changes the model: bump FEATURES_VERSION.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from itertools import pairwise

from nlu.sentiment import analyse

FEATURES_VERSION = 2

_DIGITS = re.compile(r"\d+")
# Han ideographs plus the digit placeholder: "2室1厅" → "0室0厅" shares n-grams with 3室2厅.
_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff0]+")
_WORD = re.compile("[a-z0-9]+(?:'[a-z]+)?|[\u2600-\u27bf\U0001f300-\U0001faff]")
_LATIN_WORD = re.compile("[a-z]+(?:'[a-z]+)?")


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), lower case, every digit run → "0"."""
    return _DIGITS.sub("0", unicodedata.normalize("NFKC", text).lower())


def han_ngrams(norm: str) -> list[str]:
    """Character 1–3-grams inside each run of Chinese characters."""
    grams: list[str] = []
    for run in _HAN_RUN.findall(norm):
        size = len(run)
        for n in (1, 2, 3):
            grams.extend(run[i:i + n] for i in range(size - n + 1))
    return grams


def word_ngrams(norm: str) -> list[str]:
    """English word unigrams and bigrams (emoji count as words)."""
    words = _WORD.findall(norm)
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def char_wb_ngrams(norm: str) -> list[str]:
    """Character 2–4-grams inside space-padded Latin words (sklearn's ``char_wb``), for typos."""
    grams: list[str] = []
    for word in _LATIN_WORD.findall(norm):
        padded = f" {word} "
        size = len(padded)
        for n in (2, 3, 4):
            if size <= n:
                grams.append(padded)
                break
            grams.extend(padded[i:i + n] for i in range(size - n + 1))
    return grams


def sentiment_tokens(norm: str) -> list[str]:
    """The lexicon's verdict as tokens: praise and complaints share most other words."""
    verdict = analyse(norm, None)
    tokens = [f"lex:{verdict.label}"] if verdict.label != "neutral" else []
    if verdict.anger:
        tokens.append("lex:anger")
    return tokens


#: (block name, analyzer, weight in the feature union). Each block is l2-normalised
#: on its own, so the weight sets how much words count against character n-grams.
BLOCKS: tuple[tuple[str, Callable[[str], list[str]], float], ...] = (
    ("han", han_ngrams, 1.0),
    ("word", word_ngrams, 1.0),
    ("char", char_wb_ngrams, 0.6),
    ("lex", sentiment_tokens, 1.0),
)

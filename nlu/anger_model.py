"""A trained English anger detector used alongside the lexicon's anger flag.

The lexicon (:mod:`nlu.sentiment`) flags insults and fury with high precision but misses
most annoyance ("are you kidding me", "this is getting old"). This model — the intent
machinery's TF-IDF word + character n-grams plus the lexicon's own verdict tokens, logistic
regression, pure-Python scoring — is trained on labelled comments (GoEmotions anger or
annoyance) and raises the flag when P(anger) reaches a threshold chosen by 5-fold
cross-validation on the training rows alone: the best F1 of the combined flag among the
thresholds that keep its precision at least the lexicon's.

It never overrules the lexicon on praise: a message the lexicon scores positive is not
flagged, a two-word answer needs a near-certain model, and the handoff logic still needs
a strongly negative score besides the flag, so a mild "no" / "不要" cannot look angry
(``tests/test_nlu_anger.py``).
"""

from __future__ import annotations

import functools
import gzip
import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu import classifier
from nlu.base import Sentiment
from nlu.dataset import DATA_DIR
from nlu.evaluate import binary

ANGER, OTHER = "anger", "other"
#: Chosen by 5-fold CV on GoEmotions dev (the training rows here): C in 1/3/10, with and
#: without character n-grams; C=10 with word + char + lexicon tokens was best (F1 0.44).
HYPERPARAMS: dict[str, Any] = {"C": 10.0}
#: (The pinyin and word-vector blocks came later, for intents; the shipped model has neither.)
WEIGHTS: dict[str, float] = {"han": 0.0, "zhw": 0.0, "py": 0.0, "concept": 0.0, "vec": 0.0}
#: Features seen in a single text are dropped: 73 k features (41 MB in memory) become
#: about a third, with the same CV F1 (bench/README.md).
MIN_DF = 2
#: The shipped model (trained by ``careline nlu eval goemotions --save``).
SHIPPED = DATA_DIR / "anger_en.json.gz"
#: A message of at most SHORT_WORDS words is mostly an answer ("hell no", "no way"): the
#: model must then be at least SHORT_AT sure ("I'm offended" 0.92, "hell no" 0.63).
SHORT_WORDS = 2
SHORT_AT = 0.9
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@dataclass(frozen=True, slots=True)
class AngerChoice:
    threshold: float
    f1: float
    precision: float
    recall: float
    rows: int


class AngerModel:
    """P(anger) for one text, and the combined flag with the lexicon's verdict."""

    def __init__(self, model: classifier.IntentModel, threshold: float) -> None:
        if set(model.classes) != {ANGER, OTHER}:
            raise ValueError(f"expected classes anger/other, got {model.classes}")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {threshold!r}")
        self.model = model
        self.threshold = threshold
        self._anger = model.classes.index(ANGER)

    def probability(self, text: str) -> float:
        return self.model.predict_proba(text)[self._anger]

    def flag(self, text: str, lexicon: Sentiment) -> bool:
        """The lexicon's flag, or the model's when the lexicon does not call it praise."""
        if lexicon.anger:
            return True
        if lexicon.label == "positive":
            return False
        return _raised(self.probability(text), _short(text), self.threshold)


    def to_json(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "model": self.model.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AngerModel:
        return cls(classifier.IntentModel.from_json(data["model"]), float(data["threshold"]))

    def save(self, path: Path) -> None:
        """Gzipped JSON with 4 decimals (a tenth of the size; no decision changes measurably)."""
        data = self.to_json()
        for block in data["model"]["blocks"]:
            block["features"] = {f: [round(x, 4) for x in v] for f, v in block["features"].items()}
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        path.write_bytes(gzip.compress(raw, mtime=0))


def _short(text: str) -> bool:
    return len(_WORD.findall(text)) <= SHORT_WORDS


def _raised(p: float, short: bool, threshold: float) -> bool:
    return p >= (max(threshold, SHORT_AT) if short else threshold)


@functools.lru_cache(maxsize=4)
def load_shipped(path: Path = SHIPPED) -> AngerModel | None:
    """The shipped model (loaded once per process; it is immutable), or None when the file
    is absent or unreadable."""
    try:
        return AngerModel.from_json(json.loads(gzip.decompress(path.read_bytes())))
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        return None


def _fit(rows: Sequence[tuple[str, bool]]) -> classifier.IntentModel:
    return classifier.train([(t, ANGER if y else OTHER) for t, y in rows],
                            hyperparams=HYPERPARAMS, weights=WEIGHTS, min_df=MIN_DF)


def train_anger(
    rows: Sequence[tuple[str, bool]], *, lexicon: Callable[[str], Sentiment],
    calm: Sequence[str] = (), seed: int = 0, folds: int = 5,
    progress: Callable[[str], None] | None = None,
) -> tuple[AngerModel, AngerChoice]:
    """Train on ``(text, is_angry)`` rows; the threshold comes from ``folds``-fold CV on
    these rows: the best F1 of the combined flag whose precision is at least the lexicon's
    alone (more recall, never more false alarms per flag), then the model is refitted on all.
    ``calm`` texts (our customers' requests, answers and praise) join every training fold
    as not angry, so Reddit's idea of annoyance does not spill onto "no no" or "how much";
    they are never scored in the cross-validation.
    Pass training rows only: test rows must never reach this function."""
    say = progress or (lambda _msg: None)
    if len({y for _, y in rows}) < 2:
        raise ValueError("anger training needs angry and other rows")
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    scored: list[tuple[float, bool, Sentiment, bool]] = []
    for fold in range(folds):
        say(f"anger: cross-validation fold {fold + 1}/{folds}")
        fit = [rows[i] for k, i in enumerate(order) if k % folds != fold]
        held = [rows[i] for k, i in enumerate(order) if k % folds == fold]
        probe = AngerModel(_fit(fit + [(t, False) for t in calm]), 0.5)
        scored += [(probe.probability(t), y, lexicon(t), _short(t)) for t, y in held]
    floor = binary((y, lex.anger) for _, y, lex, _ in scored).precision
    best = AngerChoice(0.99, 0.0, 0.0, 0.0, len(scored))
    for step in range(10, 99):
        cut = step / 100
        score = binary((y, lex.anger or (lex.label != "positive" and _raised(p, short, cut)))
                       for p, y, lex, short in scored)
        if score.precision >= floor and score.f1 > best.f1:
            best = AngerChoice(cut, score.f1, score.precision, score.recall, len(scored))
    say(f"anger: threshold {best.threshold:.2f} (CV F1 {best.f1:.3f}); refitting on {len(rows)} rows")
    return AngerModel(_fit([*rows, *((t, False) for t in calm)]), best.threshold), best

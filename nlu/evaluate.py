"""Intent evaluation: accuracy, macro-F1, per-intent scores, confusion (``careline nlu eval``)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlu.base import NLU


@dataclass(frozen=True, slots=True)
class ClassScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Report:
    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassScore]
    #: confusion[expected][predicted] = count
    confusion: dict[str, dict[str, int]]
    total: int
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (text, expected, got)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "total": self.total,
            "per_class": {
                name: {"precision": round(s.precision, 4), "recall": round(s.recall, 4),
                       "f1": round(s.f1, 4), "support": s.support}
                for name, s in self.per_class.items()
            },
            "confusion": self.confusion,
            "errors": [{"text": t, "expected": e, "predicted": p} for t, e, p in self.errors],
        }

    def format(self, max_errors: int | None = None) -> str:
        """A plain-text table for terminals (all errors, or the first ``max_errors``)."""
        width = max([6, *(len(n) for n in self.per_class)])
        lines = [f"accuracy {self.accuracy:.3f}   macro-F1 {self.macro_f1:.3f}   n={self.total}", "",
                 f"{'intent':<{width}} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}"]
        for name, s in self.per_class.items():
            lines.append(f"{name:<{width}} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:5d}")
        shown = self.errors if max_errors is None else self.errors[:max_errors]
        if shown:
            lines += ["", "errors (expected → predicted):"]
            lines += [f"  {e} → {p}: {t}" for t, e, p in shown]
            if len(shown) < len(self.errors):
                lines.append(f"  ... and {len(self.errors) - len(shown)} more")
        return "\n".join(lines)

    def top_confusions(self, n: int = 20) -> list[tuple[str, str, int]]:
        """The ``n`` most frequent (expected, predicted, count) mistakes, most first."""
        pairs = [(e, p, c) for e, row in self.confusion.items() for p, c in row.items() if p != e]
        return sorted(pairs, key=lambda x: (-x[2], x[0], x[1]))[:n]

    def confusion_table(self) -> str:
        """Expected (rows) x predicted (columns) counts; columns are numbered to stay narrow."""
        labels = sorted(set(self.confusion) | {p for row in self.confusion.values() for p in row})
        width = max(len(x) for x in labels) if labels else 6
        cell = max(3, len(str(max((c for r in self.confusion.values() for c in r.values()),
                                     default=0))) + 1)
        head = " " * (width + 5) + "".join(f"{i:>{cell}}" for i in range(len(labels)))
        lines = ["confusion (rows: expected, columns: predicted)", head]
        for i, name in enumerate(labels):
            row = self.confusion.get(name, {})
            cells = "".join(f"{row.get(p, 0) or '.':>{cell}}" for p in labels)
            lines.append(f"{i:>3}  {name:<{width}}{cells}")
        return "\n".join(lines)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def evaluate(nlu: NLU, examples: Sequence[tuple[str, str]]) -> Report:
    """Parse every ``(text, expected_intent)`` and score the predicted intents.

    Macro-F1 averages over the intents that occur as expected labels, so an engine
    is not rewarded or punished for intents the dataset does not test.
    """
    return score([(text, expected, nlu.parse(text).intent.name) for text, expected in examples])


def score(predictions: Sequence[tuple[str, str, str]]) -> Report:
    """The :class:`Report` of ``(text, expected, predicted)`` triples from any classifier."""
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[tuple[str, str, str]] = []
    correct = 0
    for text, expected, got in predictions:
        confusion[expected][got] += 1
        if got == expected:
            correct += 1
        else:
            errors.append((text, expected, got))
    per_class: dict[str, ClassScore] = {}
    for name in sorted(confusion):
        tp = confusion[name].get(name, 0)
        support = sum(confusion[name].values())
        predicted = sum(row.get(name, 0) for row in confusion.values())
        precision, recall = _ratio(tp, predicted), _ratio(tp, support)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = ClassScore(precision, recall, f1, support)
    macro = sum(s.f1 for s in per_class.values()) / len(per_class) if per_class else 0.0
    return Report(
        accuracy=_ratio(correct, len(predictions)),
        macro_f1=macro,
        per_class=per_class,
        confusion={e: dict(row) for e, row in sorted(confusion.items())},
        total=len(predictions),
        errors=errors,
    )


@dataclass(frozen=True, slots=True)
class BinaryScore:
    """Precision/recall/F1 of one flag (e.g. anger) against gold labels."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return _ratio(self.tp + self.tn, self.tp + self.fp + self.fn + self.tn)

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "accuracy": round(self.accuracy, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn}


def binary(pairs: Iterable[tuple[bool, bool]]) -> BinaryScore:
    """Score ``(expected, predicted)`` flags."""
    counts = {(True, True): 0, (False, True): 0, (True, False): 0, (False, False): 0}
    for expected, got in pairs:
        counts[(bool(expected), bool(got))] += 1
    return BinaryScore(counts[(True, True)], counts[(False, True)], counts[(True, False)],
                       counts[(False, False)])


def holdout_split(
    data: Sequence[tuple[str, str]], ratio: float = 0.2, seed: int = 0
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Split ``(text, intent)`` pairs into (train, test), stratified per intent.

    ``ratio`` is the test share; each intent with at least two examples keeps at
    least one on each side. The same seed always gives the same split.
    """
    if not 0.0 < ratio < 1.0:
        raise ValueError(f"ratio must be between 0 and 1, got {ratio!r}")
    rng = random.Random(seed)
    by_intent: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pair in data:
        by_intent[pair[1]].append(pair)
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for intent in sorted(by_intent):
        group = by_intent[intent][:]
        rng.shuffle(group)
        n_test = round(len(group) * ratio)
        n_test = min(max(n_test, 1), len(group) - 1) if len(group) >= 2 else 0
        test.extend(group[:n_test])
        train.extend(group[n_test:])
    return train, test

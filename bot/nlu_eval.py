"""``careline nlu eval DATASET``: score the NLU on a labelled file, with progress and a chart."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from nlu.base import NLU, ParseResult

BAR = 30


class _Progress:
    """Wraps an NLU to show how far a long evaluation has got (on stderr)."""

    def __init__(self, nlu: NLU, total: int) -> None:
        self.nlu, self.total, self.done = nlu, total, 0
        self.step = max(1, total // 50)

    def parse(self, text: str, **kwargs: Any) -> ParseResult:
        self.done += 1
        if self.done % self.step == 0 or self.done == self.total:
            filled = BAR * self.done // self.total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {self.done}/{self.total}")
            if self.done == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        return self.nlu.parse(text, **kwargs)


def f1_chart(per_class: dict[str, Any]) -> str:
    """Per-intent F1 as horizontal bars, worst first, so weak intents stand out."""
    rows = sorted(per_class.items(), key=lambda kv: kv[1].f1)
    width = max((len(name) for name, _ in rows), default=6)
    return "\n".join(f"{name:<{width}} {'█' * round(s.f1 * BAR):<{BAR}} {s.f1:.2f}"
                     for name, s in rows)


def run_eval(path: Path) -> int:
    from nlu.builtin import default_nlu
    from nlu.dataset import DataError, load_dataset
    from nlu.evaluate import evaluate

    if not path.exists():
        print(f"careline: {path} does not exist", file=sys.stderr)
        return 2
    try:
        examples = load_dataset(path)
    except DataError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    if not examples:
        print(f"careline: {path} has no labelled examples", file=sys.stderr)
        return 2
    report = evaluate(_Progress(default_nlu(), len(examples)), examples)
    print(report.format())
    print("\nF1 per intent (worst first):")
    print(f1_chart(report.per_class))
    return 0

"""``python -m bench.nlu_rasa --rasa-url URL``: the built-in NLU and a Rasa server, side by side.

Both engines get the same held-out examples; the report gives accuracy, macro-F1 and parse
latency p50/p99 for each (Rasa's over HTTP, as Careline would call it) and the ratios.

Splits (``--split``):
  own        our shipped data, 80/20 per language and intent with near-duplicates kept on
             one side (``nlu.train.own_split``, seed 0); the built-in engine is trained on the 80 %
  banking77  BANKING77 test from ``$CARELINE_EVALDATA_DIR`` or ``../shared/evaldata``, the
             built-in trained on its train.csv (no keyword rules, no out-of-scope threshold);
             skipped with a note when the files are absent

The Rasa model behind ``--rasa-url`` must be trained on the same training part:
``--export-train DIR`` writes it as Rasa projects (``DIR/own``, ``DIR/banking77``). Rasa is never a
dependency; without ``--rasa-url`` this prints how to run one beside ours and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nlu.base import NLU, ParseResult

REPO = Path(__file__).resolve().parent.parent
Pairs = list[tuple[str, str]]

HOW_TO_RUN_RASA = """\
No --rasa-url given: nothing to compare. To run Rasa beside Careline (never a dependency):

  python -m bench.nlu_rasa --export-train /tmp/rasa-eval      # the training parts, as Rasa data
  pyenv install -s 3.10 && ~/.pyenv/versions/3.10*/bin/python -m venv /tmp/rasa-venv
  /tmp/rasa-venv/bin/pip install rasa==3.6.21                   # ~190 s, 2.7 GB; Python < 3.11
  cd /tmp/rasa-eval/own && /tmp/rasa-venv/bin/rasa train nlu
  /tmp/rasa-venv/bin/rasa run --enable-api -i 127.0.0.1 -p 5005  # ~60 s to ready
  python -m bench.nlu_rasa --rasa-url http://127.0.0.1:5005 --split own

(for --split banking77, train in /tmp/rasa-eval/banking77 instead; see shared/PEERS.md)"""


class Timed:
    """An NLU wrapper that records each parse's wall time."""

    def __init__(self, nlu: NLU) -> None:
        self.nlu = nlu
        self.seconds: list[float] = []

    def parse(self, text: str, *, now: datetime | None = None) -> ParseResult:
        start = time.perf_counter()
        try:
            return self.nlu.parse(text, now=now)
        finally:
            self.seconds.append(time.perf_counter() - start)


@dataclass
class Score:
    accuracy: float
    macro_f1: float
    p50_ms: float
    p99_ms: float


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def measure(nlu: NLU, test: Pairs) -> Score:
    from nlu.evaluate import evaluate

    if test:
        nlu.parse(test[0][0])  # warm-up: connection set-up and lazy loading are not a parse
    timed = Timed(nlu)
    report = evaluate(timed, test)
    return Score(report.accuracy, report.macro_f1, percentile(timed.seconds, 0.5) * 1000,
                 percentile(timed.seconds, 0.99) * 1000)


def own_split() -> tuple[Pairs, Pairs]:
    from nlu.train import own_split as split

    train, tests, _ = split(seed=0)
    return train, [pair for lang in sorted(tests) for pair in tests[lang]]


def banking77_dir() -> Path:
    env = os.environ.get("CARELINE_EVALDATA_DIR")
    return (Path(env) if env else REPO.parent / "shared" / "evaldata") / "banking77"


def read_banking77(name: str) -> Pairs:
    with (banking77_dir() / name).open(encoding="utf-8", newline="") as fh:
        return [(row["text"].strip(), row["category"].strip()) for row in csv.DictReader(fh)]


def splits(names: Sequence[str]) -> dict[str, tuple[Pairs, Pairs]]:
    out: dict[str, tuple[Pairs, Pairs]] = {}
    for name in names:
        if name == "own":
            out[name] = own_split()
        elif (banking77_dir() / "test.csv").exists():
            out[name] = (read_banking77("train.csv"), read_banking77("test.csv"))
        else:
            print(f"banking77: skipped, {banking77_dir()} has no test.csv "
                  "(set CARELINE_EVALDATA_DIR)")
    return out


def export_train(out: Path, data: dict[str, tuple[Pairs, Pairs]]) -> None:
    from bot.nlu_rasa_cli import shipped_examples
    from nlu.rasa_format import Examples, export_rasa

    lang_of = {t: lg for lg, by in shipped_examples().items() for ts in by.values() for t in ts}
    for name, (train, _) in data.items():
        examples: Examples = {}
        for text, intent in train:
            lang = lang_of.get(text, "en") if name == "own" else "en"
            examples.setdefault(lang, {}).setdefault(intent, []).append(text)
        export_rasa(examples, out / name)
        print(f"{name}: {len(train)} training examples written to {out / name}")


def builtin_for(name: str, train: Pairs, scratch: Path) -> NLU:
    from nlu.builtin import BuiltinNLU

    if name == "own":
        return BuiltinNLU(examples=train)
    # A foreign label set: no Careline keyword rules, and every message gets an intent.
    return BuiltinNLU(data_dir=scratch, examples=train, threshold=0.0)


def report(name: str, n_train: int, test: Pairs, builtin: Score, rasa: Score) -> str:
    rows = [f"== {name}: {len(test)} test examples (built-in trained on {n_train}) ==",
            f"{'engine':<10} {'accuracy':>9} {'macro-F1':>9} {'p50 ms':>8} {'p99 ms':>8}"]
    for label, s in (("built-in", builtin), ("rasa", rasa)):
        rows.append(f"{label:<10} {s.accuracy:9.3f} {s.macro_f1:9.3f} {s.p50_ms:8.2f} {s.p99_ms:8.2f}")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b else "n/a"

    rows.append(f"built-in/rasa: accuracy {ratio(builtin.accuracy, rasa.accuracy)}, macro-F1 "
                f"{ratio(builtin.macro_f1, rasa.macro_f1)}; rasa/built-in latency: p50 "
                f"{ratio(rasa.p50_ms, builtin.p50_ms)}x, p99 {ratio(rasa.p99_ms, builtin.p99_ms)}x")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.nlu_rasa", description=__doc__.splitlines()[0])
    p.add_argument("--rasa-url", help="base URL of a Rasa server started with --enable-api")
    p.add_argument("--split", choices=["own", "banking77", "both"], default="own")
    p.add_argument("--export-train", type=Path, metavar="DIR",
                   help="write the training parts as Rasa projects and exit")
    p.add_argument("--limit", type=int, default=0, help="use only N test examples (smoke runs)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per Rasa call (10)")
    args = p.parse_args(argv)
    names = ["own", "banking77"] if args.split == "both" else [args.split]
    if args.export_train is None and not args.rasa_url:
        print(HOW_TO_RUN_RASA)
        return 0
    data = splits(names)
    if args.export_train is not None:
        export_train(args.export_train, data)
        return 0

    from nlu.rasa import RasaError, RasaHTTPNLU

    try:
        rasa = RasaHTTPNLU(args.rasa_url, timeout=args.timeout)
    except RasaError as exc:
        print(f"bench.nlu_rasa: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch, rasa:
        for name, (train, test) in data.items():
            if args.limit > 0:
                test = test[:: max(1, len(test) // args.limit)][: args.limit]
            try:
                rasa_score = measure(rasa, test)
            except RasaError as exc:
                print(f"bench.nlu_rasa: {exc}", file=sys.stderr)
                return 1
            builtin = builtin_for(name, train, Path(scratch))
            print(report(name, len(train), test, measure(builtin, test), rasa_score), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

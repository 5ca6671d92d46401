"""``careline nlu eval DATASET`` and ``careline nlu train``: scores, tables and console charts.

DATASET is a labelled file (CSV/TSV ``text,intent`` or our YAML; scored with the
default engine) or one of :data:`NAMED`: ``own`` (held-out split of the shipped
data), ``banking77``, ``waimai`` and ``goemotions`` (read from ``../shared/evaldata``
or ``$CARELINE_EVALDATA_DIR``). Progress goes to stderr, results to stdout; exit 2
when the data is missing or malformed.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot.cli_args import Progress as CliProgress
from nlu.evaluate import BinaryScore, ClassScore, Report
from nlu.train import Progress

BAR = 30
NAMED = ("own", "banking77", "waimai", "goemotions")
#: Acceptance targets (the NLU issue); printed next to the measured figures.
TARGETS = {"own_accuracy": 0.95, "banking77_accuracy": 0.90, "waimai_accuracy": 0.88,
           "waimai_negative_recall": 0.90}
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, width: int = BAR) -> str:
    """``value`` in [0, 1] as a bar of ``width`` cells with 1/8-cell resolution."""
    eighths = round(max(0.0, min(1.0, value)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(width)


def chart(rows: Mapping[str, float], *, target: float | None = None) -> str:
    """Labelled bars, in the given order; ``target`` adds a PASS/FAIL mark per row."""
    width = max((len(k) for k in rows), default=6)
    lines = []
    for name, value in rows.items():
        mark = "" if target is None else ("  ok" if value >= target else f"  < {target:.2f}")
        lines.append(f"{name:<{width}} {bar(value)} {value:.3f}{mark}")
    return "\n".join(lines)


def f1_chart(per_class: Mapping[str, ClassScore]) -> str:
    """Per-class F1 as horizontal bars, worst first, so weak classes stand out."""
    return chart(dict(sorted(((n, s.f1) for n, s in per_class.items()), key=lambda kv: kv[1])))


class StderrProgress(Progress):
    """Stage lines and a ``[####....] done/total`` bar on stderr: redrawn in place on a
    terminal, milestones only (each 25 %, the end) in a log (:class:`bot.cli_args.Progress`)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self._bars = CliProgress(self.stream)
        self._stage = ""

    def stage(self, message: str) -> None:
        self._bars.finish()
        self._stage = message
        self.stream.write(f"[{time.perf_counter() - self.started:6.1f}s] {message}\n")
        self.stream.flush()

    def tick(self, done: int, total: int) -> None:
        filled = BAR * done // max(total, 1)
        self._bars.show(self._stage, done, total, f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}")
        if done >= total:
            self._bars.finish()


def _verdict(value: float, target: float) -> str:
    return f"{value:.3f} (target ≥ {target:.2f}: {'PASS' if value >= target else 'FAIL'})"


def print_report(report: Report, title: str, *, max_errors: int = 20) -> None:
    """Table, confusion (a matrix up to 20 classes, else the top-20 confused pairs), chart."""
    print(f"\n== {title} ==")
    print(report.format(max_errors=max_errors))
    print()
    if len(report.per_class) <= 20:
        print(report.confusion_table())
    else:
        print("most confused pairs (expected → predicted: count):")
        for expected, got, count in report.top_confusions(20):
            print(f"  {count:4d}  {expected} → {got}")
    print("\nF1 per intent (worst first):")
    print(f1_chart(report.per_class))


# -- the named evaluations ---------------------------------------------------------------------


def _eval_own(seed: int, progress: Progress) -> dict[str, Any]:
    from nlu.embeddings import requested
    from nlu.train import evaluate_own

    result = evaluate_own(seed=seed, progress=progress)
    extra = " + embeddings" if requested() else ""
    for lang, report in result.per_lang.items():
        print_report(report, f"own data{extra}, held-out {lang} (seed {seed}, 20 % per intent)")
    print(f"\ntrained on {result.n_train} examples in {result.train_seconds:.1f} s"
          + (f"; {result.dropped} held-out near-duplicates of training texts were dropped"
             if result.dropped else "; no held-out text is a near-duplicate of a training one"))
    print("\nheld-out accuracy per language:")
    print(chart({lang: r.accuracy for lang, r in result.per_lang.items()},
                target=TARGETS["own_accuracy"]))
    return {"per_lang": {lang: r.to_dict() for lang, r in result.per_lang.items()},
            "train_seconds": round(result.train_seconds, 2), "n_train": result.n_train,
            "ok": all(r.accuracy >= TARGETS["own_accuracy"] for r in result.per_lang.values())}


def _eval_banking77(seed: int, progress: Progress) -> dict[str, Any]:
    from nlu.train import evaluate_banking77

    result = evaluate_banking77(seed=seed, progress=progress)
    print_report(result.report, "Banking77 test (trained on Banking77 train)", max_errors=0)
    print(f"\ntraining: {result.n_train} rows in {result.train_seconds:.1f} s, "
          f"peak RSS {result.peak_rss_mb:.0f} MB")
    print("accuracy " + _verdict(result.report.accuracy, TARGETS["banking77_accuracy"]))
    print(chart({"careline": result.report.accuracy, "Rasa DIET (PEERS)": 0.891,
                 "sklearn LR (PEERS)": 0.913}))
    return {"report": result.report.to_dict(), "train_seconds": round(result.train_seconds, 2),
            "peak_rss_mb": round(result.peak_rss_mb, 1),
            "ok": result.report.accuracy >= TARGETS["banking77_accuracy"]}


def _eval_waimai(seed: int, progress: Progress) -> dict[str, Any]:
    from nlu.train import evaluate_waimai

    result = evaluate_waimai(seed=seed, progress=progress)
    v = result.validation
    print_report(result.trained, f"waimai_10k held-out, trained model (seed {seed})", max_errors=10)
    print(f"\nthreshold P(negative) ≥ {v.threshold:.2f}, chosen on {v.rows} validation rows of the "
          f"training part (val accuracy {v.accuracy:.3f}, negative recall {v.negative_recall:.3f}); "
          f"trained on {result.n_train} rows in {result.train_seconds:.1f} s")
    print_report(result.lexicon, "waimai_10k held-out, shipped lexicon (no training)", max_errors=10)
    neg, lex_neg = result.trained.per_class["negative"], result.lexicon.per_class["negative"]
    print("\n" + "\n".join([
        "trained accuracy        " + _verdict(result.trained.accuracy, TARGETS["waimai_accuracy"]),
        "trained negative recall " + _verdict(neg.recall, TARGETS["waimai_negative_recall"]),
        f"lexicon accuracy {result.lexicon.accuracy:.3f}, negative recall {lex_neg.recall:.3f}"]))
    print(chart({"trained accuracy": result.trained.accuracy, "trained neg. recall": neg.recall,
                 "lexicon accuracy": result.lexicon.accuracy, "lexicon neg. recall": lex_neg.recall}))
    return {"trained": result.trained.to_dict(), "lexicon": result.lexicon.to_dict(),
            "threshold": v.threshold, "validation": {"accuracy": v.accuracy,
                                                     "negative_recall": v.negative_recall},
            "train_seconds": round(result.train_seconds, 2),
            "ok": result.trained.accuracy >= TARGETS["waimai_accuracy"]
            and neg.recall >= TARGETS["waimai_negative_recall"]}


def _flag_table(title: str, a: BinaryScore) -> None:
    print(f"\n-- {title} --\nprecision {a.precision:.3f}   recall {a.recall:.3f}   F1 {a.f1:.3f}   "
          f"accuracy {a.accuracy:.3f}")
    print(f"{'':>14}{'flagged':>9}{'not':>7}\n{'angry':>14}{a.tp:9d}{a.fn:7d}\n"
          f"{'not angry':>14}{a.fp:9d}{a.tn:7d}")


def _eval_goemotions(seed: int, progress: Progress) -> dict[str, Any]:
    from nlu.train import evaluate_goemotions

    result = evaluate_goemotions(progress=progress)
    print(f"\n== GoEmotions test: anger flag vs anger/annoyance ({result.positives} of "
          f"{result.rows} comments) ==")
    _flag_table("lexicon alone", result.anger)
    bars = {"lexicon precision": result.anger.precision, "lexicon recall": result.anger.recall,
            "lexicon F1": result.anger.f1}
    out: dict[str, Any] = {"anger": result.anger.to_dict(), "rows": result.rows,
                           "positives": result.positives}
    if result.combined is not None and result.choice is not None:
        c = result.choice
        _flag_table(f"lexicon + model trained on {result.n_train} dev comments "
                    f"(P(anger) ≥ {c.threshold:.2f}, chosen by 5-fold CV on dev: F1 {c.f1:.3f})",
                    result.combined)
        bars.update({"+model precision": result.combined.precision,
                     "+model recall": result.combined.recall, "+model F1": result.combined.f1})
        out.update({"combined": result.combined.to_dict(), "threshold": c.threshold,
                    "train_rows": result.n_train, "train_seconds": round(result.train_seconds, 1)})
    print()
    print(chart(bars))
    missed = [t for t, e, _ in result.errors if e][:5]
    wrong = [t for t, e, _ in result.errors if not e][:5]
    print("\nmissed (angry, not flagged):\n" + "\n".join(f"  {t[:100]}" for t in missed))
    print("false alarms:\n" + "\n".join(f"  {t[:100]}" for t in wrong))
    return out


_RUNNERS: dict[str, Callable[[int, Progress], dict[str, Any]]] = {
    "own": _eval_own, "banking77": _eval_banking77, "waimai": _eval_waimai,
    "goemotions": _eval_goemotions,
}


def _eval_file(path: Path) -> dict[str, Any] | int:
    from nlu.builtin import default_nlu
    from nlu.dataset import DataError, load_dataset
    from nlu.evaluate import score

    if not path.exists():
        print(f"careline: {path} does not exist (or name one of: {', '.join(NAMED)})",
              file=sys.stderr)
        return 2
    try:
        examples = load_dataset(path)
    except DataError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    if not examples:
        print(f"careline: {path} has no labelled examples", file=sys.stderr)
        return 2
    progress = StderrProgress()
    nlu = default_nlu()
    predictions = []
    for i, (text, expected) in enumerate(examples, start=1):
        predictions.append((text, expected, nlu.parse(text).intent.name))
        progress.tick(i, len(examples))
    report = score(predictions)
    print_report(report, f"{path} (default engine)", max_errors=50)
    return {"report": report.to_dict()}


def run_eval(dataset: str | Path, *, seed: int = 0, json_out: Path | None = None) -> int:
    """Evaluate on a labelled file or a named dataset; 0 when done, 2 when data is missing."""
    from nlu.dataset import DataError
    from nlu.evaldata import DatasetMissing

    name = str(dataset)
    started = time.perf_counter()
    result: dict[str, Any] | int
    if name in _RUNNERS:
        try:
            result = _RUNNERS[name](seed, StderrProgress())
        except DatasetMissing as exc:
            print(f"careline: skipped, dataset missing: {exc}", file=sys.stderr)
            return 2
        except DataError as exc:
            print(f"careline: {exc}", file=sys.stderr)
            return 2
    else:
        result = _eval_file(Path(dataset))
    if isinstance(result, int):
        return result
    if json_out is not None:
        payload = {"dataset": name, "seed": seed,
                   "seconds": round(time.perf_counter() - started, 2), **result}
        json_out.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def run_train(data_dir: Path | None = None) -> int:
    """``careline nlu train``: train from the YAML, write the cache, report counts and
    held-out accuracy per language; 2 when the data is missing or malformed."""
    from nlu.dataset import DATA_DIR, DataError
    from nlu.train import evaluate_own, train_default

    data_dir = data_dir or DATA_DIR
    progress = StderrProgress()
    try:
        trained = train_default(data_dir, progress=progress)
        progress.stage("scoring a held-out split (seed 0) with a second model")
        held_out = evaluate_own(data_dir, progress=progress)
    except (DataError, OSError) as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    intents = sorted({i for counts in trained.counts.values() for i in counts})
    langs = sorted(trained.counts)
    print(f"examples per intent in {data_dir}:")
    print(f"{'intent':<16}" + "".join(f"{lang:>6}" for lang in langs))
    for intent in intents:
        print(f"{intent:<16}" + "".join(f"{trained.counts[lang][intent]:>6}" for lang in langs))
    print(f"{'total':<16}" + "".join(f"{sum(trained.counts[lang].values()):>6}" for lang in langs))
    features = sum(len(b.features) for b in trained.model.blocks)
    print(f"\ntrained in {trained.seconds:.1f} s: {len(trained.model.classes)} intents, "
          f"{features} features")
    print(f"cache: {trained.cache_file}" if trained.cache_file else
          "cache: not written (directory not writable); the engine will train at start-up")
    print("\nheld-out accuracy per language (80/20 split, seed 0):")
    print(chart({lang: r.accuracy for lang, r in held_out.per_lang.items()},
                target=TARGETS["own_accuracy"]))
    return 0


def run_train_anger() -> int:
    """``careline nlu train --anger``: retrain the English anger model on GoEmotions dev,
    score it on test, write ``nlu/data/anger_en.json.gz``; 2 when the data is missing."""
    from nlu.anger_model import SHIPPED
    from nlu.evaldata import DatasetMissing
    from nlu.train import train_shipped_anger

    try:
        result = train_shipped_anger(progress=StderrProgress())
    except DatasetMissing as exc:
        print(f"careline: dataset missing: {exc}", file=sys.stderr)
        return 2
    assert result.combined is not None
    print(f"anger model written to {SHIPPED} ({SHIPPED.stat().st_size // 1024} KiB)")
    _flag_table("GoEmotions test, lexicon alone", result.anger)
    _flag_table("GoEmotions test, lexicon + model", result.combined)
    return 0

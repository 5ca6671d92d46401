"""Loaders for the public evaluation datasets kept OUTSIDE the repository.

The data lives in ``../shared/evaldata`` next to the checkout, or wherever
``$CARELINE_EVALDATA_DIR`` points; it is read in place and never copied into the
repo (nor is any model trained on it). A missing dataset raises
:class:`DatasetMissing`, whose message names the path and the variable, so callers
can skip with that message. Formats are described in each dataset's ``SOURCE.txt``.
"""

from __future__ import annotations

import csv
import json
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from nlu.dataset import DataError

ENV_VAR = "CARELINE_EVALDATA_DIR"
#: ``../shared/evaldata`` relative to the repository root.
DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "evaldata"
NAMES = ("banking77", "waimai", "goemotions")
#: GoEmotions labels that count as "angry" for the anger flag.
ANGER_LABELS = frozenset({"anger", "annoyance"})

Pairs = list[tuple[str, str]]


class DatasetMissing(FileNotFoundError):
    """An evaluation dataset is not where we look for it."""

    def __init__(self, dataset: str, path: Path) -> None:
        self.dataset, self.path = dataset, path
        super().__init__(
            f"{dataset}: {path} not found. Evaluation data is read from {DEFAULT_DIR} "
            f"or from the directory in ${ENV_VAR} (currently "
            f"{os.environ.get(ENV_VAR) or 'unset'}); it is never copied into the repository.")


def evaldata_dir() -> Path:
    """``$CARELINE_EVALDATA_DIR`` when set, else ``../shared/evaldata`` beside the repo."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DIR


def _file(dataset: str, root: Path | None, *parts: str) -> Path:
    path = (root or evaldata_dir()).joinpath(*parts)
    if not path.is_file():
        raise DatasetMissing(dataset, path)
    return path


def available(dataset: str, root: Path | None = None) -> bool:
    """Whether :func:`load` would find ``dataset`` (one of :data:`NAMES`)."""
    try:
        for parts in _REQUIRED[dataset]:
            _file(dataset, root, *parts)
    except DatasetMissing:
        return False
    return True


def _csv_rows(path: Path, header: Sequence[str]) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or [c.strip().lower() for c in rows[0]] != list(header):
        raise DataError(f"{path}: expected the header {','.join(header)}")
    out = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise DataError(f"{path}:{line_no}: expected {len(header)} columns, got {len(row)}")
        out.append(row)
    return out


def load_banking77(root: Path | None = None) -> tuple[Pairs, Pairs]:
    """(train, test) ``(text, category)`` pairs: 10,003 and 3,080 rows, 77 categories."""
    train = _file("banking77", root, "banking77", "train.csv")
    test = _file("banking77", root, "banking77", "test.csv")
    return ([(t.strip(), c.strip()) for t, c in _csv_rows(train, ("text", "category"))],
            [(t.strip(), c.strip()) for t, c in _csv_rows(test, ("text", "category"))])


def banking77_categories(root: Path | None = None) -> list[str]:
    path = _file("banking77", root, "banking77", "categories.json")
    return [str(c) for c in json.loads(path.read_text(encoding="utf-8"))]


def load_waimai(root: Path | None = None) -> Pairs:
    """``(review, "negative"|"positive")``, one row per distinct text.

    The file has 11,987 rows; 7 texts occur twice with opposite labels. Those are
    dropped (they cannot be scored), so no text can land on both sides of a split.
    """
    path = _file("waimai", root, "waimai_10k", "waimai_10k.csv")
    labels: dict[str, set[str]] = defaultdict(set)
    for label, review in _csv_rows(path, ("label", "review")):
        if label.strip() not in ("0", "1"):
            raise DataError(f"{path}: label must be 0 or 1, got {label!r}")
        text = review.strip()
        if text:
            labels[text].add("positive" if label.strip() == "1" else "negative")
    return [(text, next(iter(seen))) for text, seen in labels.items() if len(seen) == 1]


def goemotions_labels(root: Path | None = None) -> list[str]:
    path = _file("goemotions", root, "goemotions", "original", "labels.txt")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_goemotions(root: Path | None = None, split: str = "test") -> list[tuple[str, frozenset[str]]]:
    """``(comment, label names)`` from the original 28-label split ("test" or "dev")."""
    if split not in ("test", "dev"):
        raise ValueError(f"split must be 'test' or 'dev', got {split!r}")
    names = goemotions_labels(root)
    path = _file("goemotions", root, "goemotions", "original", f"{split}.tsv")
    rows: list[tuple[str, frozenset[str]]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line_no, line in enumerate(fh, start=1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or not parts[0].strip():
                continue
            try:
                labels = frozenset(names[int(i)] for i in parts[1].split(",") if i.strip())
            except (ValueError, IndexError) as exc:
                raise DataError(f"{path}:{line_no}: bad label list {parts[1]!r}") from exc
            rows.append((parts[0], labels))
    return rows


_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "banking77": (("banking77", "train.csv"), ("banking77", "test.csv")),
    "waimai": (("waimai_10k", "waimai_10k.csv"),),
    "goemotions": (("goemotions", "original", "labels.txt"), ("goemotions", "original", "test.tsv")),
}

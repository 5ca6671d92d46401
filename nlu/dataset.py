"""Reading labelled examples: the shipped ``intents_*.yml`` files and eval datasets."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


class DataError(ValueError):
    """A training or evaluation file is malformed; the message names file and place."""


def load_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise DataError(f"{path}: not valid YAML: {exc}") from exc


def intent_files(data_dir: Path) -> list[Path]:
    """The ``intents_*.yml`` files of a data directory, in a stable order."""
    return sorted(data_dir.glob("intents_*.yml"))


@dataclass(frozen=True)
class IntentsFile:
    """One intents file, read once: its language, whether its examples may be held out,
    and its ``(text, intent)`` pairs.

    ``lang`` is the file's ``lang:`` (else the ``_zh`` / ``_en`` of its name). A file marked
    ``held_out: never`` holds examples written after the held-out split was frozen: they
    always train, so ``careline nlu eval own`` keeps scoring the same texts across rounds of
    new data (tests/test_nlu_data.py keeps them from rewording any of those).
    """

    lang: str
    may_hold_out: bool
    pairs: list[tuple[str, str]]


def read_intents_file(path: Path) -> IntentsFile:
    """The file in the ``version: 1 / intents:`` format; DataError names file and place."""
    doc = load_yaml(path)
    if not isinstance(doc, dict) or doc.get("version") != 1:
        raise DataError(f"{path}: expected a mapping with 'version: 1' at the top")
    intents = doc.get("intents")
    if not isinstance(intents, dict) or not intents:
        raise DataError(f"{path}: 'intents' must map intent names to lists of examples")
    pairs: list[tuple[str, str]] = []
    for intent, examples in intents.items():
        if not isinstance(examples, list):
            raise DataError(f"{path}: intent '{intent}' must be a list of example strings")
        for i, example in enumerate(examples):
            if isinstance(example, bool) or not isinstance(example, str | int | float):
                # YAML turns `true` into a bool and `review: good` into a mapping.
                raise DataError(f"{path}: intent '{intent}' example {i + 1} is {example!r}; "
                                "quote it so YAML keeps it as text")
            text = str(example).strip()
            if text:
                pairs.append((text, str(intent)))
    lang = str(doc.get("lang") or path.stem.rsplit("_", 1)[-1])
    never = str(doc.get("held_out", "")).strip().lower() == "never"
    return IntentsFile(lang, not never, pairs)


def load_intents_file(path: Path) -> list[tuple[str, str]]:
    """``(text, intent)`` pairs from one file (:func:`read_intents_file`)."""
    return read_intents_file(path).pairs


def load_training_data(data_dir: Path) -> list[tuple[str, str]]:
    """All examples of all ``intents_*.yml`` files in ``data_dir``, duplicates removed."""
    files = intent_files(data_dir)
    if not files:
        raise DataError(f"{data_dir}: no intents_*.yml training files found")
    seen: set[tuple[str, str]] = set()
    pairs: list[tuple[str, str]] = []
    for path in files:
        for pair in load_intents_file(path):
            if pair not in seen:
                seen.add(pair)
                pairs.append(pair)
    return pairs


def load_dataset(path: str | Path) -> list[tuple[str, str]]:
    """A labelled evaluation file: the intents YAML format, or TSV/CSV ``text,intent`` rows."""
    path = Path(path)
    if path.suffix in (".yml", ".yaml"):
        return load_intents_file(path)
    delimiter = "\t" if path.suffix in (".tsv", ".txt") else ","
    pairs: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line_no, row in enumerate(csv.reader(fh, delimiter=delimiter), start=1):
            if not row or not "".join(row).strip() or row[0].startswith("#"):
                continue
            if len(row) != 2:
                raise DataError(f"{path}:{line_no}: expected 2 columns (text, intent), got {len(row)}")
            if line_no == 1 and [c.strip().lower() for c in row] == ["text", "intent"]:
                continue
            pairs.append((row[0].strip(), row[1].strip()))
    return pairs

"""``careline nlu export-rasa DIR`` and ``careline nlu import-rasa FILE``: training data to and from Rasa.

Export turns the shipped ``nlu/data/intents_*.yml`` into a Rasa 3.x project (see
``nlu.rasa_format``). Import reads Rasa NLU data and writes ``intents_<lang>.yml`` files in our
format into a directory of your choice; it never merges into the shipped data by itself.
Export then import gives back the same examples.
"""

from __future__ import annotations

import io
import sys
from collections import Counter
from pathlib import Path

from nlu.dataset import DATA_DIR, DataError, intent_files, read_intents_file
from nlu.rasa_format import Examples, RasaImport, export_rasa, import_rasa, yaml_writer

LANGS = ("zh", "en")


def shipped_examples(data_dir: Path = DATA_DIR) -> Examples:
    """Our training data by language (the file's ``lang:``, else its ``_zh``/``_en`` suffix)."""
    examples: Examples = {}
    for path in intent_files(data_dir):
        file = read_intents_file(path)
        by_intent = examples.setdefault(file.lang, {})
        for text, intent in file.pairs:
            texts = by_intent.setdefault(intent, [])
            if text not in texts:
                texts.append(text)
    return examples


def run_export(out_dir: Path, *, data_dir: Path = DATA_DIR) -> int:
    """Write the shipped training data as a Rasa project under ``out_dir``; exit status."""
    try:
        examples = shipped_examples(data_dir)
        written = export_rasa(examples, out_dir)
    except (DataError, OSError) as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 1
    for lang, by_intent in examples.items():
        total = sum(len(v) for v in by_intent.values())
        print(f"{lang}: {total} examples in {len(by_intent)} intents")
    print("wrote " + ", ".join(str(p) for p in written))
    print(f"next: cd {out_dir} && rasa train nlu && rasa run --enable-api -i 127.0.0.1 -p 5005\n"
          "then: CARELINE_NLU_BACKEND=rasa CARELINE_RASA_URL=http://127.0.0.1:5005 careline serve")
    return 0


def run_import(file: Path, *, out: Path | None = None, lang: str | None = None,
               overwrite: bool = False) -> int:
    """Read Rasa NLU data (file or directory), print counts, write ``out/intents_<lang>.yml``.

    Without ``out`` nothing is written (a dry run). Existing files are not replaced unless
    ``overwrite``. Exit status 0, 1 on bad data or an existing file, 2 on a bad argument.
    """
    if lang is not None and lang not in LANGS:
        print(f"careline: --lang must be one of {', '.join(LANGS)}, got {lang!r}", file=sys.stderr)
        return 2
    if not file.exists():
        print(f"careline: {file} does not exist", file=sys.stderr)
        return 2
    try:
        result = import_rasa(file, lang=lang)
    except DataError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 1
    if not result.files:
        print(f"careline: no Rasa NLU training data found in {file}", file=sys.stderr)
        return 1
    print(summary(result))
    if out is None:
        print("\nnothing written: pass --out DIR to write intents_<lang>.yml files "
              "(review them, then copy what you want into nlu/data)")
        return 0
    targets = {lg: out / f"intents_{lg}.yml" for lg in result.examples}
    existing = [p for p in targets.values() if p.exists()]
    if existing and not overwrite:
        print(f"careline: {', '.join(map(str, existing))} already exist(s); choose another --out "
              "directory (imports are never merged automatically)", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for lg, path in targets.items():
        path.write_text(intents_yaml(lg, result.examples[lg], source=file), encoding="utf-8")
        print(f"wrote {path}")
    return 0


def summary(result: RasaImport) -> str:
    """Counts per language and intent, annotated entities and skipped sections, as text."""
    lines = [f"read {len(result.files)} file(s)"]
    for lang, by_intent in result.examples.items():
        total = sum(len(v) for v in by_intent.values())
        lines.append(f"{lang}: {total} examples in {len(by_intent)} intents")
        lines += [f"  {intent:<24} {len(texts):5d}" for intent, texts in by_intent.items()]
    if result.entities:
        kinds = Counter(e.entity for e in result.entities)
        lines.append(f"entity annotations stripped: {len(result.entities)} ("
                     + ", ".join(f"{k} {n}" for k, n in kinds.most_common()) + ")")
    if result.duplicates:
        lines.append(f"duplicate examples dropped: {result.duplicates}")
    if result.skipped:
        lines.append("skipped sections: " + ", ".join(f"{k} {n}" for k, n in sorted(result.skipped.items())))
    return "\n".join(lines)


def intents_yaml(lang: str, by_intent: dict[str, list[str]], *, source: Path | None = None) -> str:
    """Our ``version: 1`` training file for one language (read back by ``nlu.dataset``)."""
    from ruamel.yaml.comments import CommentedMap

    doc = CommentedMap([("version", 1), ("lang", lang),
                        ("intents", {intent: list(texts) for intent, texts in by_intent.items()})])
    if source is not None:
        doc.yaml_set_start_comment(f"Imported from Rasa NLU data ({source.name}) by "
                                   "`careline nlu import-rasa`.")
    buf = io.StringIO()
    yaml_writer().dump(doc, buf)
    return buf.getvalue()

"""Rasa NLU training data, both ways: export ours for ``rasa train nlu``, import theirs.

Export writes a Rasa 3.x project skeleton::

    OUT/data/nlu_zh.yml   version "3.1", ``nlu: - intent: x / examples: |`` literal blocks
    OUT/data/nlu_en.yml
    OUT/domain.yml        version "3.1", the intents, ``session_config``
    OUT/config.yml        a pipeline that tokenises Chinese and English alike (jieba + char n-grams)

One file per language, not one mixed ``nlu.yml``: Rasa trains on every file under ``data/``, so
the pair is still one model, but the language survives the round trip exactly (a one-word
"ok" in the Chinese data is not guessed to be English), and a team that prefers one Rasa model
per language can train on one file alone.

Import reads Rasa's YAML (2.x/3.x), its older Markdown (``## intent:x``) and JSON
(``rasa_nlu_data.common_examples``) formats, from a file or a whole directory. Entity
annotations (``[text](entity)``, ``[text](entity:value)``, ``[text]{"entity": ...}``) are
stripped to plain text and kept in :attr:`RasaImport.entities`; synonym, regex and lookup
sections (and stories/rules) are skipped and counted. The language of each example is the
``lang`` argument, else the file name's ``_zh``/``_en`` suffix, else detected per example.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlu.dataset import DataError
from nlu.language import detect

log = logging.getLogger(__name__)

Examples = dict[str, dict[str, list[str]]]  # lang -> intent -> example texts
RASA_VERSION = "3.1"
UNDETERMINED = "und"
SKIPPED_KINDS = ("synonym", "regex", "lookup")
# Rasa's annotation grammar: [text](entity), [text](entity:value), [text]{json}, [text][{json}, ...]
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)|(?P<dict>\{[^}]+?\})|(?P<list>\[\{.*?\}\]))")
_LANG_SUFFIX = re.compile(r"(?:^|[_.\-])(zh|en)$", re.IGNORECASE)
_MD_HEADER = re.compile(r"^##\s*(?P<kind>intent|synonym|regex|lookup)\s*:\s*(?P<name>.+?)\s*$")
_MD_COMMENT = re.compile(r"<!--.*?-->")
_CONFIG = """\
# Written by `careline nlu export-rasa`. One model for Chinese and English: jieba splits
# Chinese into words (and leaves English words whole); character n-grams catch typos.
# JiebaTokenizer needs `pip install jieba` in Rasa's environment.
recipe: default.v1
language: zh
pipeline:
  - name: JiebaTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    entity_recognition: false
  - name: FallbackClassifier
    threshold: 0.35
assistant_id: careline
"""


class RasaFormatError(DataError):
    """Rasa training data that cannot be read; the message starts with ``file:line:``."""


@dataclass(frozen=True, slots=True)
class AnnotatedEntity:
    """An entity annotation found in an imported example (offsets into the plain text)."""

    entity: str
    value: Any
    start: int
    end: int
    text: str
    intent: str
    example: str
    source: str  # "file:line" (or "file" where the format gives no lines)


@dataclass
class RasaImport:
    """What :func:`import_rasa` found."""

    examples: Examples = field(default_factory=dict)
    entities: list[AnnotatedEntity] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # section kind -> how many
    files: list[Path] = field(default_factory=list)
    duplicates: int = 0


# -- export -------------------------------------------------------------------------------------


def yaml_writer() -> Any:
    """ruamel's round-trip dumper as both our formats use it (block lists, unicode as is)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def export_rasa(examples_by_lang: Mapping[str, Mapping[str, Sequence[str]]], out_dir: Path) -> list[Path]:
    """Write ``data/nlu_<lang>.yml``, ``domain.yml`` and ``config.yml`` under ``out_dir``.

    Examples are de-duplicated per intent (Rasa warns on duplicates), order kept. Returns the
    written paths.
    """
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    yaml = yaml_writer()
    data_dir = out_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    intents: list[str] = []
    for lang, by_intent in examples_by_lang.items():
        nlu = []
        for intent, texts in by_intent.items():
            lines = list(dict.fromkeys(_one_line(t) for t in texts if str(t).strip()))
            for text in lines:
                if _ANNOTATION.search(text) or text.startswith("-"):
                    log.warning("%s example %r of intent %r reads differently in Rasa "
                                "(annotation syntax or a leading '-')", lang, text, intent)
            if not lines:
                continue
            block = LiteralScalarString("".join(f"- {t}\n" for t in lines))
            nlu.append({"intent": intent, "examples": block})
            if intent not in intents:
                intents.append(intent)
        path = data_dir / f"nlu_{lang}.yml"
        yaml.dump({"version": DoubleQuotedScalarString(RASA_VERSION), "nlu": nlu}, path)
        written.append(path)
    domain = {"version": DoubleQuotedScalarString(RASA_VERSION), "intents": intents,
              "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True}}
    yaml.dump(domain, out_dir / "domain.yml")
    (out_dir / "config.yml").write_text(_CONFIG, encoding="utf-8")
    return [*written, out_dir / "domain.yml", out_dir / "config.yml"]


def _one_line(text: object) -> str:
    """A literal block holds one example per line: line breaks inside one become spaces."""
    return " ".join(str(text).splitlines()).strip()


# -- import -------------------------------------------------------------------------------------

_Row = tuple[str, str, str]  # (intent, raw example with annotations, "file:line")


def import_rasa(path: Path, *, lang: str | None = None) -> RasaImport:
    """Read Rasa NLU training data from a file or a directory (recursively).

    Files that hold no NLU data (domain.yml, config.yml, stories) are passed over. Raises
    :class:`RasaFormatError` (``file:line: message``) on malformed data, ``FileNotFoundError``
    when ``path`` does not exist.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.is_file() and not any(
            part.startswith(".") for part in p.relative_to(path).parts))  # not .git/ and such
    result = RasaImport()
    for file in files:
        reader = _READERS.get(file.suffix.lower())
        rows = reader(file, result.skipped) if reader is not None else None
        if rows is None:
            continue
        result.files.append(file)
        hint = lang or _file_lang(file)
        plain: list[tuple[str, str]] = []
        for intent, raw, source in rows:
            text, entities = _strip(raw, intent, source)
            plain.append((intent, text))
            result.entities.extend(entities)
        langs = [hint or _detected(text) for _, text in plain]
        known = Counter(x for x in langs if x is not None)
        default = known.most_common(1)[0][0] if known else UNDETERMINED
        for (intent, text), found in zip(plain, langs, strict=True):
            bucket = result.examples.setdefault(found or default, {}).setdefault(intent, [])
            if text in bucket:
                result.duplicates += 1
            elif text:
                bucket.append(text)
    return result


def _file_lang(path: Path) -> str | None:
    match = _LANG_SUFFIX.search(path.stem)
    return match.group(1).lower() if match else None


def _detected(text: str) -> str | None:
    found = detect(text)
    return found if found in ("zh", "en") else None


def _read_yaml(path: Path, skipped: Counter[str]) -> list[_Row] | None:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        doc = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        raise RasaFormatError(f"{path}:{line}: not valid YAML: {exc.problem}") from exc
    except YAMLError as exc:
        raise RasaFormatError(f"{path}:1: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or "nlu" not in doc:
        return None
    for key in ("stories", "rules"):
        if isinstance(doc.get(key), list):
            skipped[key] += len(doc[key])
    items = doc["nlu"]
    if not isinstance(items, list):
        raise RasaFormatError(f"{path}:{_line(doc, 'nlu')}: 'nlu' must be a list of "
                              "'- intent: name' entries")
    rows: list[_Row] = []
    for i, item in enumerate(items):
        line = _line(items, i)
        kind = next((k for k in ("intent", *SKIPPED_KINDS) if isinstance(item, dict) and k in item),
                    None)
        if kind is None:
            raise RasaFormatError(f"{path}:{line}: each 'nlu' entry needs one of 'intent', "
                                  "'synonym', 'regex' or 'lookup'")
        if kind != "intent":
            skipped[kind] += 1
            continue
        rows.extend(_yaml_examples(path, item, line))
    return rows


def _yaml_examples(path: Path, item: Any, line: int) -> Iterator[_Row]:
    intent, examples = str(item["intent"]), item.get("examples")
    if isinstance(examples, str):  # the usual literal block: "- text" per line
        first = _line(item, "examples", value=True) + 1  # the block starts below its '|'
        for offset, raw in enumerate(examples.splitlines()):
            stripped = raw.strip()
            if not stripped:
                continue
            if not stripped.startswith("-"):
                raise RasaFormatError(f"{path}:{first + offset}: example of intent '{intent}' must "
                                      f"start with '- ', got {stripped[:40]!r}")
            yield intent, stripped[1:].strip(), f"{path}:{first + offset}"
    elif isinstance(examples, list):  # the form with metadata: "- text: ..."
        for j, entry in enumerate(examples):
            text = entry.get("text") if isinstance(entry, dict) else entry
            where = _line(examples, j)
            if not isinstance(text, str):
                raise RasaFormatError(f"{path}:{where}: example {j + 1} of intent '{intent}' "
                                      "needs a 'text'")
            yield intent, text.strip(), f"{path}:{where}"
    else:
        raise RasaFormatError(f"{path}:{line}: intent '{intent}' needs 'examples: |' with "
                              "'- text' lines")


def _line(node: Any, where: str | int, *, value: bool = False) -> int:
    """1-based line of a key (or its value) or list item, from ruamel's round-trip positions."""
    lc = getattr(node, "lc", None)
    try:
        if isinstance(where, int):
            return int(lc.item(where)[0]) + 1  # type: ignore[union-attr]
        return int((lc.value(where) if value else lc.key(where))[0]) + 1  # type: ignore[union-attr]
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1


def _read_markdown(path: Path, skipped: Counter[str]) -> list[_Row] | None:
    rows: list[_Row] = []
    section: tuple[str, str] | None = None
    seen_header = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = _MD_COMMENT.sub("", raw).strip()
        header = _MD_HEADER.match(line)
        if header:
            seen_header = True
            section = (header["kind"], header["name"])
            if section[0] != "intent":
                skipped[section[0]] += 1
        elif line.startswith("#"):
            section = None
        elif line and line[0] in "-*+" and section is not None and section[0] == "intent":
            rows.append((section[1], line[1:].strip(), f"{path}:{number}"))
    return rows if seen_header else None


def _read_json(path: Path, skipped: Counter[str]) -> list[_Row] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RasaFormatError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    data = doc.get("rasa_nlu_data") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        return None
    for key, kind in (("entity_synonyms", "synonym"), ("regex_features", "regex"),
                      ("lookup_tables", "lookup")):
        if data.get(key):
            skipped[kind] += len(data[key])
    rows: list[_Row] = []
    for i, ex in enumerate(data.get("common_examples") or []):
        if not isinstance(ex, dict) or not isinstance(ex.get("text"), str) or not ex.get("intent"):
            raise RasaFormatError(f"{path}:1: common_examples[{i}] needs 'text' and 'intent'")
        text = ex["text"]
        # JSON gives offsets, not inline annotations: rebuild the inline form so one parser
        # (and one report) handles every format.
        try:
            for ent in sorted(ex.get("entities") or [], key=lambda e: -int(e["start"])):
                start, end = int(ent["start"]), int(ent["end"])
                spec = json.dumps({"entity": ent["entity"], "value": ent.get("value", text[start:end])},
                                  ensure_ascii=False)
                text = f"{text[:start]}[{text[start:end]}]{spec}{text[end:]}"
        except (KeyError, TypeError, ValueError) as exc:
            raise RasaFormatError(f"{path}:1: common_examples[{i}] has a bad entity ({exc!r}); "
                                  "each needs 'start', 'end' and 'entity'") from exc
        rows.append((str(ex["intent"]), text.strip(), f"{path}:common_examples[{i}]"))
    return rows


_READERS: dict[str, Callable[[Path, Counter[str]], list[_Row] | None]] = {
    ".yml": _read_yaml, ".yaml": _read_yaml, ".md": _read_markdown, ".json": _read_json}


def _strip(raw: str, intent: str, source: str) -> tuple[str, list[AnnotatedEntity]]:
    """``raw`` without annotations, and the entities they annotated (offsets into the result)."""
    lead = len(raw) - len(raw.lstrip())
    parts: list[str] = []
    spans: list[tuple[int, int, str, dict[str, Any]]] = []
    length, pos = 0, 0
    for m in _ANNOTATION.finditer(raw):
        before = raw[pos:m.start()]
        parts += [before, m["text"]]
        start = length + len(before)
        length = start + len(m["text"])
        spans += [(start - lead, length - lead, m["text"], spec) for spec in _specs(m, source)]
        pos = m.end()
    parts.append(raw[pos:])
    text = "".join(parts).strip()
    entities = [AnnotatedEntity(str(spec["entity"]), spec.get("value", surface), start, end,
                                surface, intent, text, source)
                for start, end, surface, spec in spans]
    return text, entities


def _specs(m: re.Match[str], source: str) -> list[dict[str, Any]]:
    if m["entity"]:
        spec: dict[str, Any] = {"entity": m["entity"].strip()}
        if m["value"]:
            spec["value"] = m["value"].strip()
        return [spec]
    raw = m["dict"] or m["list"]
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RasaFormatError(f"{source}: entity annotation {raw!r} is not valid JSON: {exc.msg}") from exc
    specs = parsed if isinstance(parsed, list) else [parsed]
    if not all(isinstance(s, dict) and "entity" in s for s in specs):
        raise RasaFormatError(f"{source}: entity annotation {raw!r} needs an \"entity\" key")
    return specs

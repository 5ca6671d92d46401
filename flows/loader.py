"""Load a scripts directory into a validated :class:`Bundle`.

Three passes, each reporting ``file:line: message — hint``: YAML syntax, the JSON Schema
(flows/schema/careline-script.schema.json), then semantic checks (flows/validator.py).
A directory with any error yields no bundle, so a broken script never goes live.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from flows.messages import DEFAULT_MESSAGES, DEFAULT_SETTINGS
from flows.model import (
    LANGUAGES,
    BranchCase,
    Bundle,
    Choice,
    FaqEntry,
    Flow,
    Source,
    Step,
    Text,
    Triggers,
)
from flows.sections import SectionRef, sections
from flows.yamlio import YamlSyntaxError, line_of, load_yaml, plain

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "careline-script.schema.json"
STEP_KINDS = ("say", "collect", "branch", "action", "goto", "end")
_STEP_BRANCH = {"say": 1, "collect": 2, "branch": 3, "action": 4, "goto": 5, "end": 6}


@dataclass(frozen=True, slots=True)
class ScriptError:
    file: str
    line: int
    message: str
    hint: str = ""
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}{hint}"


@dataclass
class LoadResult:
    bundle: Bundle | None
    errors: list[ScriptError] = field(default_factory=list)
    warnings: list[ScriptError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.bundle is not None


@lru_cache(maxsize=1)
def _schema_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def script_files(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.iterdir()
        if p.suffix in (".yml", ".yaml") and p.is_file() and not p.name.startswith((".", "_"))
    )


def fingerprint(directory: Path) -> str:
    """Changes whenever a script file is added, removed or edited."""
    digest = hashlib.sha256()
    for path in script_files(directory):
        st = path.stat()
        digest.update(f"{path.name}:{st.st_mtime_ns}:{st.st_size};".encode())
    return digest.hexdigest()


def load_bundle(directory: Path) -> LoadResult:
    """Read every ``*.yml`` in ``directory`` and validate them together."""
    from flows.validator import validate_bundle

    result = LoadResult(None)
    if not directory.is_dir():
        result.errors.append(ScriptError(str(directory), 1, "scripts directory not found",
                                         "set CARELINE_FLOWS_DIR to a folder of .yml files"))
        return result
    files = script_files(directory)
    if not files:
        result.errors.append(ScriptError(str(directory), 1, "no .yml script files found",
                                         "copy the shipped flows/scripts as a starting point"))
        return result
    builder = _Builder(result.errors, result.warnings)
    for path in files:
        builder.add_file(path)
    bundle = builder.build(fingerprint(directory))
    issues = validate_bundle(bundle, builder.docs)
    result.errors.extend(e for e in issues if e.severity == "error")
    result.warnings.extend(e for e in issues if e.severity == "warning")
    if not result.errors:
        result.bundle = bundle
    return result


class _Builder:
    """Turns validated YAML documents into model objects, collecting errors."""

    def __init__(self, errors: list[ScriptError], warnings: list[ScriptError]) -> None:
        self.errors = errors
        self.warnings = warnings
        self.flows: dict[str, Flow] = {}
        self.messages: dict[str, Text] = dict(DEFAULT_MESSAGES)
        self.settings: dict[str, Any] = dict(DEFAULT_SETTINGS)
        self.sections: dict[str, dict[str, Any]] = {}
        self.section_sources: dict[str, Source] = {}
        self.faq: list[FaqEntry] = []
        self.docs: dict[str, Any] = {}  # file -> ruamel document, for line look-ups

    def error(self, file: str, line: int, message: str, hint: str = "") -> None:
        self.errors.append(ScriptError(file, line, message, hint))

    def add_file(self, path: Path) -> None:
        name = str(path)
        try:
            doc = load_yaml(path)
        except YamlSyntaxError as exc:
            self.error(name, exc.line, exc.message, "fix the indentation or quoting near this line")
            return
        if doc is None:
            self.error(name, 1, "file is empty", "add a `flows:` section or delete the file")
            return
        if not isinstance(doc, dict):
            self.error(name, 1, "a script file must be a mapping at the top level",
                       "start with `version: 1` and `flows:`")
            return
        data = plain(doc)
        schema_errors = sorted(_schema_validator().iter_errors(data), key=lambda e: list(e.path))
        for err in schema_errors:
            err = _specific(err, data)
            path_ = list(err.absolute_path)
            self.error(name, line_of(doc, path_), _describe(err, path_), _hint(err))
        if schema_errors:
            return
        self.docs[name] = doc
        for flow_name, raw in data.get("flows", {}).items():
            self._add_flow(name, doc, flow_name, raw)
        for key in data.get("messages", {}):
            self.messages[key] = Text(data["messages"][key])
        for key, value in data.get("settings", {}).items():
            self.settings[key] = value
        for section_name in sections():
            if section_name in data:
                self._add_section(name, doc, section_name, data[section_name])
        for i, raw in enumerate(data.get("faq", [])):
            self.faq.append(FaqEntry(
                raw["id"], Text(raw["question"]), Text(raw["answer"]),
                _words(raw["keywords"]), Source(name, line_of(doc, ["faq", i])),
            ))

    def _add_flow(self, file: str, doc: Any, flow_name: str, raw: dict[str, Any]) -> None:
        source = Source(file, line_of(doc, ["flows", flow_name]))
        if flow_name in self.flows:
            self.error(file, source.line, f"flow '{flow_name}' is defined twice",
                       f"rename one; the first is at {self.flows[flow_name].source}")
            return
        steps = []
        for i, raw_step in enumerate(raw["steps"]):
            step_source = Source(file, line_of(doc, ["flows", flow_name, "steps", i]))
            steps.append(_build_step(raw_step, i, step_source, doc, ["flows", flow_name, "steps", i]))
        trig = raw.get("triggers", {})
        self.flows[flow_name] = Flow(
            name=flow_name, source=source, description=raw.get("description", ""),
            title=Text(raw["title"]) if "title" in raw else None,
            triggers=Triggers(tuple(trig.get("intents", ())), tuple(trig.get("commands", ())),
                              _words(trig.get("keywords", []))),
            steps=tuple(steps), slots=tuple(raw.get("slots", ())),
            interruptible=raw.get("interruptible", True),
        )

    def _add_section(self, file: str, doc: Any, name: str, data: Any) -> None:
        """A business section: its own schema, then its owner's semantic check."""
        line = line_of(doc, [name])
        if name in self.section_sources:
            self.error(file, line, f"{name} is defined twice",
                       f"keep one `{name}:` section (the other is at {self.section_sources[name]})")
            return
        spec = sections()[name]
        failed = False
        if spec.validator is not None:
            for err in sorted(spec.validator.iter_errors(data), key=lambda e: list(e.path)):
                err = _specific(err, data)
                path_ = [name, *err.absolute_path]
                self.error(file, line_of(doc, path_), _describe(err, path_), _hint(err))
                failed = True
        if failed:
            return
        ref = SectionRef(file, lambda path: line_of(doc, [name, *path]))
        for problem in spec.check(data, ref) if spec.check else []:
            err = ScriptError(file, ref.line_of(problem.path), problem.message, problem.hint,
                              problem.severity)
            (self.warnings if problem.severity == "warning" else self.errors).append(err)
        self.sections[name] = data
        self.section_sources[name] = Source(file, line)

    def build(self, fp: str) -> Bundle:
        pricing = self.sections.get("pricing")
        if pricing is not None:
            pricing.setdefault("_source", str(self.section_sources["pricing"]))
        return Bundle(self.flows, self.messages, self.sections, tuple(self.faq), self.settings, fp,
                      dict(self.section_sources))


def _words(raw: Any) -> dict[str, tuple[str, ...]]:
    if isinstance(raw, list):
        return {"*": tuple(raw)}
    return {lang: tuple(raw.get(lang, ())) for lang in LANGUAGES if raw.get(lang)}


def _build_step(raw: Any, index: int, source: Source, doc: Any, path: list[Any]) -> Step:
    if raw == "end":
        return Step(id=f"step{index + 1}", kind="end", source=source)
    kind = next(k for k in STEP_KINDS if k in raw)
    common: dict[str, Any] = {"id": raw.get("id", f"step{index + 1}"), "kind": kind,
                              "source": source, "next": raw.get("next")}
    if kind == "say":
        return Step(**common, text=Text(raw["say"]),
                    buttons=tuple(Text(b) for b in raw.get("buttons", ())))
    if kind == "collect":
        return Step(
            **common, slot=raw["collect"], type=raw.get("type", "text"),
            ask=Text(raw["ask"]) if "ask" in raw else None,
            reask=Text(raw["reask"]) if "reask" in raw else None,
            choices=tuple(Choice(c["value"], Text({"zh": c["zh"], "en": c["en"]}),
                                 tuple(c.get("synonyms", ()))) for c in raw.get("choices", ())),
            validate=dict(raw.get("validate", {})), max_retries=raw.get("max_retries", 2),
            on_fail=raw.get("on_fail"), entity=raw.get("entity"),
        )
    if kind == "branch":
        cases = []
        for j, case in enumerate(raw["branch"]):
            case_source = Source(source.file, line_of(doc, [*path, "branch", j]))
            if "else" in case:
                cases.append(BranchCase(None, case["else"], case_source))
            else:
                cases.append(BranchCase(case["if"], case["next"], case_source))
        return Step(**common, cases=tuple(cases))
    if kind == "action":
        return Step(**common, action=raw["action"], args=dict(raw.get("args", {})))
    if kind == "goto":
        return Step(**common, flow=raw["goto"])
    return Step(**common)


def _specific(err: ValidationError, data: Any) -> ValidationError:
    """For a step that matches no variant, report the variant its keys ask for."""
    if err.validator != "oneOf" or not err.context:
        return err
    instance = err.instance
    if isinstance(instance, dict):
        kinds = [k for k in STEP_KINDS if k in instance]
        if len(kinds) == 1 and kinds[0] in _STEP_BRANCH:
            wanted = _STEP_BRANCH[kinds[0]]
            sub = [e for e in err.context if e.schema_path and e.schema_path[0] == wanted]
            if sub:
                return _specific(min(sub, key=lambda e: len(list(e.path))), data)
        if len(kinds) != 1 and "steps" in list(err.absolute_path):
            return err
    best = max(err.context, key=lambda e: len(list(e.absolute_path)))
    return _specific(best, data)


def _schema_of(err: ValidationError) -> dict[str, Any]:
    return err.schema if isinstance(err.schema, dict) else {}


def _describe(err: ValidationError, path: list[Any]) -> str:
    where = "/".join(str(p) for p in path) or "top level"
    inst = err.instance
    if err.validator == "oneOf" and isinstance(inst, dict):
        kinds = [k for k in STEP_KINDS if k in inst]
        if not kinds:
            import difflib

            guesses = [f"'{k}' (did you mean '{m[0]}'?)" for k in inst
                       if (m := difflib.get_close_matches(str(k), STEP_KINDS, n=1))]
            found = f"; found {', '.join(guesses)}" if guesses else ""
            return f"step at {where} has none of {', '.join(STEP_KINDS)}{found}"
        return f"step at {where} mixes {', '.join(kinds)}; a step does one thing"
    if err.validator == "additionalProperties":
        props = _schema_of(err).get("properties", {})
        extra = sorted(set(inst) - set(props)) if isinstance(inst, dict) else []
        return f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} in {where}"
    if err.validator == "required":
        return f"{where}: {err.message}"
    if err.validator == "pattern" and isinstance(inst, str):
        return f"{where}: {inst!r} is not a valid name"
    return f"{where}: {err.message}"


def _hint(err: ValidationError) -> str:
    if err.validator == "additionalProperties":
        allowed = ", ".join(sorted(_schema_of(err).get("properties", {})))
        return f"allowed keys here: {allowed}" if allowed else "remove it"
    if err.validator == "oneOf":
        return "write exactly one of say / collect / branch / action / goto / end"
    if err.validator == "pattern":
        return "use lower-case letters, digits and _ and start with a letter (e.g. ask_date)"
    if err.validator == "enum":
        return "choose one of: " + ", ".join(map(str, err.validator_value))  # type: ignore[arg-type]
    if err.validator == "required":
        return "add the missing key"
    if err.validator == "type":
        return f"expected {err.validator_value}"
    return ""

"""Semantic checks over a whole bundle: what a JSON Schema cannot see.

Each rule reports where (file:line), what, and how to fix it, in the spirit of Rasa's
flow validator: "Step 'ask_date' in flow 'quote' is never reached ... Add `next: ...`".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from flows.actions import registry
from flows.conditions import ConditionError, compile_condition, names_in
from flows.hints import did_you_mean
from flows.loader import ScriptError
from flows.model import END, LANGUAGES, Bundle, Flow, Source, Step, Text
from flows.templates import placeholders
from nlu.base import CONTRACT_INTENTS

BUILTIN_SLOTS = frozenset({"customer_name"})


def _err(source: Source, message: str, hint: str = "", severity: str = "error") -> ScriptError:
    return ScriptError(source.file, source.line, message, hint, severity)


def _did_you_mean(name: str, options: Iterable[str]) -> str:
    return did_you_mean(name, options, known=12)


def validate_bundle(bundle: Bundle, docs: dict[str, Any]) -> list[ScriptError]:
    issues: list[ScriptError] = []
    if not docs:  # no file could be read: their own errors say why, and there is no line to blame
        return issues
    issues += _check_triggers(bundle)
    goto_slots = _slots_carried_by_goto(bundle)
    for flow in bundle.flows.values():
        issues += _check_flow(bundle, flow, goto_slots.get(flow.name, set()))
    if bundle.fallback_flow not in bundle.flows:
        first = next(iter(docs), "scripts")
        issues.append(ScriptError(
            first, 1, f"the fallback flow '{bundle.fallback_flow}' is not defined",
            "add a flow with that name (it answers when nothing else matches) "
            "or set settings.fallback_flow"))
    for key, text in bundle.messages.items():
        missing = [lang for lang in LANGUAGES if lang not in text.by_lang]
        if missing:
            issues.append(ScriptError(next(iter(docs), "scripts"), 1,
                                      f"message '{key}' has no {'/'.join(missing)} text",
                                      "add the translation"))
    issues += _check_faq(bundle)
    return issues


def _check_triggers(bundle: Bundle) -> Iterator[ScriptError]:
    seen: dict[tuple[str, str], str] = {}
    for flow in bundle.flows.values():
        t = flow.triggers
        marks = [("command", c.lower()) for c in t.commands]
        marks += [("intent", i) for i in t.intents]
        marks += [("keyword", w.lower()) for words in t.keywords.values() for w in words]
        for kind, value in marks:
            other = seen.get((kind, value))
            if other and other != flow.name:
                yield _err(flow.source, f"{kind} '{value}' triggers both '{other}' and '{flow.name}'",
                           "a trigger must start exactly one flow; remove it from one of them")
            seen[(kind, value)] = flow.name
        for intent in t.intents:
            if intent not in CONTRACT_INTENTS:
                yield _err(flow.source, f"flow '{flow.name}' is triggered by intent '{intent}', "
                           "which the built-in NLU does not know",
                           _did_you_mean(intent, CONTRACT_INTENTS) +
                           " (a new intent also needs NLU training examples)", "warning")


def _slots_carried_by_goto(bundle: Bundle) -> dict[str, set[str]]:
    carried: dict[str, set[str]] = {}
    for flow in bundle.flows.values():
        own = _own_slots(flow)
        for step in flow.steps:
            if step.kind == "goto" and step.flow:
                carried.setdefault(step.flow, set()).update(own)
    return carried


def _own_slots(flow: Flow) -> set[str]:
    acts = registry()
    slots = set(flow.slots) | BUILTIN_SLOTS
    for step in flow.steps:
        if step.kind == "collect" and step.slot:
            slots.add(step.slot)
        if step.kind == "action" and step.action in acts:
            slots.update(acts[step.action].sets)
    return slots


def _texts(step: Step) -> Iterator[tuple[str, Text]]:
    if step.text:
        yield "say", step.text
    if step.ask:
        yield "ask", step.ask
    if step.reask:
        yield "reask", step.reask
    for i, b in enumerate(step.buttons):
        yield f"button {i + 1}", b


def _check_flow(bundle: Bundle, flow: Flow, carried: set[str]) -> Iterator[ScriptError]:
    acts = registry()
    known = _own_slots(flow) | carried
    ids: dict[str, Step] = {}
    for step in flow.steps:
        if step.id in ids:
            yield _err(step.source, f"step id '{step.id}' is used twice in flow '{flow.name}'",
                       f"rename one (the first is at line {ids[step.id].source.line})")
        ids.setdefault(step.id, step)
    targets = set(ids) | {END}

    def where(step: Step) -> str:
        return f"step '{step.id}' in flow '{flow.name}'"

    if flow.title is not None:
        missing = [lang for lang in LANGUAGES if lang not in flow.title.by_lang]
        if missing:
            yield _err(flow.source, f"flow '{flow.name}': the title has no "
                       f"{'/'.join(missing)} translation", f"add `{missing[0]}: ...`")
    for step in flow.steps:
        for label, text in _texts(step):
            missing = [lang for lang in LANGUAGES if lang not in text.by_lang]
            if missing:
                yield _err(step.source, f"{where(step)}: the {label} text has no "
                           f"{'/'.join(missing)} translation",
                           f"add `{missing[0]}: ...` beside the other language")
            for name in sorted(set().union(*(placeholders(v) for v in text.by_lang.values()))):
                if name not in known:
                    yield _err(step.source, f"{where(step)} uses unknown slot '{{{name}}}'",
                               _did_you_mean(name, known) or
                               "collect it in an earlier step or declare it under `slots:`")
        for attr in ("next", "on_fail"):
            target = getattr(step, attr)
            if target and target not in targets:
                yield _err(step.source, f"{where(step)}: `{attr}: {target}` is not a step of "
                           f"this flow", _did_you_mean(target, targets))
        if step.kind == "branch":
            for case in step.cases:
                if case.target not in targets:
                    yield _err(case.source, f"{where(step)}: branch target '{case.target}' is not "
                               "a step of this flow", _did_you_mean(case.target, targets))
                if case.condition is not None:
                    try:
                        tree = compile_condition(case.condition)
                    except ConditionError as exc:
                        hint = ("compare with `==`, not `=`" if "=" in case.condition and "==" not in
                                case.condition else "example: `if: \"rooms >= 3\"`")
                        yield _err(case.source, str(exc), hint)
                        continue
                    for name in sorted(names_in(tree) - known):
                        yield _err(case.source, f"condition {case.condition!r} uses unknown slot "
                                   f"'{name}'", _did_you_mean(name, known))
        if step.kind == "goto" and step.flow not in bundle.flows:
            yield _err(step.source, f"{where(step)}: goto unknown flow '{step.flow}'",
                       _did_you_mean(step.flow or "", bundle.flows))
        if step.kind == "action":
            spec = acts.get(step.action or "")
            if spec is None:
                yield _err(step.source, f"{where(step)}: unknown action '{step.action}'",
                           _did_you_mean(step.action or "", acts))
            else:
                for need in spec.needs:
                    if need not in known:
                        yield _err(step.source, f"action '{spec.name}' needs slot '{need}', "
                                   f"which flow '{flow.name}' never collects",
                                   f"add a `collect: {need}` step before it")
                if spec.check:
                    for line, msg, hint in spec.check(bundle, flow, step):
                        yield ScriptError(step.source.file, line, msg, hint)
        if step.kind == "collect":
            yield from _check_collect(flow, step)
    yield from _unreachable(flow, ids)


def _check_collect(flow: Flow, step: Step) -> Iterator[ScriptError]:
    where = f"step '{step.id}' in flow '{flow.name}'"
    if step.type == "choice" and not step.choices:
        yield _err(step.source, f"{where} collects a choice but lists no `choices:`",
                   "add choices with value, zh and en")
    if step.type != "choice" and step.choices:
        yield _err(step.source, f"{where} has `choices:` but type '{step.type}'",
                   "set `type: choice` or remove the choices")
    values = [c.value for c in step.choices]
    for dup in sorted({v for v in values if values.count(v) > 1}):
        yield _err(step.source, f"{where}: choice value '{dup}' is listed twice", "remove one")
    rules = set(step.validate)
    allowed = {"int": {"min", "max"}, "number": {"min", "max"}, "date": {"allow_past",
               "max_days_ahead"}, "text": {"min_length", "max_length", "pattern"}}
    wrong = rules - allowed.get(step.type, set())
    if wrong:
        yield _err(step.source, f"{where}: validate {sorted(wrong)} does not apply to type "
                   f"'{step.type}'", "allowed: " + ", ".join(sorted(allowed.get(step.type, ())))
                   or "remove `validate:`")
    if "pattern" in step.validate:
        try:
            re.compile(str(step.validate["pattern"]))
        except re.error as exc:
            yield _err(step.source, f"{where}: pattern is not a valid regular expression: {exc}",
                       "check brackets and escapes")


def _successors(flow: Flow, index: int) -> list[str]:
    step = flow.steps[index]
    following = flow.steps[index + 1].id if index + 1 < len(flow.steps) else END
    if step.kind in ("goto", "end"):
        return []
    if step.kind == "branch":
        out = [c.target for c in step.cases]
        if all(c.condition is not None for c in step.cases):
            out.append(following)
        return out
    out = [step.next or following]
    if step.kind == "collect" and step.on_fail:
        out.append(step.on_fail)
    return out


def _unreachable(flow: Flow, ids: dict[str, Step]) -> Iterator[ScriptError]:
    position = {s.id: i for i, s in enumerate(flow.steps)}
    seen: set[str] = set()
    todo = [flow.steps[0].id]
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in position:
            continue
        seen.add(sid)
        todo.extend(_successors(flow, position[sid]))
    for i, step in enumerate(flow.steps):
        if step.id not in seen and ids.get(step.id) is step:
            previous = flow.steps[i - 1].id if i else None
            yield _err(step.source, f"step '{step.id}' in flow '{flow.name}' is never reached "
                       "from the first step",
                       f"add `next: {step.id}` to an earlier step (e.g. '{previous}') or delete it"
                       if previous else "delete it")


def _check_faq(bundle: Bundle) -> Iterator[ScriptError]:
    seen: dict[str, Source] = {}
    for entry in bundle.faq:
        if entry.id in seen:
            yield _err(entry.source, f"FAQ id '{entry.id}' is used twice",
                       f"rename one (the first is at {seen[entry.id]})")
        seen.setdefault(entry.id, entry.source)
        for label, text in (("question", entry.question), ("answer", entry.answer)):
            missing = [lang for lang in LANGUAGES if lang not in text.by_lang]
            if missing:
                yield _err(entry.source, f"FAQ '{entry.id}': the {label} has no "
                           f"{'/'.join(missing)} translation", f"add `{missing[0]}: ...`")

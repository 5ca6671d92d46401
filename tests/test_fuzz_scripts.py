"""Any YAML an operator saves gives either a bundle that works or ``file:line`` errors —
never an unhandled exception (the admin script editor and ``careline flows check`` both
run this loader on whatever was typed).

Three kinds of input: arbitrary text; the shipped scripts with their lines damaged (cut,
repeated, re-indented, characters overwritten); and the shipped scripts' data with values
deep inside replaced by any JSON value, dumped as YAML. A bundle that loads must also give
the runtime what it reads: every section's config builds, each service prices, each
booking slot has a capacity.
"""

from __future__ import annotations

import io
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from flows.business import care_config, dashboard_config, handoff_config, loyalty_config, messaging
from flows.business.booking import capacity_of
from flows.business.complaints_rules import classify
from flows.business.pricing import QuoteInputError, QuoteRequest, compute_quote
from flows.loader import LoadResult, load_bundle
from flows.yamlio import plain

from .conftest import SHIPPED_FLOWS
from .fuzz_strategies import mutated

FILES = sorted(p.name for p in SHIPPED_FLOWS.glob("*.yml"))
TEXTS = {name: (SHIPPED_FLOWS / name).read_text(encoding="utf-8") for name in FILES}
# Plain JSON types (ruamel's own int and date types are not for the safe dumper).
DATA = {name: json.loads(json.dumps(plain(YAML(typ="rt").load(TEXTS[name])), default=str))
        for name in FILES}
CORE = "core.yml"  # the fallback flow and messages every folder needs
CONFIGS = {"care": care_config.config_of, "handoff": handoff_config.config_of,
           "loyalty": loyalty_config.config_of, "messaging": messaging.config_of,
           "dashboard": dashboard_config.config_of}


def load(name: str, text: str) -> LoadResult:
    """The folder an operator would have: the core script and ``name`` holding ``text``."""
    with tempfile.TemporaryDirectory(prefix="careline-fuzz-") as tmp:
        root = Path(tmp)
        if name != CORE:
            (root / CORE).write_text(TEXTS[CORE], encoding="utf-8")
        (root / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        result = load_bundle(root)
        lines = {CORE: len(TEXTS[CORE].splitlines()), name: max(1, len(text.splitlines()))}
        _check(result, root, lines)
        return result


def _check(result: LoadResult, root: Path, lines: dict[str, int]) -> None:
    if result.bundle is None:
        assert result.errors, "no bundle and no error"
    for e in [*result.errors, *result.warnings]:
        file = Path(e.file)
        assert file.parent == root or file == root, e
        assert e.message.strip(), e
        assert 1 <= e.line <= lines.get(file.name, 1), (str(e), lines)
    if result.bundle is not None:
        _runtime_reads(result.bundle)


def _runtime_reads(bundle: Any) -> None:
    for name, build in CONFIGS.items():
        if name in bundle.sections:
            build(bundle.section(name))
    pricing = bundle.pricing
    for service, svc in pricing.get("services", {}).items():
        types = list(svc.get("types", {})) or [None]
        plans = [None, *svc.get("plans", {})]
        for rooms in (1, 2, 7):
            request = QuoteRequest(service, rooms=rooms, area=60.0, volume=12.0,
                                   cleaning_type=types[0], plan=plans[-1], floor_from=6,
                                   elevator_from=False, floor_to=3, elevator_to=False,
                                   distance_km=40.0, packing=True, insurance=True,
                                   insured_value=20_000.0, storage_days=3, recycle_items=2,
                                   items=tuple((i, 2) for i in svc.get("large_items", {})))
            try:
                quote = compute_quote(pricing, request, "gold", date(2026, 12, 5))
            except QuoteInputError:
                continue
            assert quote.total >= 0
    booking = bundle.section("booking")
    for service, svc in booking.get("services", {}).items():
        for slot in svc.get("slots", {}) if isinstance(svc.get("slots"), dict) else ():
            capacity_of(booking, service, date(2026, 12, 5), slot)
    complaints = bundle.section("complaints")
    if complaints:
        classify("冰箱摔坏了，师傅迟到两小时", complaints)


def _dump(data: Any) -> str:
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.dump(data, out)
    return out.getvalue()


def test_the_shipped_scripts_load_one_by_one_beside_the_core() -> None:
    for name in FILES:
        load(name, TEXTS[name])  # errors about flows in other files are fine; no crash


@given(st.sampled_from(FILES), st.text(max_size=400))
@example("pricing.yml", "pricing: !!python/object:os.system {}\n")
@example("core.yml", "version: 1\nflows: {a: *b}\n")
@example("core.yml", "\x00")
@example("pricing.yml", "pricing:\n  holidays: [2026-13-40]\n")
@example("booking.yml", "\t")  # the parser's mark fell one line past the end of the file
@example("booking.yml", "\r\t")  # a carriage return breaks the line for YAML
@example("core.yml", "a: &x 1\nb: &x 2\nc: *x\n")  # ruamel only warned: a crash under -W error
def test_any_text_loads_or_gives_file_line_errors(name: str, text: str) -> None:
    load(name, text)


@st.composite
def damaged_text(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(FILES))
    lines = TEXTS[name].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        how = draw(st.sampled_from(["cut", "repeat", "indent", "dedent", "overwrite", "swap"]))
        if not lines:
            break
        if how == "cut":
            del lines[i]
        elif how == "repeat":
            lines.insert(i, lines[i])
        elif how == "indent":
            lines[i] = "  " + lines[i]
        elif how == "dedent":
            lines[i] = lines[i].lstrip(" ")
        elif how == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        else:
            at = draw(st.integers(0, len(lines[i])))
            junk = draw(st.sampled_from([":", "- ", "{", "[", "'", '"', "&a ", "*a", "!!int ",
                                         "~", "-1", "1e999", ".nan", "2026-02-30", "？", "\t",
                                         "{zh: x}", "null", "[]", "99999999999999999999"]))
            lines[i] = lines[i][:at] + junk + lines[i][at:]
    return name, "".join(lines)


@given(damaged_text())
def test_damaged_shipped_scripts_load_or_give_file_line_errors(case: tuple[str, str]) -> None:
    load(*case)


@given(st.sampled_from(FILES).flatmap(lambda name: st.tuples(st.just(name), mutated(DATA[name]))))
@example(("pricing.yml", {"version": 1, "pricing": {"services": {"moving": {
    "kind": "moving", "base_by_rooms": {"1": 300}}}}}))
def test_shipped_scripts_with_any_values_inside_load_or_give_file_line_errors(
        case: tuple[str, Any]) -> None:
    name, data = case
    load(name, _dump(data))


def test_a_reused_anchor_is_an_error_at_its_second_definition() -> None:
    text = TEXTS["quote.yml"].replace("&after_choices", "&x").replace("*after_choices", "*x")
    lines = text.splitlines()
    first = next(i for i, ln in enumerate(lines) if "&x" in ln)
    indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
    lines.insert(first, f"{indent}spare: &x [1]")  # an earlier anchor of the same name
    result = load("quote.yml", "\n".join(lines) + "\n")
    assert [(e.line, e.message) for e in result.errors if "anchor" in e.message] == [
        (first + 2, "anchor '&x' is defined twice — give each anchor its own name")]

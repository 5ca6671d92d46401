"""Business sections of the scripts: ``pricing:``, ``booking:``, ``survey:``, ``complaints:``,
``loyalty:`` (and whatever a later module registers).

Each section lives in one file, has its own JSON Schema beside the module that owns it, and
an optional semantic check. The loader validates every section it finds the same way it
validates flows, so a broken price table is reported as ``file:line: message — hint`` and
never goes live.

A module that owns a section registers it at import time::

    SPEC = register_section("booking", schema=Path(__file__).with_name("booking.schema.json"),
                            check=check_booking)

and ``check_booking(data, ref)`` returns :class:`Problem` objects whose ``path`` is relative
to the section (``["services", "moving", "crews"]``), so the loader can find the line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator


@dataclass(frozen=True, slots=True)
class Problem:
    path: Sequence[Any]
    message: str
    hint: str = ""
    severity: str = "error"  # error | warning


@dataclass(frozen=True, slots=True)
class SectionRef:
    """Where a section was read from: lets a check point at the line of any value in it."""

    file: str
    line_of: Callable[[Sequence[Any]], int]  # path inside the section -> line

    def where(self, path: Sequence[Any] = ()) -> str:
        return f"{self.file}:{self.line_of(path)}"


CheckFn = Callable[[dict[str, Any], SectionRef], list[Problem]]


@dataclass(frozen=True, slots=True)
class SectionSpec:
    name: str
    schema: Path | None = None
    check: CheckFn | None = None
    required_by: tuple[str, ...] = field(default=())  # actions that need this section

    @property
    def validator(self) -> Draft202012Validator | None:
        return _validator(self.schema) if self.schema else None


_SECTIONS: dict[str, SectionSpec] = {}


def register_section(name: str, *, schema: Path | None = None, check: CheckFn | None = None,
                     required_by: tuple[str, ...] = ()) -> SectionSpec:
    spec = SectionSpec(name, schema, check, required_by)
    existing = _SECTIONS.get(name)
    if existing is not None and existing != spec:
        raise ValueError(f"script section {name!r} is registered twice")
    _SECTIONS[name] = spec
    return spec


def sections() -> dict[str, SectionSpec]:
    """Every registered section, after importing the modules that own them."""
    from flows.actions import registry

    registry()  # the business actions import their domain modules, which register sections
    import flows.business.dashboard_config  # noqa: F401  (a section no action uses)
    return _SECTIONS


@cache
def _validator(path: Path) -> Draft202012Validator:
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))

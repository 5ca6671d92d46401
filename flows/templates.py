"""``{slot}`` placeholders in customer-facing texts."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def render(text: str, values: Mapping[str, Any], show: Callable[[str, Any], str]) -> str:
    """Replace each ``{name}``; ``show`` turns a slot value into display text."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        return "" if value is None else show(name, value)

    return PLACEHOLDER.sub(sub, text)

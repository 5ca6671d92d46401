"""The "did you mean" part of a script error's fix hint, written once for every check."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, options: Iterable[str], *, known: int | None = None,
                 fallback: str | None = None) -> str:
    """``did you mean 'x'?`` for the closest option, else what to write instead.

    Without a close option: ``fallback`` when given (``""`` for nothing), else
    ``known: a, b, c`` listing the options in order (the first ``known`` of them when set).
    """
    choices = sorted(set(options))
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    if fallback is not None:
        return fallback
    return "known: " + ", ".join(choices[:known]) if choices else ""

"""YAML loading with line numbers (ruamel.yaml keeps them on every mapping and sequence)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(path: Path) -> Any:
    """Parse one file; raise YamlSyntaxError(line, message) on bad YAML."""
    yaml = YAML(typ="rt")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(1, f"file is not UTF-8 text ({exc.reason})") from exc
    last_line = max(1, len(text.splitlines()))  # \r, \x85 ... break lines for YAML too
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ReusedAnchorWarning)
            data = yaml.load(text)
        _refuse_reused_anchors(caught)
        return data
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # The mark can sit just past the end of the text (a stray tab on the last line).
        line = min(mark.line + 1, last_line) if mark is not None else 1
        message = f"YAML syntax error: {exc.problem or exc}"
        if exc.context_mark is not None and exc.context_mark.line + 1 != line:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise YamlSyntaxError(line, message) from exc
    except YAMLError as exc:
        raise YamlSyntaxError(1, f"YAML error: {exc}") from exc
    except ValueError as exc:  # ruamel builds dates while parsing: "2026-13-02" fails here
        line, token = _bad_date(text)
        what = f"'{token}' is not a valid date" if token else f"a value cannot be read ({exc})"
        raise YamlSyntaxError(line, f"{what} (dates are YYYY-MM-DD)") from exc


_SECOND_ANCHOR = re.compile(r"found duplicate anchor '?([^'\n]*)'?.*?second occurrence.*?line (\d+)", re.S)


def _refuse_reused_anchors(caught: list[warnings.WarningMessage]) -> None:
    """Two anchors of one name: every later alias silently means the second one, which is
    never what a copy-pasted block intended — an error at the second definition."""
    for w in caught:
        if issubclass(w.category, ReusedAnchorWarning):
            m = _SECOND_ANCHOR.search(str(w.message))
            name, line = (m[1], int(m[2])) if m else ("", 1)
            raise YamlSyntaxError(line, f"anchor '&{name}' is defined twice — give each "
                                        "anchor its own name")
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


_DATE = re.compile(r"(?<![\w-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w-])")


def _bad_date(text: str) -> tuple[int, str]:
    """Line and text of the first unquoted date-looking value that is not a real date."""
    for number, line in enumerate(text.splitlines(), start=1):
        for m in _DATE.finditer(line.split("#", 1)[0]):
            try:
                date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return number, m[0]
    return 1, ""


def line_of(node: Any, path: Sequence[str | int] = ()) -> int:
    """1-based line of the value at ``path`` below ``node``, or of its nearest ancestor."""
    line = getattr(getattr(node, "lc", None), "line", 0) + 1
    for key in path:
        if isinstance(node, CommentedMap) and key in node:
            kline = node.lc.key(key)[0] + 1
            line = kline
            node = node[key]
            inner = getattr(getattr(node, "lc", None), "line", None)
            if isinstance(node, (CommentedMap, CommentedSeq)) and inner is not None:
                line = max(kline, inner + 1) if isinstance(node, CommentedMap) else kline
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    return line


def plain(node: Any) -> Any:
    """ruamel round-trip objects -> plain dicts/lists/str (for JSON Schema and the model)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node

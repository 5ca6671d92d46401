"""Keyword/regex intent rules from ``keywords.yml`` (format documented in that file)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from nlu.dataset import DataError, load_yaml

RULE_CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Rule:
    intent: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None


def _compile(path: Path, intent: str, patterns: list[str]) -> re.Pattern[str]:
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise DataError(f"{path}: rule for '{intent}': bad regex {p!r}: {exc}") from exc
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


class RuleSet:
    """Ordered rules; :meth:`match` returns the intent of the first rule that fires."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules

    @classmethod
    def load(cls, path: Path) -> RuleSet:
        doc = load_yaml(path)
        if not isinstance(doc, dict) or doc.get("version") != 1:
            raise DataError(f"{path}: expected a mapping with 'version: 1' at the top")
        raw_rules = doc.get("rules") or []
        if not isinstance(raw_rules, list):
            raise DataError(f"{path}: 'rules' must be a list")
        rules: list[Rule] = []
        for i, raw in enumerate(raw_rules, start=1):
            if not isinstance(raw, dict) or not isinstance(raw.get("intent"), str):
                raise DataError(f"{path}: rule {i} needs an 'intent' name")
            intent = raw["intent"]
            patterns = [str(p) for key in ("zh", "en") for p in (raw.get(key) or [])]
            if not patterns:
                raise DataError(f"{path}: rule for '{intent}' has no zh/en patterns")
            unless = [str(p) for p in raw.get("unless") or []]
            rules.append(Rule(intent, _compile(path, intent, patterns),
                              _compile(path, intent, unless) if unless else None))
        return cls(rules)

    def match(self, text: str) -> str | None:
        norm = unicodedata.normalize("NFKC", text)
        for rule in self.rules:
            if rule.pattern.search(norm) and not (rule.unless and rule.unless.search(norm)):
                return rule.intent
        return None

"""The shipped training data and keyword rules are complete and well-formed."""

from collections import Counter

import pytest

from nlu.base import CONTRACT_INTENTS
from nlu.dataset import DATA_DIR, DataError, load_intents_file
from nlu.rules import RuleSet


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_contract_intent_has_at_least_40_examples(lang):
    counts = Counter(intent for _, intent in load_intents_file(DATA_DIR / f"intents_{lang}.yml"))
    assert set(counts) == set(CONTRACT_INTENTS)
    assert {i: n for i, n in counts.items() if n < 40} == {}


def test_no_sentence_is_labelled_with_two_intents():
    labels: dict[str, set[str]] = {}
    for lang in ("zh", "en"):
        for text, intent in load_intents_file(DATA_DIR / f"intents_{lang}.yml"):
            labels.setdefault(text.lower(), set()).add(intent)
    assert {t: i for t, i in labels.items() if len(i) > 1} == {}


def test_keyword_rules_load_and_name_contract_intents():
    rules = RuleSet.load(DATA_DIR / "keywords.yml")
    assert rules.rules
    assert {r.intent for r in rules.rules} <= set(CONTRACT_INTENTS)


def test_bad_rule_regex_is_reported_with_file_and_intent(tmp_path):
    path = tmp_path / "keywords.yml"
    path.write_text("version: 1\nrules:\n  - intent: human\n    en: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"keywords.yml: rule for 'human': bad regex"):
        RuleSet.load(path)


def test_yaml_mapping_in_examples_is_reported(tmp_path):
    path = tmp_path / "intents_en.yml"
    path.write_text("version: 1\nintents:\n  feedback:\n    - review: good\n", encoding="utf-8")
    with pytest.raises(DataError, match="quote it"):
        load_intents_file(path)

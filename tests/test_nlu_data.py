"""The shipped training data and keyword rules are complete and well-formed."""

from collections import Counter

import pytest

from nlu import dedup
from nlu.base import CONTRACT_INTENTS
from nlu.dataset import DATA_DIR, DataError, intent_files, load_intents_file, read_intents_file
from nlu.rules import RuleSet


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_contract_intent_has_at_least_40_examples(lang):
    counts = Counter(intent for _, intent in load_intents_file(DATA_DIR / f"intents_{lang}.yml"))
    assert set(counts) == set(CONTRACT_INTENTS)
    assert {i: n for i, n in counts.items() if n < 40} == {}


def test_no_sentence_is_labelled_with_two_intents():
    labels: dict[str, set[str]] = {}
    for path in intent_files(DATA_DIR):
        for text, intent in load_intents_file(path):
            labels.setdefault(text.lower(), set()).add(intent)
    assert {t: i for t, i in labels.items() if len(i) > 1} == {}


def test_every_example_has_a_letter():
    # The engine answers digit- and emoji-only messages ("10/10", "👍") as out_of_scope by
    # design; an example like that could never be predicted as labelled.
    bare = [(path.name, text) for path in intent_files(DATA_DIR)
            for text, _ in load_intents_file(path) if not any(ch.isalpha() for ch in text)]
    assert bare == []


def test_training_only_files_never_reword_an_example_that_can_be_held_out():
    # Examples added after the held-out split was frozen (``held_out: never``) always train;
    # a rewording of one of the frozen examples would let the held-out score measure memory.
    frozen: list[tuple[str, str]] = []
    added: dict[str, list[tuple[str, str]]] = {}
    for path in intent_files(DATA_DIR):
        file = read_intents_file(path)
        if file.may_hold_out:
            frozen += file.pairs
        else:
            assert file.lang in ("zh", "en"), path
            added[path.name] = file.pairs
    assert added, "no held_out: never file shipped"
    for name, pairs in added.items():
        rewordings = [pairs[k] for k in dedup.leaks(frozen, pairs)]
        assert rewordings == [], f"{name}: near-duplicates of held-out candidates"


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

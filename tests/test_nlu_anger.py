"""English anger beyond the lexicon: the shipped model catches annoyance, never a mild answer."""

from __future__ import annotations

import pytest

from nlu.anger_model import SHIPPED, AngerModel, load_shipped, train_anger
from nlu.base import Sentiment
from nlu.builtin import BuiltinNLU, default_nlu
from nlu.dataset import DATA_DIR, load_intents_file
from nlu.sentiment import analyse


def _lexicon(text: str) -> Sentiment:
    return analyse(text, None)


def test_the_shipped_model_loads():
    model = load_shipped()
    assert model is not None and SHIPPED.exists()
    assert 0.0 < model.threshold < 1.0


@pytest.mark.parametrize("text", ["I'm offended", "yea that's nonsense", "stop attacking me."])
def test_annoyance_without_an_insult_is_flagged(text):
    assert not analyse(text, "en").anger  # the lexicon alone misses it
    sentiment = default_nlu().parse(text).sentiment
    assert sentiment.anger and sentiment.label == "negative" and sentiment.score <= -0.3


@pytest.mark.parametrize("text", ["no", "no no", "hell no", "nope, not that one", "how much", "不要", "算了",
                                  "when will the nanny get here", "great job thanks", "no thanks!!"])
def test_mild_answers_and_questions_never_look_angry(text):
    assert not default_nlu().parse(text).sentiment.anger


def test_the_model_flags_none_of_our_calm_customer_messages():
    # Complaints, calls for a person and opt-outs are often annoyed on purpose
    # ("stop the push notifications its annoying"); every other intent is calm.
    engine = default_nlu()
    flagged = [text for lang in ("en", "zh")
               for text, intent in load_intents_file(DATA_DIR / f"intents_{lang}.yml")
               if intent not in ("complain", "human", "unsubscribe")
               and engine.parse(text).sentiment.anger
               and not analyse(text, None).anger]
    assert flagged == []


def test_asking_about_a_refund_is_not_anger():
    assert not default_nlu().parse("不满意能退钱吗").sentiment.anger
    assert default_nlu().parse("退钱！骗子").sentiment.anger


def test_insults_still_come_from_the_lexicon_whatever_the_model_says():
    engine = BuiltinNLU(anger=False)
    assert engine.anger is None
    assert engine.parse("you idiots broke my lamp").sentiment.anger


ANGRY = ["this is absolutely ridiculous", "i'm so fed up with you", "stop ignoring me",
         "what a joke of a service", "how dare you", "unbelievable, again??", "so annoying",
         "this is pathetic", "are you serious right now", "i'm sick of this"]
CALM = ["thanks a lot", "see you tomorrow", "sounds good", "what time is it", "nice weather",
        "i like it", "ok then", "cool", "the cat is sleeping", "lunch was fine"]


def test_training_chooses_a_threshold_by_cross_validation_and_keeps_calm_texts_calm():
    rows = [(t, True) for t in ANGRY] * 3 + [(t, False) for t in CALM] * 3
    model, choice = train_anger(rows, lexicon=_lexicon, calm=["how much", "no no"], folds=3)
    assert 0.0 < model.threshold < 1.0 and choice.rows == len(rows)
    assert model.flag("so annoying", _lexicon("so annoying"))
    assert not model.flag("how much", _lexicon("how much"))
    copy = AngerModel.from_json(model.to_json())
    assert copy.probability("stop ignoring me") == model.probability("stop ignoring me")


def test_training_needs_both_kinds_of_rows():
    with pytest.raises(ValueError, match="angry and other"):
        train_anger([("fine", False), ("ok", False)], lexicon=_lexicon)

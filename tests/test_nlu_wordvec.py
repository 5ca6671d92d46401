"""Word vectors and pinyin: what the intent model knows about words it never saw in training."""

from __future__ import annotations

import json
import math

import pytest

from nlu import classifier, pinyin, wordvec
from nlu.classifier import IntentModel
from nlu.dataset import DATA_DIR, load_training_data
from nlu.features import normalize, pinyin_grams
from nlu.wordvec import WordVectors, write_table


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def table() -> WordVectors:
    return wordvec.shipped()


def test_the_shipped_table_knows_everyday_words_of_both_languages(table):
    for word in ["reschedule", "furniture", "macbook", "cancel", "打扫", "拜拜", "家具", "退款", "积分"]:
        assert word in table, word
    assert len(table) > 50_000 and table.dims == 48


def test_a_message_vector_is_the_unit_mean_of_its_known_words(table):
    vector = table.vector(normalize("How much is a new MacBook?"))
    assert len(vector) == table.dims
    assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-9)
    assert table.vector(normalize("ЖЖЖ 👍")) == []  # nothing known: no vector at all


def test_unknown_chinese_words_fall_back_to_their_characters(table):
    tokens = table.tokens(normalize("搬家车呢"))
    assert tokens and all(t in table for t in tokens)


def test_related_words_are_closer_than_unrelated_ones(table):
    def v(text: str) -> list[float]:
        return table.vector(normalize(text))

    assert cosine(v("macbook"), v("iphone")) > cosine(v("macbook"), v("cleaner"))
    assert cosine(v("沙发"), v("家具")) > cosine(v("沙发"), v("退款"))
    assert cosine(v("goodbye"), v("拜拜")) > cosine(v("goodbye"), v("发票"))


def test_a_written_table_loads_back_within_quantisation_error(tmp_path):
    np = pytest.importorskip("numpy")
    rows = np.array([[0.5, -1.0, 0.25], [0.0, 0.3, -0.2], [1.0, 1.0, 1.0]], dtype=np.float32)
    path = tmp_path / "vec.bin.gz"
    write_table(path, ["hello", "你好", "world"], rows)
    loaded = WordVectors.load(path)
    assert len(loaded) == 3 and loaded.dims == 3 and "你好" in loaded
    got = loaded.vector("world")
    assert got == pytest.approx([1 / math.sqrt(3)] * 3, abs=1e-2)
    with pytest.raises(ValueError, match="distinct"):
        write_table(path, ["a", "a", "b"], rows)


def test_homophone_typos_share_their_pinyin_features():
    assert pinyin_grams(normalize("白白")) == pinyin_grams(normalize("拜拜")) == ["bai", "bai", "bai bai"]
    assert pinyin_grams(normalize("恩恩")) == pinyin_grams(normalize("嗯嗯"))
    assert pinyin_grams(normalize("积份多少")) == pinyin_grams(normalize("积分多少"))
    assert pinyin_grams(normalize("hello 123")) == []
    assert pinyin.syllables("女x") == ["nv", "x"]  # ü is typed v; non-Han stays itself


def test_the_pinyin_table_matches_its_build(tmp_path):
    pytest.importorskip("pypinyin")
    rebuilt = tmp_path / "pinyin.txt"
    pinyin.build(rebuilt)
    assert rebuilt.read_text(encoding="utf-8") == pinyin.PATH.read_text(encoding="utf-8")


def test_the_model_keeps_its_word_vector_block_through_json(tmp_path):
    examples = [("hello there", "greet"), ("hi", "greet"), ("你好", "greet"),
                ("how much is it", "quote"), ("price please", "quote"), ("多少钱", "quote")]
    model = classifier.train(examples)
    assert model.vectors is not None and "vec" in model.block_names
    copy = IntentModel.from_json(json.loads(json.dumps(model.to_json())))
    for text in ["good morning", "what does a clean cost", "价格", "ЖЖЖ"]:
        assert copy.predict_proba(text) == pytest.approx(model.predict_proba(text), abs=1e-12)
    # "cost" is in no training text: only the word vectors say it is about prices.
    assert dict(zip(model.classes, model.predict_proba("cost"), strict=True))["quote"] > 0.5


def test_a_model_trained_with_another_table_is_not_loaded(tmp_path):
    examples = [("hello", "greet"), ("hi", "greet"), ("how much", "quote"), ("price", "quote")]
    data = classifier.train(examples).to_json()
    data["vectors"]["table"] = "0" * 16
    with pytest.raises(ValueError, match="another word-vector table"):
        IntentModel.from_json(data)
    classifier.store_cached(tmp_path, "k", classifier.train(examples))
    path = tmp_path / "nlu-intents-k.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert classifier.load_cached(tmp_path, "k") is None  # retrained, never half-loaded


def test_models_saved_before_word_vectors_still_load():
    old = classifier.train([("hello", "greet"), ("hi", "greet"), ("how much", "quote"),
                            ("price", "quote")], weights={"vec": 0}).to_json()
    old["format"] = 1
    old.pop("vectors", None)
    model = IntentModel.from_json(old)
    assert model.vectors is None and "vec" not in model.block_names


def test_shipped_training_data_has_word_vectors_for_most_messages(table):
    examples = load_training_data(DATA_DIR)
    covered = sum(1 for text, _ in examples if table.vector(normalize(text)))
    assert covered / len(examples) > 0.97


def test_misspelt_english_words_borrow_the_vector_of_the_word_meant(table):
    for typo, meant in [("cancle", "cancel"), ("rescedule", "reschedule"), ("huamn", "human"),
                        ("hellooo", "hello"), ("pionts", "points"), ("mutch", "much")]:
        assert table.correct(typo) == meant
        assert table.vector(normalize(f"{typo} please")) == table.vector(normalize(f"{meant} please"))
    assert table.correct("xqzv") is None  # nothing one edit away: no vector, no guess
    assert table.tokens(normalize("tmrw")) == []

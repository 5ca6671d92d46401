"""The pure-Python intent model matches scikit-learn, and its cache behaves."""

import json
import os

import pytest

from nlu import classifier
from nlu.builtin import BuiltinNLU
from nlu.classifier import IntentModel, export, fit_sklearn
from nlu.dataset import DATA_DIR, load_training_data
from nlu.features import normalize

TINY_ZH = """\
version: 1
lang: zh
intents:
  greet: [你好, 您好, 在吗, 哈喽]
  quote: [多少钱, 搬家多少钱, 怎么收费, 报个价]
  out_of_scope: [今天天气, 讲个笑话, 股票, 你几岁]
"""
TINY_EN = """\
version: 1
lang: en
intents:
  greet: [hello, hi there, hey, good morning]
  quote: [how much, price please, what does it cost, give me a quote]
  out_of_scope: [weather today, tell me a joke, stock price of gold, how old are you]
"""


@pytest.fixture
def tiny_data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "intents_zh.yml").write_text(TINY_ZH, encoding="utf-8")
    (data / "intents_en.yml").write_text(TINY_EN, encoding="utf-8")
    return data


def test_pure_python_probabilities_match_sklearn_on_training_texts():
    examples = load_training_data(DATA_DIR)
    pipeline, blocks = fit_sklearn(examples)
    model = export(pipeline, blocks)
    texts = [text for text, _ in examples]
    expected = pipeline.predict_proba([normalize(t) for t in texts])
    assert list(model.classes) == list(pipeline.classes_)
    worst = max(
        abs(p - q)
        for text, row in zip(texts, expected, strict=True)
        for p, q in zip(model.predict_proba(text), row, strict=True)
    )
    assert worst < 1e-6


def test_unknown_text_falls_back_to_the_intercepts(tiny_data):
    model = classifier.train(load_training_data(tiny_data), weights={"concept": 0})
    probs = model.predict_proba("ЖЖЖ")  # no known feature at all
    assert sum(probs) == pytest.approx(1.0)
    assert model.decision("ЖЖЖ") == list(model.intercept)


def test_text_without_domain_words_carries_only_the_no_domain_concept(tiny_data):
    model = classifier.train(load_training_data(tiny_data))
    assert set(model.vectorize("ЖЖЖ")) == {("concept", "c:none")}


# Typos, voice-to-text, mixed scripts, digits, emoji, full-width, and no features at all.
PROBES = [
    "我想预约下周六保洁，两室一厅多少钱", "那个我想取消一下预越", "帮我book一个cleaning 周六",
    "how mcuh to move a 2 bed flat", "CANCEL MY BOOKING!!!", "Ｈｅｌｌｏ　ｗｏｒｌｄ", "👍👍 thanks",
    "10:30", "12月5号 3点", "ЖЖЖ", "", "积分 points 多少", "师傅到哪了？？", "not bad at all",
]


@pytest.mark.parametrize("weights", [None, {"zhw": 0.5, "char": 0.3}])
def test_features_identical_between_training_and_inference(weights):
    """The vector scikit-learn trained on is the vector the pure-Python scorer builds."""
    examples = load_training_data(DATA_DIR)
    pipeline, blocks = fit_sklearn(examples, weights=weights)
    model = export(pipeline, blocks)
    union = pipeline.named_steps["features"]
    names = [(block, feature) for block in blocks
             for feature in union.named_transformers[block].get_feature_names_out()]
    for text in PROBES + [t for t, _ in examples[::97]]:
        row = union.transform([normalize(text)]).tocoo()
        trained = {names[col]: float(v) for col, v in zip(row.col, row.data, strict=True)}
        served = model.vectorize(text)
        assert set(served) == set(trained), text
        assert all(abs(served[k] - trained[k]) < 1e-5 for k in trained), text


def test_binary_model_matches_sklearn_probabilities():
    examples = [("很好吃 还会再来", "positive"), ("太难吃了", "negative"), ("送得很快 不错", "positive"),
                ("等了两个小时 凉了", "negative"), ("great food", "positive"), ("awful, cold", "negative")]
    pipeline, blocks = fit_sklearn(examples)
    model = export(pipeline, blocks)
    assert model.classes == ("negative", "positive")
    for text in ["好吃", "太慢了 凉了", "great", "ЖЖЖ"]:
        expected = pipeline.predict_proba([normalize(text)])[0]
        assert model.predict_proba(text) == pytest.approx(list(expected), abs=1e-6)


def test_unknown_block_weight_is_rejected():
    with pytest.raises(ValueError, match="unknown feature block 'nope'"):
        classifier.block_weights({"nope": 1.0})
    assert "lex" not in classifier.block_weights({"lex": 0})


def test_model_survives_a_json_round_trip(tiny_data):
    model = classifier.train(load_training_data(tiny_data))
    copy = IntentModel.from_json(json.loads(json.dumps(model.to_json())))
    for text in ["你好", "how much", "天气", "随便说点什么"]:
        assert copy.predict_proba(text) == model.predict_proba(text)


def test_trained_model_is_cached_and_reused(tiny_data, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = BuiltinNLU(data_dir=tiny_data, cache_dir=cache)
    assert len(list(cache.glob("nlu-intents-*.json"))) == 1

    def no_training(_examples):
        raise AssertionError("should have loaded the cached model")

    monkeypatch.setattr(classifier, "train", no_training)
    second = BuiltinNLU(data_dir=tiny_data, cache_dir=cache)
    assert second.model.predict_proba("你好") == first.model.predict_proba("你好")


def test_changing_the_data_changes_the_cache_key(tiny_data, tmp_path):
    cache = tmp_path / "cache"
    BuiltinNLU(data_dir=tiny_data, cache_dir=cache)
    path = tiny_data / "intents_en.yml"
    path.write_text(path.read_text(encoding="utf-8") + "    # edited\n", encoding="utf-8")
    BuiltinNLU(data_dir=tiny_data, cache_dir=cache)
    assert len(list(cache.glob("nlu-intents-*.json"))) == 2


def test_unwritable_cache_dir_falls_back_to_memory(tiny_data, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    nlu = BuiltinNLU(data_dir=tiny_data, cache_dir=blocker / "cache")
    assert nlu.parse("你好").intent.name == "greet"


def test_corrupt_cache_file_is_ignored(tiny_data, tmp_path):
    cache = tmp_path / "cache"
    BuiltinNLU(data_dir=tiny_data, cache_dir=cache)
    (cached,) = cache.glob("nlu-intents-*.json")
    cached.write_text("{not json", encoding="utf-8")
    assert BuiltinNLU(data_dir=tiny_data, cache_dir=cache).parse("hello").intent.name == "greet"


def test_cache_dir_comes_from_environment(tiny_data, tmp_path, monkeypatch):
    monkeypatch.setenv("CARELINE_CACHE_DIR", str(tmp_path / "env-cache"))
    BuiltinNLU(data_dir=tiny_data)
    assert list((tmp_path / "env-cache").glob("nlu-intents-*.json"))


def test_data_dir_without_keywords_runs_classifier_only(tiny_data, tmp_path):
    nlu = BuiltinNLU(data_dir=tiny_data, cache_dir=tmp_path / "cache")
    assert nlu.rules.rules == []
    assert nlu.parse("how much").intent.name == "quote"


def test_old_cache_files_are_pruned(tiny_data, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    for i in range(6):
        old = cache / f"nlu-intents-old{i}.json"
        old.write_text("{}", encoding="utf-8")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    BuiltinNLU(data_dir=tiny_data, cache_dir=cache)
    kept = sorted(p.name for p in cache.glob("nlu-intents-*.json"))
    assert len(kept) == 4
    assert "nlu-intents-old0.json" not in kept
    assert BuiltinNLU(data_dir=tiny_data, cache_dir=cache).parse("hi there").intent.name == "greet"

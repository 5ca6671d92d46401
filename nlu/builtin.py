"""The built-in NLU engine: rules + TF-IDF/logistic-regression intents, regex entities."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nlu import classifier, features
from nlu.anger_model import AngerModel
from nlu.anger_model import load_shipped as load_anger_model
from nlu.base import IntentScore as Score
from nlu.base import ParseResult, Sentiment
from nlu.dataset import DATA_DIR, intent_files, load_training_data
from nlu.embeddings import EmbeddingIntents, load_or_train_joint, requested, train_joint
from nlu.entities import extract
from nlu.language import detect
from nlu.rules import RULE_CONFIDENCE, RuleSet
from nlu.sentiment import NEGATIVE_AT, analyse

#: Characters analysed per message; longer text is cut (a pasted essay is not a request).
MAX_CHARS = 4000
#: Below this top probability the message is treated as out_of_scope. out_of_scope is also
#: a trained class and does most of the work; this only catches what the model is unsure
#: about. Chosen by grouped 5-fold cross-validation on the training part of the own-data split
#: (never the held-out part). With the word-vector and pinyin blocks: 0.2 gives en 0.906 /
#: zh 0.917 (out_of_scope precision 0.84, recall 0.80), the plain argmax the same; 0.3 costs
#: 0.1-0.2 points, 0.5 ~1.7; a top-1/top-2 margin rule (0.05-0.2), a separate binary in/out
#: model (measured before the new blocks) and scaling the out_of_scope probability (x0.6-x2)
#: trade out_of_scope precision for recall without gaining accuracy (bench/README.md).
DEFAULT_THRESHOLD = 0.2
OUT_OF_SCOPE = "out_of_scope"
RANKING_SIZE = 5


class BuiltinNLU:
    """Rules, then classifier; entities, sentiment and language alongside.

    ``data_dir`` holds ``intents_*.yml`` (training) and optionally ``keywords.yml``
    (rules; ``rules=False`` ignores it). The trained model is cached as JSON under
    ``cache_dir`` (default ``$CARELINE_CACHE_DIR`` or ``~/.cache/careline``), keyed by a
    hash of the data; an unwritable cache directory just means training at every start.
    ``examples`` (train on these instead, never cached) or ``model`` (an already trained
    :class:`classifier.IntentModel`) replace the data directory's training files;
    :meth:`from_examples` is the convenient way to train on any labelled data.
    ``anger=False`` leaves English anger to the lexicon alone (no trained anger model).
    ``embeddings`` (default: ``CARELINE_NLU_EMBEDDINGS``) trains the joint TF-IDF +
    sentence-embedding model of the optional extra instead (:mod:`nlu.embeddings`, cached
    the same way; raises ``EmbeddingsUnavailable`` with the install command when the extra
    is missing).
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        timezone: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
        examples: Sequence[tuple[str, str]] | None = None,
        model: classifier.IntentModel | None = None,
        rules: bool = True,
        anger: bool = True,
        embeddings: bool | None = None,
    ) -> None:
        if not 0.0 <= threshold < 1.0:
            raise ValueError(f"threshold must be in [0, 1), got {threshold!r}")
        self.timezone = timezone or os.environ.get("CARELINE_TIMEZONE") or "Asia/Shanghai"
        try:
            self._zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown timezone {self.timezone!r}; use an IANA name such as 'Asia/Shanghai'"
            ) from exc
        self.threshold = threshold
        self.data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
        keywords = self.data_dir / "keywords.yml"
        self.rules = RuleSet.load(keywords) if rules and keywords.exists() else RuleSet([])
        self._cache_dir = Path(cache_dir) if cache_dir is not None else classifier.default_cache_dir()
        #: The embedding half of a joint model (nlu/embeddings.py), when the extra is on.
        self.fusion: EmbeddingIntents | None = None
        if model is not None:
            if embeddings:
                raise ValueError("embeddings need the training examples: use from_examples() "
                                 "or a data directory instead of model=")
            self.model = model
        elif embeddings if embeddings is not None else requested():
            if examples is not None:
                self.model, self.fusion = train_joint(examples)
            else:
                self.model, self.fusion = load_or_train_joint(
                    lambda: load_training_data(self.data_dir),
                    classifier.cache_key(intent_files(self.data_dir)), self._cache_dir, use_cache)
        elif examples is not None:
            # An explicit training set (evaluation splits) is never cached.
            self.model = classifier.train(examples)
        else:
            self.model = self._load_or_train(self._cache_dir, use_cache)
        features.warm_up(self.model.block_names)  # jieba's dictionary now, not at parse 1
        #: English anger beyond the lexicon (nlu/anger_model.py); None without the shipped file.
        self.anger: AngerModel | None = load_anger_model() if anger else None

    @classmethod
    def from_examples(
        cls,
        examples: Sequence[tuple[str, str]],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        rules: bool = False,
        data_dir: str | Path | None = None,
        timezone: str | None = None,
        hyperparams: Mapping[str, Any] | None = None,
        weights: Mapping[str, float] | None = None,
        embeddings: bool = False,
    ) -> BuiltinNLU:
        """The same engine trained on any ``(text, label)`` pairs (e.g. Banking77 train).

        Labels need not be contract intents. ``rules=True`` applies ``keywords.yml``
        of ``data_dir`` (default: the shipped data) before the classifier; off by
        default since the shipped rules speak our intents. ``threshold=0`` never answers
        out_of_scope (right for data without an out-of-scope class). ``hyperparams`` and
        ``weights`` override :data:`classifier.HYPERPARAMS` and the feature-block weights.
        ``embeddings=True`` trains the joint TF-IDF + embedding model instead (the extra;
        ``hyperparams`` and ``weights`` then do not apply).
        Nothing is cached: pass the result's ``model`` to ``BuiltinNLU(model=...)`` to reuse.
        """
        if embeddings:
            model, fusion = train_joint(examples, cache_dir=classifier.default_cache_dir())
            engine = cls(data_dir, timezone, threshold, model=model, rules=rules)
            engine.fusion = fusion
            return engine
        model = classifier.train(examples, hyperparams=hyperparams, weights=weights)
        return cls(data_dir, timezone, threshold, model=model, rules=rules, embeddings=False)

    def _load_or_train(self, cache_dir: Path, use_cache: bool) -> classifier.IntentModel:
        key = classifier.cache_key(intent_files(self.data_dir))
        if use_cache and (cached := classifier.load_cached(cache_dir, key)) is not None:
            return cached
        model = classifier.train(load_training_data(self.data_dir))
        if use_cache:
            classifier.store_cached(cache_dir, key, model)
        return model

    @property
    def intents(self) -> tuple[str, ...]:
        return self.model.classes

    def rank(self, text: str) -> list[Score]:
        """All intents by classifier probability (no rules, no threshold)."""
        probs = (self.model.predict_proba(text) if self.fusion is None
                 else self.fusion.probabilities(self.model, text))
        ranked = sorted(zip(self.model.classes, probs, strict=True), key=lambda kv: -kv[1])
        return [Score(name, p) for name, p in ranked]

    def classify(self, text: str) -> tuple[Score, tuple[Score, ...]]:
        """The chosen intent and the top-5 ranking, rules and threshold applied."""
        ranked = self.rank(text[:MAX_CHARS])
        ruled = self.rules.match(text)
        if ruled is not None:
            rest = [s for s in ranked if s.name != ruled]
            mass = sum(s.confidence for s in rest) or 1.0
            # Rescale the classifier's other guesses into the 5% the rule leaves over,
            # keeping their order, so the ranking still sums to 1.
            ranked = [Score(ruled, RULE_CONFIDENCE)] + [
                Score(s.name, s.confidence * (1.0 - RULE_CONFIDENCE) / mass) for s in rest
            ]
        elif ranked[0].confidence < self.threshold:
            oos = Score(OUT_OF_SCOPE, 1.0 - ranked[0].confidence)
            ranked = [oos] + [s for s in ranked if s.name != OUT_OF_SCOPE]
        top = tuple(ranked[:RANKING_SIZE])
        return top[0], top

    def parse(self, text: str, *, now: datetime | None = None) -> ParseResult:
        """Understand one message. Never raises on odd input (any ``str`` is fine)."""
        if not text or text.isspace():
            empty = Score(OUT_OF_SCOPE, 1.0)
            return ParseResult(text, empty, (empty,), (), Sentiment("neutral", 0.0), None)
        clipped = text[:MAX_CHARS]
        lang = detect(clipped)
        entities = extract(clipped, now or datetime.now(self._zone), self.timezone)
        if any(ch.isalpha() for ch in clipped):
            intent, ranking = self.classify(clipped)
        else:  # "2", "10:30", "👍": an answer or a reaction, never an intent on its own
            intent = Score(OUT_OF_SCOPE, 1.0)
            ranking = (intent,)
        return ParseResult(
            text=text,
            intent=intent,
            intent_ranking=ranking,
            entities=tuple(entities),
            sentiment=self.sentiment(clipped, lang),
            lang=lang,
        )

    def sentiment(self, text: str, lang: str | None) -> Sentiment:
        """The lexicon's verdict; for text that is not Chinese, the trained anger model may
        raise the anger flag too (and the score then is negative, as for an insult)."""
        verdict = analyse(text, lang)
        if (self.anger is None or verdict.anger or lang == "zh"
                or not self.anger.flag(text, verdict)):
            return verdict
        return Sentiment("negative", min(verdict.score, NEGATIVE_AT), True)


_default: BuiltinNLU | None = None
_default_lock = threading.Lock()


def default_nlu() -> BuiltinNLU:
    """The process-wide engine with shipped data, built once on first use (thread-safe)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = BuiltinNLU()
    return _default

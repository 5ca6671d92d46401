"""Intent classifier: trained with scikit-learn, served in pure Python.

Training fits one TF-IDF block per analyzer in :data:`nlu.features.BLOCKS`
(sublinear tf, smooth idf, l2 norm per block), plus the "vec" block: the message's mean
word vector from :mod:`nlu.wordvec` (unit length, times :data:`VECTOR_WEIGHT`), and a
multinomial logistic regression over their union. :func:`export` then flattens the fitted model into
plain dicts, and :class:`IntentModel` reproduces ``predict_proba`` from them with
a few hundred float operations: no numpy or sklearn import on the request path,
and a cached model loads from JSON without importing scikit-learn at all.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import mul
from pathlib import Path
from typing import Any

from nlu import wordvec
from nlu.features import ANALYZERS, BLOCKS, FEATURES_VERSION, normalize

#: Logistic-regression settings; part of the cache key. newton-cg on float32 features:
#: our intents (~40 k features x 16 classes) train in ~3 s; lbfgs would need far more memory
#: (its history vectors are n_features x n_classes each).
HYPERPARAMS: dict[str, Any] = {
    "C": 30.0, "solver": "newton-cg", "max_iter": 1000, "class_weight": "balanced",
}
#: newton-cg's work vectors are n_features x n_classes too: above this many coefficients
#: (Banking77: 31 k features x 77 classes = 2.4 M) saga, which keeps one gradient per
#: example instead, trains in a fraction of the memory (peak 305 -> 200 MB on Banking77)
#: at the same accuracy (0.918 / 0.919) in a few more seconds (22 -> 29 s). Unless the
#: caller chose a solver.
LARGE_MODEL = 1_500_000
LARGE_MODEL_SOLVER: dict[str, Any] = {"solver": "saga", "tol": 1e-3, "max_iter": 300,
                                      "random_state": 0}
_MODEL_FORMAT = 2
#: Name and weight of the word-vector block next to the TF-IDF blocks (each unit length
#: times its weight). Chosen by grouped 5-fold cross-validation on the training part of
#: the own-data split; see bench/README.md for the figures.
VECTOR_BLOCK = "vec"
VECTOR_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class Block:
    name: str
    weight: float
    #: feature → (idf, coef per class)
    features: dict[str, tuple[float, tuple[float, ...]]]


@dataclass(frozen=True, slots=True)
class VectorBlock:
    """The word-vector block: ``rows[k]`` holds every class's coefficient for dimension k."""

    weight: float
    rows: tuple[tuple[float, ...], ...]
    table: wordvec.WordVectors


class IntentModel:
    """Pure-Python scorer for an exported model; thread-safe (immutable after init)."""

    def __init__(self, classes: Sequence[str], intercept: Sequence[float], blocks: Sequence[Block],
                 vectors: VectorBlock | None = None):
        self.classes: tuple[str, ...] = tuple(classes)
        self.intercept: tuple[float, ...] = tuple(intercept)
        self.blocks: tuple[Block, ...] = tuple(blocks)
        self.vectors = vectors
        unknown = [b.name for b in self.blocks if b.name not in ANALYZERS]
        if unknown:
            raise ValueError(f"model uses unknown feature blocks {unknown}")
        if vectors is not None and len(vectors.rows) != vectors.table.dims:
            raise ValueError(f"model has {len(vectors.rows)} word-vector dimensions, "
                             f"the table {vectors.table.dims}")
        self._analyzers = {b.name: ANALYZERS[b.name] for b in self.blocks}

    @property
    def block_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.blocks) + ((VECTOR_BLOCK,) if self.vectors else ())

    def vectorize(self, text: str) -> dict[tuple[str, str], float]:
        """The weighted feature vector of ``text``, keyed by (block, feature): what
        :meth:`decision` multiplies with the coefficients (for tests and debugging)."""
        values, _, keys = self._active(normalize(text), with_keys=True)
        return dict(zip(keys, values, strict=True))

    def _active(
        self, norm: str, with_keys: bool = False
    ) -> tuple[list[float], list[tuple[float, ...]], list[tuple[str, str]]]:
        values: list[float] = []
        rows: list[tuple[float, ...]] = []
        keys: list[tuple[str, str]] = []
        for block in self.blocks:
            counts = Counter(self._analyzers[block.name](norm))
            start = len(values)
            total = 0.0
            for feature, count in counts.items():
                entry = block.features.get(feature)
                if entry is None:
                    continue
                value = (1.0 + math.log(count)) * entry[0]  # sublinear tf x idf
                values.append(value)
                rows.append(entry[1])
                if with_keys:
                    keys.append((block.name, feature))
                total += value * value
            if total:
                scale = block.weight / math.sqrt(total)  # l2 norm per block, then its weight
                values[start:] = [v * scale for v in values[start:]]
        if self.vectors is not None:
            weight = self.vectors.weight
            for k, (x, row) in enumerate(zip(self.vectors.table.vector(norm), self.vectors.rows,
                                             strict=False)):
                if x:
                    values.append(x * weight)
                    rows.append(row)
                    if with_keys:
                        keys.append((VECTOR_BLOCK, f"v{k}"))
        return values, rows, keys

    def decision(self, text: str) -> list[float]:
        """Raw class scores (sklearn's ``decision_function``) for one text."""
        values, rows, _ = self._active(normalize(text))
        if not values:
            return list(self.intercept)
        # Column-wise sums over the transposed rows: ~35% faster than updating 16 scores
        # per feature in CPython.
        return [b + sum(map(mul, values, col))
                for b, col in zip(self.intercept, zip(*rows, strict=True), strict=True)]

    def predict_proba(self, text: str) -> list[float]:
        """Class probabilities in ``self.classes`` order (softmax of :meth:`decision`)."""
        scores = self.decision(text)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": _MODEL_FORMAT,
            "classes": list(self.classes),
            "intercept": list(self.intercept),
            "blocks": [
                {"name": b.name, "weight": b.weight,
                 "features": {f: [idf, *coefs] for f, (idf, coefs) in b.features.items()}}
                for b in self.blocks
            ],
        }
        if self.vectors is not None:
            out["vectors"] = {"weight": self.vectors.weight, "table": self.vectors.table.digest,
                              "rows": [list(r) for r in self.vectors.rows]}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntentModel:
        if data.get("format") not in (1, _MODEL_FORMAT):  # 1: before word vectors
            raise ValueError(f"unsupported model format {data.get('format')!r}")
        blocks = [
            Block(b["name"], float(b["weight"]),
                  {f: (float(v[0]), tuple(float(x) for x in v[1:])) for f, v in b["features"].items()})
            for b in data["blocks"]
        ]
        vectors = None
        if data.get("vectors") is not None:
            table = wordvec.shipped()
            if data["vectors"]["table"] != table.digest:
                raise ValueError("model was trained with another word-vector table")
            vectors = VectorBlock(float(data["vectors"]["weight"]),
                                  tuple(tuple(float(x) for x in r) for r in data["vectors"]["rows"]),
                                  table)
        return cls(data["classes"], data["intercept"], blocks, vectors)


def block_weights(weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """The feature blocks to train with: :data:`BLOCKS` weights and the word-vector block,
    overridden by ``weights`` (a weight of 0 leaves the block out)."""
    chosen = {name: w for name, _, w in BLOCKS}
    chosen[VECTOR_BLOCK] = VECTOR_WEIGHT
    for name, w in (weights or {}).items():
        if name not in chosen:
            raise ValueError(f"unknown feature block {name!r}; known: {sorted(chosen)}")
        chosen[name] = float(w)
    return {name: w for name, w in chosen.items() if w > 0}


def fit_sklearn(
    examples: Sequence[tuple[str, str]],
    *,
    hyperparams: Mapping[str, Any] | None = None,
    weights: Mapping[str, float] | None = None,
    min_df: int = 1,
    dense: Any = None,
) -> tuple[Any, list[str]]:
    """Fit the sklearn pipeline on ``(text, label)`` pairs; returns (pipeline, block names).

    ``hyperparams`` override :data:`HYPERPARAMS` for LogisticRegression; ``weights``
    override block weights (see :func:`block_weights`); ``min_df`` drops features seen in
    fewer texts (a smaller model in memory); ``dense`` (an ``(n, d)`` array, one row per
    example) is appended to the TF-IDF features, so its coefficients are the last ``d``
    columns of ``clf.coef_`` (:mod:`nlu.embeddings`). Exposed for the parity test;
    :func:`train` is what callers want.
    """
    # Imported here: a cached model never needs scikit-learn (saves ~1 s of startup).
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    if len({intent for _, intent in examples}) < 2:
        raise ValueError("training needs examples for at least two intents")
    norms = [normalize(text) for text, _ in examples]
    labels = [intent for _, intent in examples]
    chosen = block_weights(weights)
    # A block with no features in the data (e.g. English-only data has no Han) would make
    # TfidfVectorizer fail with "empty vocabulary"; leave it out instead.
    used: list[tuple[str, Any, float]] = [
        (name, TfidfVectorizer(analyzer=ANALYZERS[name], sublinear_tf=True, norm="l2",
                               smooth_idf=True, min_df=min_df, dtype=np.float32), w)
        for name, w in chosen.items()
        if name in ANALYZERS and any(ANALYZERS[name](t) for t in norms)]
    if VECTOR_BLOCK in chosen:
        table = wordvec.shipped()
        if any(table.tokens(t) for t in norms):
            used.append((VECTOR_BLOCK, _vector_transformer(table), chosen[VECTOR_BLOCK]))
    if not used:
        raise ValueError("no features in the training texts")
    union = FeatureUnion([(name, transformer) for name, transformer, _ in used],
                         transformer_weights={name: w for name, _, w in used})
    features = union.fit_transform(norms)
    if dense is not None:
        from scipy.sparse import csr_matrix, hstack

        features = hstack([features, csr_matrix(dense, dtype=np.float32)]).tocsr()
    params = {**HYPERPARAMS, **(hyperparams or {})}
    if features.shape[1] * len(set(labels)) > LARGE_MODEL and "solver" not in (hyperparams or {}):
        params.update(LARGE_MODEL_SOLVER)
    clf = LogisticRegression(**params).fit(features, labels)
    return Pipeline([("features", union), ("clf", clf)]), [name for name, _, _ in used]


def _vector_transformer(table: wordvec.WordVectors) -> Any:
    """A stateless scikit-learn transformer: normalised texts → their mean word vectors
    (:meth:`wordvec.WordVectors.vector`; zeros when no word is known)."""
    import numpy as np
    from sklearn.base import BaseEstimator, TransformerMixin

    class WordVectorFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
        def fit(self, texts: Any, y: Any = None) -> WordVectorFeatures:
            return self

        def transform(self, texts: Any) -> Any:
            return table.matrix(texts)

        def get_feature_names_out(self, input_features: Any = None) -> Any:
            return np.array([f"v{k}" for k in range(table.dims)], dtype=object)

    return WordVectorFeatures()


def export(pipeline: Any, block_names: Sequence[str]) -> IntentModel:
    """Flatten a fitted :func:`fit_sklearn` pipeline into an :class:`IntentModel`."""
    union = pipeline.named_steps["features"]
    clf = pipeline.named_steps["clf"]
    import numpy as np

    coef = clf.coef_  # (n_classes, n_features), blocks laid out in union order
    intercept = clf.intercept_
    if len(clf.classes_) == 2:
        # Binary LR keeps one row, the score of class 1. Split it as (-s/2, +s/2): the
        # softmax of that pair is exactly the sigmoid of s.
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    weights = dict(union.transformer_weights or {})
    blocks: list[Block] = []
    vectors: VectorBlock | None = None
    offset = 0
    for name in block_names:
        if name == VECTOR_BLOCK:
            table = wordvec.shipped()
            vectors = VectorBlock(float(weights.get(name, 1.0)),
                                  tuple(tuple(float(c) for c in coef[:, offset + k])
                                        for k in range(table.dims)), table)
            offset += table.dims
            continue
        vectorizer = union.named_transformers[name]
        idf = vectorizer.idf_
        features = {
            feature: (float(idf[col]), tuple(float(c) for c in coef[:, offset + col]))
            for feature, col in vectorizer.vocabulary_.items()
        }
        blocks.append(Block(name, float(weights.get(name, 1.0)), features))
        offset += len(vectorizer.vocabulary_)
    return IntentModel([str(c) for c in clf.classes_], [float(b) for b in intercept], blocks,
                       vectors)


def train(
    examples: Sequence[tuple[str, str]],
    *,
    hyperparams: Mapping[str, Any] | None = None,
    weights: Mapping[str, float] | None = None,
    min_df: int = 1,
) -> IntentModel:
    """Train on ``(text, label)`` pairs and return the pure-Python model."""
    pipeline, names = fit_sklearn(examples, hyperparams=hyperparams, weights=weights,
                                  min_df=min_df)
    return export(pipeline, names)


#: Source and data files that decide the features: the sentiment lexicon feeds the "lex"
#: block, the pinyin table the "py" block, the word-vector table (hashed when loaded) "vec".
_FEATURE_SOURCES = ("features.py", "sentiment.py", "lexicon.py", "pinyin.py", "wordvec.py",
                    "data/pinyin.txt")


def cache_key(files: Iterable[Path]) -> str:
    """Content hash of the training files plus everything else that shapes the model."""
    digest = hashlib.sha256()
    digest.update(json.dumps([_MODEL_FORMAT, FEATURES_VERSION, HYPERPARAMS, LARGE_MODEL_SOLVER,
                              [(n, w) for n, _, w in BLOCKS], VECTOR_WEIGHT,
                              wordvec.shipped().digest, _jieba_version()],
                             sort_keys=True).encode())
    here = Path(__file__).parent
    for name in _FEATURE_SOURCES:
        digest.update((here / name).read_bytes())
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def _jieba_version() -> str:
    """jieba's dictionary decides the "zhw" features, so its version is part of the key."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jieba")
    except PackageNotFoundError:
        return "?"


def default_cache_dir() -> Path:
    return Path(os.environ.get("CARELINE_CACHE_DIR") or Path.home() / ".cache" / "careline")


def load_cached(cache_dir: Path, key: str) -> IntentModel | None:
    """The cached model for ``key``, or None if absent or unreadable (then we retrain)."""
    try:
        with (cache_dir / f"nlu-intents-{key}.json").open(encoding="utf-8") as fh:
            return IntentModel.from_json(json.load(fh))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def store_cached(cache_dir: Path, key: str, model: IntentModel) -> bool:
    """Write atomically (temp file + rename) so concurrent workers never read half a file."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".nlu-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(model.to_json(), fh, ensure_ascii=False, separators=(",", ":"))
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; workers under other users may share it
            os.replace(tmp, cache_dir / f"nlu-intents-{key}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    _prune(cache_dir)
    return True


def _prune(cache_dir: Path, keep: int = 4) -> None:
    """Drop all but the newest few models: every data edit leaves a ~5 MB file behind."""
    try:
        files = sorted(cache_dir.glob("nlu-intents-*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[:-keep]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another worker pruned first, or the directory went read-only

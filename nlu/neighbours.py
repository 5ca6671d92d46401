"""Nearest training examples in sentence-embedding space, blended into the joint model.

Part of the optional embeddings extra (:mod:`nlu.embeddings`). The joint logistic
regression draws one straight boundary per intent; a message that closely rephrases a few
training examples of one intent is often better judged by those examples themselves. The
``K`` most similar training examples (cosine of the e5 "query:" embeddings) vote for their
intents, each with weight ``exp((sim - best) / TAU)``; the votes are normalised and mixed
into the joint model's probabilities as ``(1 - ALPHA) * p_joint + ALPHA * votes``.

K, TAU and ALPHA were chosen by grouped 5-fold cross-validation on the training part of the
own-data split (4 runs, bench/README.md): k 5-20, tau 0.01-0.1, alpha 0.1-0.5; 10 / 0.01 /
0.3 added ~0.5 points in English and ~0.1-0.3 in Chinese; the vectors are already computed
for the joint model, so the cost is one (n_examples x 384) product per message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

K = 10
TAU = 0.01
ALPHA = 0.3


class Neighbours:
    """Training vectors (unit length) with their intents, in the joint model's class order."""

    def __init__(self, classes: Sequence[str], vectors: Any, labels: Any) -> None:
        import numpy as np

        self.classes = tuple(classes)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.labels = np.asarray(labels, dtype=np.int32)
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.labels):
            raise ValueError(f"{len(self.labels)} labels for vectors of shape {self.vectors.shape}")
        if len(self.labels) and not 0 <= int(self.labels.min()) <= int(self.labels.max()) < len(classes):
            raise ValueError("a label is outside the model's classes")

    @classmethod
    def from_examples(cls, classes: Sequence[str], vectors: Any,
                      intents: Sequence[str]) -> Neighbours:
        index = {name: k for k, name in enumerate(classes)}
        return cls(classes, vectors, [index[i] for i in intents])

    def votes(self, vector: Any) -> Any:
        """(n_classes,) float64 summing to 1: how the nearest examples vote for ``vector``."""
        import numpy as np

        n_classes = len(self.classes)
        if not len(self.labels):
            return np.full(n_classes, 1.0 / n_classes)
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        k = min(K, len(sims))
        near = np.argpartition(-sims, k - 1)[:k]
        weights = np.exp((sims[near] - sims[near].max()) / TAU).astype(np.float64)
        out = np.bincount(self.labels[near], weights=weights, minlength=n_classes)
        return out / out.sum()

    def blend(self, probabilities: Any, vector: Any) -> Any:
        """The joint model's ``probabilities`` with the neighbours' votes mixed in."""
        import numpy as np

        return (1.0 - ALPHA) * np.asarray(probabilities, dtype=np.float64) + ALPHA * self.votes(vector)

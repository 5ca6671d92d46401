"""``python -m bench.nlu_cv``: grouped cross-validation on the TRAINING part of the own split.

How NLU model choices are made without looking at the held-out part: the training part of
``own_split(seed)`` is cut into ``--folds`` folds along near-duplicate groups (nlu/dedup.py),
stratified per intent; each fold is scored by a model trained on the others, with the
keyword rules and the out-of-scope threshold applied as in the engine. Prints accuracy per
language and out_of_scope precision/recall per run and their mean.

    python -m bench.nlu_cv                                  # the shipped configuration
    python -m bench.nlu_cv --weights vec=0 py=0             # without word vectors and pinyin
    python -m bench.nlu_cv --runs 0:0 1:0 0:1 0:2 --C 100   # four runs (fold seed:split seed)
    python -m bench.nlu_cv --embeddings [--no-neighbours]   # the extra's joint model (nlu/embeddings.py)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from nlu import classifier, dedup, embeddings
from nlu.builtin import DEFAULT_THRESHOLD, OUT_OF_SCOPE
from nlu.dataset import DATA_DIR, intent_files, read_intents_file
from nlu.features import normalize
from nlu.neighbours import Neighbours
from nlu.rules import RuleSet
from nlu.train import own_split

Pairs = list[tuple[str, str]]


def fold_ids(train: Pairs, folds: int, seed: int) -> list[int]:
    """A fold per example: near-duplicate groups stay together, dealt round-robin per intent."""
    groups = dedup.groups(train)
    by_intent: defaultdict[str, list[int]] = defaultdict(list)
    seen: set[int] = set()
    for k, g in enumerate(groups):  # a group's examples share one intent (dedup.groups)
        if g not in seen:
            seen.add(g)
            by_intent[train[k][1]].append(g)
    rng = random.Random(seed)
    fold_of: dict[int, int] = {}
    for intent in sorted(by_intent):
        ids = by_intent[intent]
        rng.shuffle(ids)
        fold_of.update((g, n % folds) for n, g in enumerate(ids))
    return [fold_of[g] for g in groups]


def cross_validate(train: Pairs, langs: dict[tuple[str, str], str], *, folds: int, seed: int,
                   weights: dict[str, float], hyperparams: dict[str, Any],
                   threshold: float, vectors: Any = None, neighbours: bool = True,
                   ) -> dict[str, Any]:
    """``vectors`` (one sentence embedding per example, :mod:`nlu.embeddings`) fits the
    extra's joint model instead, blended with the nearest examples' votes when ``neighbours``."""
    rules = RuleSet.load(DATA_DIR / "keywords.yml")
    assigned = fold_ids(train, folds, seed)
    predicted: list[str] = [""] * len(train)
    for fold in range(folds):
        fit = [p for p, f in zip(train, assigned, strict=True) if f != fold]
        held = [k for k, f in enumerate(assigned) if f == fold]
        if vectors is None:
            pipeline, _ = classifier.fit_sklearn(fit, weights=weights, hyperparams=hyperparams)
            classes = list(pipeline.classes_)
            probs = pipeline.predict_proba([normalize(train[k][0]) for k in held])
        else:
            classes, probs = _joint_fold(train, vectors, assigned, fold, hyperparams, neighbours)
        for k, row in zip(held, probs, strict=True):
            text = train[k][0]
            best = max(range(len(classes)), key=lambda j: row[j])
            if (ruled := rules.match(text)) is not None:
                predicted[k] = ruled
            elif not any(ch.isalpha() for ch in text) or row[best] < threshold:
                predicted[k] = OUT_OF_SCOPE
            else:
                predicted[k] = classes[best]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    tp = fp = fn = 0
    for (text, intent), got in zip(train, predicted, strict=True):
        lang = langs[(text, intent)]
        total[lang] += 1
        right[lang] += got == intent
        tp += got == OUT_OF_SCOPE and intent == OUT_OF_SCOPE
        fp += got == OUT_OF_SCOPE and intent != OUT_OF_SCOPE
        fn += got != OUT_OF_SCOPE and intent == OUT_OF_SCOPE
    return {"accuracy": {lang: right[lang] / total[lang] for lang in sorted(total)},
            "oos_precision": tp / max(tp + fp, 1), "oos_recall": tp / max(tp + fn, 1)}


def _joint_fold(train: Pairs, vectors: Any, assigned: list[int], fold: int,
                hyperparams: dict[str, Any], neighbours: bool) -> tuple[list[str], Any]:
    """Held-out probabilities of the extra's joint model (as nlu.embeddings.train_joint)."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack

    fit_rows = [k for k, f in enumerate(assigned) if f != fold]
    held = [k for k, f in enumerate(assigned) if f == fold]
    pipeline, _ = classifier.fit_sklearn([train[k] for k in fit_rows], hyperparams=hyperparams,
                                         dense=vectors[fit_rows] * embeddings.WEIGHT)
    tfidf = pipeline.named_steps["features"].transform([normalize(train[k][0]) for k in held])
    features = hstack([tfidf, csr_matrix(vectors[held] * embeddings.WEIGHT)]).tocsr()
    classes = [str(c) for c in pipeline.named_steps["clf"].classes_]
    probs = pipeline.named_steps["clf"].predict_proba(features)
    if neighbours:
        near = Neighbours.from_examples(classes, vectors[fit_rows], [train[k][1] for k in fit_rows])
        probs = np.stack([near.blend(p, vectors[k]) for p, k in zip(probs, held, strict=True)])
    return classes, probs


def _pair(text: str) -> tuple[int, int]:
    fold_seed, _, split_seed = text.partition(":")
    return int(fold_seed), int(split_seed or 0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_cv", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", nargs="+", type=_pair, default=[(0, 0)],
                        help="FOLD_SEED:SPLIT_SEED pairs (default 0:0)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--weights", nargs="*", default=[], metavar="BLOCK=W",
                        help="feature-block weights, e.g. vec=0 py=0.5")
    parser.add_argument("--C", type=float, help="logistic-regression C")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--embeddings", action="store_true",
                        help="the embeddings extra's joint model (needs careline[embeddings])")
    parser.add_argument("--no-neighbours", dest="neighbours", action="store_false",
                        help="with --embeddings: without the nearest examples' votes")
    args = parser.parse_args(argv)
    try:
        weights = {k: float(v) for k, _, v in (w.partition("=") for w in args.weights)}
        classifier.block_weights(weights)
    except ValueError as exc:
        parser.error(f"--weights: {exc}")
    hyperparams = {"C": args.C} if args.C else {}
    langs = {(t, i): file.lang for file in map(read_intents_file, intent_files(DATA_DIR))
             for t, i in file.pairs}
    results = []
    for fold_seed, split_seed in args.runs:
        started = time.perf_counter()
        train, _, _ = own_split(seed=split_seed)
        vectors = None
        if args.embeddings:
            texts = list(dict.fromkeys(t for t, _ in train))
            table = embeddings.training_vectors(texts, classifier.default_cache_dir())
            row = {t: k for k, t in enumerate(texts)}
            vectors = table[[row[t] for t, _ in train]]
        result = cross_validate(train, langs, folds=args.folds, seed=fold_seed, weights=weights,
                                hyperparams=hyperparams, threshold=args.threshold,
                                vectors=vectors, neighbours=args.neighbours)
        results.append(result)
        accuracy = "  ".join(f"{lang} {a:.4f}" for lang, a in result["accuracy"].items())
        print(f"folds seed {fold_seed}, split seed {split_seed}: {accuracy}  out_of_scope "
              f"P {result['oos_precision']:.3f} R {result['oos_recall']:.3f}  "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    if len(results) > 1:
        langs_seen = results[0]["accuracy"]
        mean = {lang: sum(r["accuracy"][lang] for r in results) / len(results) for lang in langs_seen}
        print("mean: " + "  ".join(f"{lang} {a:.4f}" for lang, a in mean.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

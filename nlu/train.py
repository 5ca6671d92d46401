"""Training and evaluation jobs behind ``careline nlu train|eval`` and ``python -m bench.nlu``.

Each job returns plain results; printing, charts and progress bars are the caller's
(:mod:`bot.nlu_eval`). Public datasets come from :mod:`nlu.evaldata` and raise
:class:`nlu.evaldata.DatasetMissing` when absent. Protocols, fixed by seed:

* own data: each ``intents_<lang>.yml`` split 80/20 stratified per intent; the engine
  (rules + classifier) trains on both training parts and is scored per language;
* Banking77: the published train/test files, argmax over the 77 classes (threshold 0);
* waimai_10k: distinct texts split 80/20 stratified; the threshold is chosen on a
  slice of the training part (:func:`nlu.sentiment_model.train_sentiment`);
* GoEmotions: the lexicon's anger flag against anger/annoyance labels, no training.
"""

from __future__ import annotations

import re
import resource
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlu import classifier, evaldata
from nlu.builtin import DEFAULT_THRESHOLD, BuiltinNLU
from nlu.dataset import DATA_DIR, intent_files, load_intents_file, load_training_data
from nlu.evaluate import BinaryScore, Report, binary, holdout_split, score
from nlu.features import normalize
from nlu.language import detect
from nlu.sentiment import analyse
from nlu.sentiment_model import SentimentModel, Validation, train_sentiment

HOLDOUT_RATIO = 0.2
Pairs = list[tuple[str, str]]


class Progress:
    """Progress sink: ``stage`` for steps, ``tick`` while scoring. The default is silent."""

    def stage(self, message: str) -> None:
        pass

    def tick(self, done: int, total: int) -> None:
        pass


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _predict(label: Callable[[str], str], rows: Sequence[tuple[str, str]],
             progress: Progress) -> Report:
    out = []
    for i, (text, expected) in enumerate(rows, start=1):
        out.append((text, expected, label(text)))
        progress.tick(i, len(rows))
    return score(out)


def _stratified_sample(rows: Sequence[tuple[str, str]], limit: int, seed: int) -> Pairs:
    """About ``limit`` rows keeping every label's share (for quick smoke runs)."""
    if limit >= len(rows):
        return list(rows)
    _, sample = holdout_split(rows, limit / len(rows), seed)
    return sample


# -- the shipped intents ---------------------------------------------------------------------


@dataclass
class TrainResult:
    model: classifier.IntentModel
    seconds: float
    counts: dict[str, Counter[str]]  # lang → intent → examples
    cache_file: Path | None


def train_default(data_dir: Path | None = None, cache_dir: Path | None = None,
                  progress: Progress | None = None) -> TrainResult:
    """Train the engine's model from ``intents_*.yml`` (always, even if cached) and cache it."""
    progress = progress or Progress()
    data_dir = data_dir or DATA_DIR
    counts = {path.stem.removeprefix("intents_"): Counter(i for _, i in load_intents_file(path))
              for path in intent_files(data_dir)}
    examples = load_training_data(data_dir)
    progress.stage(f"training on {len(examples)} examples from {data_dir}")
    started = time.perf_counter()
    model = classifier.train(examples)
    seconds = time.perf_counter() - started
    cache_dir = cache_dir or classifier.default_cache_dir()
    key = classifier.cache_key(intent_files(data_dir))
    stored = classifier.store_cached(cache_dir, key, model)
    return TrainResult(model, seconds, counts,
                       cache_dir / f"nlu-intents-{key}.json" if stored else None)


@dataclass
class OwnResult:
    per_lang: dict[str, Report]
    train_seconds: float
    n_train: int
    dropped: int = 0  # test texts removed because the same text is in the training part
    engine: BuiltinNLU | None = field(default=None, repr=False)


_NOT_WORD = re.compile(r"[\W_]+")


def _leak_key(text: str) -> str:
    """What makes two texts the same example: normalised, word characters only (a text
    of nothing else, "👍" or "...", keeps its normalised form)."""
    norm = normalize(text).strip()
    return _NOT_WORD.sub("", norm) or norm


def own_split(data_dir: Path | None = None, *, seed: int = 0,
              ratio: float = HOLDOUT_RATIO) -> tuple[Pairs, dict[str, Pairs], int]:
    """(train, test per language, dropped): each language file split stratified per intent.

    A test text that also occurs in the training part after normalisation, ignoring
    punctuation, spaces and emoji ("hello" in both files, "hello!!" against "hello"), is
    dropped from the test side so no row is scored that was (all but) trained on.
    """
    train: Pairs = []
    tests: dict[str, Pairs] = {}
    for path in intent_files(data_dir or DATA_DIR):
        part, test = holdout_split(load_intents_file(path), ratio, seed)
        train += part
        tests[path.stem.removeprefix("intents_")] = test
    seen = {_leak_key(text) for text, _ in train}
    dropped = 0
    for lang, test in tests.items():
        kept = [(t, i) for t, i in test if _leak_key(t) not in seen]
        dropped += len(test) - len(kept)
        tests[lang] = kept
    return list(dict.fromkeys(train)), tests, dropped


def evaluate_own(data_dir: Path | None = None, *, seed: int = 0,
                 threshold: float = DEFAULT_THRESHOLD, progress: Progress | None = None) -> OwnResult:
    """Held-out accuracy per language of the full engine (keyword rules + classifier)."""
    progress = progress or Progress()
    train, tests, dropped = own_split(data_dir, seed=seed)
    progress.stage(f"own data: training on {len(train)} examples (seed {seed})")
    started = time.perf_counter()
    engine = BuiltinNLU.from_examples(train, threshold=threshold, rules=True, data_dir=data_dir)
    seconds = time.perf_counter() - started
    reports = {}
    for lang, test in tests.items():
        progress.stage(f"own data: scoring {len(test)} held-out {lang} examples")
        reports[lang] = _predict(lambda t: engine.parse(t).intent.name, test, progress)
    return OwnResult(reports, seconds, len(train), dropped, engine)


# -- Banking77 -------------------------------------------------------------------------------


@dataclass
class Banking77Result:
    report: Report
    train_seconds: float
    n_train: int
    peak_rss_mb: float


def evaluate_banking77(root: Path | None = None, *, limit: int | None = None, seed: int = 0,
                       progress: Progress | None = None) -> Banking77Result:
    """Train the built-in engine on Banking77 train, score on test (``limit``: a quick,
    stratified subsample of both, for smoke runs)."""
    progress = progress or Progress()
    train, test = evaldata.load_banking77(root)
    if limit is not None:
        train, test = _stratified_sample(train, limit, seed), _stratified_sample(test, limit, seed)
    progress.stage(f"banking77: training on {len(train)} rows, {len({c for _, c in train})} classes")
    started = time.perf_counter()
    engine = BuiltinNLU.from_examples(train, threshold=0.0)
    seconds = time.perf_counter() - started
    progress.stage(f"banking77: trained in {seconds:.1f} s; scoring {len(test)} test rows")
    report = _predict(lambda t: engine.classify(t)[0].name, test, progress)
    return Banking77Result(report, seconds, len(train), peak_rss_mb())


# -- waimai_10k ------------------------------------------------------------------------------


@dataclass
class WaimaiResult:
    trained: Report
    lexicon: Report
    validation: Validation
    train_seconds: float
    n_train: int
    model: SentimentModel | None = field(default=None, repr=False)


def lexicon_label(text: str) -> str:
    """The shipped lexicon as a binary classifier: only "negative" counts as negative."""
    return "negative" if analyse(text, detect(text)).label == "negative" else "positive"


def evaluate_waimai(root: Path | None = None, *, seed: int = 0, limit: int | None = None,
                    progress: Progress | None = None) -> WaimaiResult:
    """Train on a stratified 80 % of the distinct reviews, score the other 20 %."""
    progress = progress or Progress()
    rows = evaldata.load_waimai(root)
    if limit is not None:
        rows = _stratified_sample(rows, limit, seed)
    train, test = holdout_split(rows, HOLDOUT_RATIO, seed)
    assert not {t for t, _ in train} & {t for t, _ in test}  # distinct texts by construction
    started = time.perf_counter()
    model, validation = train_sentiment(train, seed=seed, progress=progress.stage)
    seconds = time.perf_counter() - started
    progress.stage(f"waimai: scoring {len(test)} held-out reviews (trained model)")
    trained = _predict(model.predict, test, progress)
    progress.stage(f"waimai: scoring {len(test)} held-out reviews (lexicon)")
    lexicon = _predict(lexicon_label, test, progress)
    return WaimaiResult(trained, lexicon, validation, seconds, len(train), model)


# -- GoEmotions ------------------------------------------------------------------------------


@dataclass
class GoEmotionsResult:
    anger: BinaryScore
    rows: int
    positives: int
    errors: list[tuple[str, bool, bool]]  # (text, expected anger, predicted)


def evaluate_goemotions(root: Path | None = None, *, split: str = "test", limit: int | None = None,
                        progress: Progress | None = None) -> GoEmotionsResult:
    """The lexicon's anger flag against GoEmotions anger/annoyance (English Reddit)."""
    progress = progress or Progress()
    rows = evaldata.load_goemotions(root, split)[:limit]
    progress.stage(f"goemotions: flagging anger in {len(rows)} {split} comments")
    pairs: list[tuple[bool, bool]] = []
    errors: list[tuple[str, bool, bool]] = []
    for i, (text, labels) in enumerate(rows, start=1):
        expected = bool(labels & evaldata.ANGER_LABELS)
        got = analyse(text, detect(text)).anger
        pairs.append((expected, got))
        if expected != got:
            errors.append((text, expected, got))
        progress.tick(i, len(rows))
    return GoEmotionsResult(binary(pairs), len(rows), sum(e for e, _ in pairs), errors)

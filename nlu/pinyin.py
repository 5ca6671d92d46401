"""Toneless pinyin per Chinese character, for the "py" feature block (:mod:`nlu.features`).

Voice input and pinyin keyboards get Chinese wrong mostly by homophones: 白白 for 拜拜,
恩恩 for 嗯嗯, 再吗 for 在吗, 积份 for 积分. Reading each character as its toneless syllable
(白/拜 → bai, 份/分 → fen) lets such a message share features with the words it meant.

``data/pinyin.txt`` maps the ~21 000 characters of the CJK Unified Ideographs block to the
first (most common) reading that ``pypinyin``'s dictionary gives, tone marks dropped: one
line per syllable, ``syllable<TAB>characters``. ``python -m nlu.pinyin`` rewrites it (needs
``pip install pypinyin``, a build-time tool only); parsing never imports pypinyin.
"""

from __future__ import annotations

import sys
import threading
import unicodedata
from pathlib import Path

PATH = Path(__file__).parent / "data" / "pinyin.txt"
#: Readings the dictionary lists first but chat does not use: 嗯 is typed "en" (恩恩 = 嗯嗯).
OVERRIDES = {"嗯": "en"}

_table: dict[str, str] | None = None
_lock = threading.Lock()


def table() -> dict[str, str]:
    """Character → toneless syllable (loaded once, thread-safe)."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                loaded: dict[str, str] = {}
                with PATH.open(encoding="utf-8") as fh:
                    for line in fh:
                        syllable, _, chars = line.rstrip("\n").partition("\t")
                        loaded.update(dict.fromkeys(chars, syllable))
                _table = loaded
    return _table


def syllables(run: str) -> list[str]:
    """The syllable of each character of ``run``; characters without one stay themselves."""
    known = table()
    return [known.get(ch, ch) for ch in run]


def _toneless(reading: str) -> str:
    """"lǘ" → "lv", "ń" → "n": NFD, drop combining marks, ü → v, keep a-z."""
    base = unicodedata.normalize("NFD", reading.lower()).replace("u\u0308", "v")
    return "".join(ch for ch in base if "a" <= ch <= "z")


def build(path: Path = PATH) -> int:
    """Rewrite ``path`` from pypinyin's character dictionary; returns the characters written."""
    from pypinyin.pinyin_dict import pinyin_dict

    groups: dict[str, list[str]] = {}
    for code in range(0x4E00, 0xA000):
        ch = chr(code)
        raw = pinyin_dict.get(code)
        syllable = OVERRIDES.get(ch) or (_toneless(raw.split(",")[0]) if raw else "")
        if syllable:
            groups.setdefault(syllable, []).append(ch)
    lines = [f"{s}\t{''.join(chars)}\n" for s, chars in sorted(groups.items())]
    path.write_text("".join(lines), encoding="utf-8")
    return sum(len(c) for c in groups.values())


if __name__ == "__main__":
    count = build()
    print(f"{PATH}: {count} characters", file=sys.stderr)

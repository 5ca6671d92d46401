"""Voice of the customer: what customers say in survey comments and complaints, as key
phrases split into praise and pain points, with counts and example quotes.

A survey comment is positive with CSAT 4-5, negative with 1-2; a 3 or a comment without a
score goes by its sentiment (the NLU lexicon). Every complaint description is negative;
suggestions are left out. Phrases come from nlu/keyphrases.py (jieba TF-IDF for Chinese,
RAKE for English).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.dashboard.period import Span
from nlu.keyphrases import extract
from nlu.sentiment import analyse
from storage import kpi_drill
from storage.db import Database
from storage.kpi_drill import Said
from storage.kpi_queries import Dims

#: texts read per source (the most recent / worst first); enough for stable phrases
TEXT_LIMIT = 2000
QUOTES = 3
QUOTE_CHARS = 160


def polarity(csat: int | None, text: str) -> str:
    if csat is not None and csat >= 4:
        return "positive"
    if csat is not None and csat <= 2:
        return "negative"
    return analyse(text, None).label


def collect(db: Database, span: Span, dims: Dims, tz: ZoneInfo) -> dict[str, list[Said]]:
    """The period's texts by polarity (``positive`` / ``negative``; neutral ones are dropped)."""
    with db.read() as s:
        found = kpi_drill.texts(s, span.start(tz), span.end(tz), dims, limit=TEXT_LIMIT)
    out: dict[str, list[Said]] = {"positive": [], "negative": []}
    for said in found:
        if not said.text.strip():
            continue
        side = "negative" if said.source == "complaint" else polarity(said.csat, said.text)
        if side in out:
            out[side].append(said)
    return out


def _quote(s: Said) -> dict[str, Any]:
    text = s.text if len(s.text) <= QUOTE_CHARS else s.text[:QUOTE_CHARS - 1] + "…"
    return {"text": text, "source": s.source, "at": s.at.isoformat(),
            "conversation_id": s.conversation, "csat": s.csat, "ticket_id": s.ticket_id}


def phrases(said: list[Said], top: int) -> list[dict[str, Any]]:
    found = extract([s.text for s in said], top=top)
    out = []
    for p in found:
        # the shortest of the most recent mentions read best as examples
        recent = sorted((said[i] for i in p.docs), key=lambda s: s.at, reverse=True)
        distinct = list({s.text: s for s in reversed(recent)}.values())[::-1][:10]
        examples = sorted(distinct, key=lambda s: len(s.text))
        out.append({"phrase": p.phrase, "count": p.count,
                    "share_pct": p.count / len(said) * 100 if said else None,
                    "quotes": [_quote(s) for s in examples[:QUOTES]]})
    return out


def voice(db: Database, span: Span, dims: Dims, tz: ZoneInfo, *, top: int = 10) -> dict[str, Any]:
    """Top ``top`` pain points (negative) and praise (positive) of ``span``."""
    said = collect(db, span, dims, tz)
    return {"period": span.to_dict(),
            "negative": {"texts": len(said["negative"]), "phrases": phrases(said["negative"], top)},
            "positive": {"texts": len(said["positive"]), "phrases": phrases(said["positive"], top)}}

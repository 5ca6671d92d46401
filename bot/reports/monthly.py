"""``careline report monthly --month 2026-11``: the month's KPIs against targets and against
the month before, weekly trends, the region × service table, complaints and the voice of the
customer, as one self-contained HTML file and CSV files for spreadsheets.

The dashboard rollup is brought up to date first (with progress on a long catch-up).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.dashboard import assemble, voc
from bot.dashboard.period import month_window
from bot.reports import html
from bot.reports.labels import METRIC, STATUS, name_of
from flows.business.dashboard_config import DashboardConfig
from storage import kpi_rollup
from storage.db import Database
from storage.kpi_queries import Dims

Progress = Callable[[str, int, int], None]
STEPS = ("figures", "voice of the customer", "writing")


@dataclass
class Written:
    html: Path
    csv: list[Path] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    voice: dict[str, Any] = field(default_factory=dict)


def monthly(db: Database, *, month: str, tz: ZoneInfo, now: datetime, cfg: DashboardConfig,
            out_dir: Path, lang: str = "zh", progress: Progress | None = None) -> Written:
    """Write ``careline-<month>.html`` and ``careline-<month>-*.csv`` into ``out_dir``."""
    step = progress or (lambda *_: None)
    win = month_window(month, today=now.astimezone(tz).date(), trend_weeks=cfg.trend_weeks)
    kpi_rollup.run(db, tz=tz, now=now, progress=progress)
    step("report", 0, len(STEPS))
    # the whole business, unfiltered: no filter choices to offer (a pass over three tables)
    data = assemble.build(db, tz=tz, now=now, cfg=cfg, window=win, dims=Dims(), options={})
    step("report", 1, len(STEPS))
    voice = voc.voice(db, win.current, Dims(), tz)
    step("report", 2, len(STEPS))
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / f"careline-{month}"
    page = base.with_suffix(".html")
    page.write_text(html.render(data, voice, month=month, lang=lang, demo=data["demo"]),
                    encoding="utf-8")
    written = Written(page, data=data, voice=voice)
    for name, header, rows in _tables(data, voice, lang):
        path = out_dir / f"careline-{month}-{name}.csv"
        with path.open("w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel reads UTF-8
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        written.csv.append(path)
    step("report", 3, len(STEPS))
    return written


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def _tables(data: dict[str, Any], voice: dict[str, Any], lang: str
            ) -> list[tuple[str, list[str], list[list[Any]]]]:
    kpis = [[t["key"], METRIC[t["key"]][lang], _num(t["value"]), _num(t["previous"]),
             _num(t["change"]), _num(t["change_pct"]), t["status"] or "",
             STATUS[t["status"]][lang], _num(t["target"]["green"]) if t["target"] else "",
             _num(t["target"]["amber"]) if t["target"] else "", t["n"], t["unit"]]
            for t in data["tiles"]]
    series = data["trends"]["series"]
    keys = list(series)
    trends = [[w["first"], w["last"], *(_num(series[k][i]) for k in keys)]
              for i, w in enumerate(data["trends"]["weeks"])]
    cells = [[c["region"], name_of(c["region"], lang), c["service"], name_of(c["service"], lang),
              _num(c["csat"]), c["n"], _num(c["previous"]), c["previous_n"], _num(c["change_pct"]),
              "yes" if c["alert"] else ""] for c in data["matrix"]["cells"]]
    split = data["complaints"]
    complaints = ([["channel", r["channel"], r["complaints"], r["contacts"], _num(r["rate_pct"])]
                   for r in split["by_channel"]]
                  + [["class", r["severity"], r["count"], "", _num(r["rate_pct"])]
                     for r in split["by_class"]]
                  + [["topic", r["topic"], r["count"], "", _num(r["rate_pct"])]
                     for r in split["by_topic"]])
    said = []
    for side in ("negative", "positive"):
        for rank, p in enumerate(voice[side]["phrases"], 1):
            quotes = [q["text"] for q in p["quotes"]] + ["", "", ""]
            said.append([side, rank, p["phrase"], p["count"], _num(p["share_pct"]), *quotes[:3]])
    return [
        ("kpis", ["metric", "label", "value", "previous", "change", "change_pct", "status",
                  "status_label", "target_green", "target_amber", "n", "unit"], kpis),
        ("trends", ["week_first", "week_last", *keys], trends),
        ("region-service", ["region", "region_label", "service", "service_label", "csat", "n",
                            "previous_csat", "previous_n", "change_pct", "drop_alert"], cells),
        ("complaints", ["dimension", "value", "complaints", "contacts", "rate_pct"], complaints),
        ("voice", ["polarity", "rank", "phrase", "mentions", "share_pct", "quote_1", "quote_2",
                   "quote_3"], said),
    ]

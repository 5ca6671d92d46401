"""Printing the figures of ``python -m bench.scheduler``, with targets and ratios."""

from __future__ import annotations

import math
from typing import Any

_LEVELS = " ▁▂▃▄▅▆▇█"
TARGET_S = 2.0


def sparkline(values: list[float], top: float = TARGET_S) -> str:
    """One cell per value, 0..``top`` in eight steps; ``▲`` above ``top``, ``?`` missing."""
    cells = []
    for v in values:
        if v is None or math.isnan(v):
            cells.append("?")
        elif v > top:
            cells.append("▲")
        else:
            cells.append(_LEVELS[max(1, round(v / top * 8))])
    return "".join(cells)


def report(r: dict[str, Any]) -> None:
    def f(v: Any, unit: str = "") -> str:
        return "n/a" if v is None else (f"{v:,.2f}{unit}" if isinstance(v, float) else f"{v}{unit}")

    late, aps = r["lateness"], r["apscheduler"]
    print(f"== {r['db']} ==")
    print(f"create {r['rows']:,} scheduled rows: {f(r['create_s'], ' s')} "
          f"({r['create_per_s']:,.0f} rows/s; target <= 60 s)")
    print(f"start to first dispatch: {f(r['start_to_first_dispatch_s'], ' s')} (target <= 5 s)")
    print(f"lateness at {late['rate_per_s']:.0f}/s over {late['messages']:,} messages "
          f"({late['delivered']:,} delivered): p50 {f(late['p50_s'], ' s')}, "
          f"p99 {f(late['p99_s'], ' s')} (target <= 2 s), max {f(late['max_s'], ' s')}")
    if late.get("p99_by_second"):
        print(f"  p99 per second of due time |{sparkline(late['p99_by_second'])}| "
              f"(full cell = the {TARGET_S:.0f} s target, ▲ above it; flat = keeping up)")
    print(f"scheduler peak RSS while dispatching: {f(r['scheduler_peak_rss_mib'], ' MiB')} "
          "(target <= 300 MiB)")
    for k in r["kill"]:
        print(f"kill -9 mid-dispatch, in-flight policy '{k['policy']}': {k['rows']:,} rows, "
              f"{k['logged_before_kill']:,} sent before the kill, {k['sending_at_kill']} claimed "
              f"and unfinished, {k['sent_but_not_marked_at_kill']} sent but not marked "
              f"(the window); restart to first dispatch "
              f"{f(k['restart_to_first_dispatch_s'], ' s')}")
        print(f"  wire sends {k['wire_sends']:,}, duplicates on the wire "
              f"{k['wire_duplicates']} (customer sees 0: keyed), lost {k['lost']} "
              f"(silently: {k['lost_and_not_marked_failed']}), failed rows {k['failed_rows']} "
              f"(of which delivered {k['delivered_but_marked_failed']})")
    ours_rss = r["scheduler_peak_rss_mib"]
    print(f"APScheduler, one job per message ({aps['jobs']:,} jobs measured): create "
          f"{f(aps['create_s'], ' s')} ({aps['per_s']:,.0f}/s) -> extrapolated to "
          f"{r['rows']:,}: {f(aps['create_s_extrapolated_to_rows'], ' s')} "
          f"(outbox: {f(r['create_s'], ' s')}, ratio "
          f"{aps['create_s_extrapolated_to_rows'] / r['create_s']:,.0f}x)")
    print(f"  start to first run {f(aps['start_to_first_run_s'], ' s')} (outbox: "
          f"{f(r['start_to_first_dispatch_s'], ' s')}); RSS after start "
          f"{f(aps['rss_after_start_mib'], ' MiB')}, after get_jobs() "
          f"{f(aps['rss_after_get_jobs_mib'], ' MiB')} in {f(aps['get_jobs_s'], ' s')} -> "
          f"extrapolated to {r['rows']:,} jobs: "
          f"{f(aps['rss_after_get_jobs_extrapolated_mib'], ' MiB')} (outbox scheduler "
          f"{f(ours_rss, ' MiB')}, ratio "
          f"{aps['rss_after_get_jobs_extrapolated_mib'] / max(ours_rss, 1):,.1f}x)")

"""What ``python -m bench.load`` prints, and ``bench/results/load-latest.json``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench.fakeplatform import chat_gaps_under
from bench.load_check import Verdict
from bench.load_customers import Stats
from bench.load_fake import LoadFake, window_peak
from bench.load_scripts import BURST_TEXT
from bench.loadgen import percentile
from bench.report import RESULTS_DIR

BAR = 40


def _pct(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    if not ordered:
        return 0.0, 0.0, 0.0
    return percentile(ordered, 0.50), percentile(ordered, 0.99), ordered[-1]


def figures(out: dict[str, Any], fake: LoadFake) -> dict[str, Any]:
    stats: Stats = out["stats"]
    span = max(stats.last_ack - stats.first_ack, 1e-9)
    tg = [a.t for a in fake.arrivals if a.platform == "telegram"]
    res: dict[str, Any] = {
        "updates_acknowledged": stats.sent,
        "updates_per_s": stats.sent / span,
        "updates_per_s_busiest_10s": window_peak(stats.ack_times, 10.0) / 10,
        "platform_messages": len(fake.arrivals),
        "passive_replies": len(stats.passive),
        "turns_ok": stats.turns_ok, "turns_wrong": stats.turns_bad,
        "surveys_answered": stats.surveys_answered,
        "resends": stats.resends, "given_up": stats.given_up,
        "http": dict(stats.statuses),
        "telegram_peak_per_s": window_peak(tg),
        "telegram_chat_gaps_under_1s": chat_gaps_under(
            (a.t, a.recipient) for a in fake.arrivals if a.platform == "telegram"),
        "api_faults": {"calls": fake.counters.calls, "429/-1": fake.counters.rate_limited,
                       "500": fake.counters.server_error, "timeouts": fake.counters.timeouts},
    }
    burst = sorted(a.t for a in fake.arrivals if a.text.startswith(BURST_TEXT))
    if len(burst) > 1:
        res["burst"] = {"messages": len(burst), "seconds": burst[-1] - burst[0],
                        "per_s": (len(burst) - 1) / (burst[-1] - burst[0]),
                        "peak_per_s": window_peak(burst)}
    for kind in ("ack", "e2e"):
        series = stats.ack_ms if kind == "ack" else stats.e2e_ms
        for channel, values in series.items():
            p50, p99, mx = _pct(values)
            res[f"{kind}_{channel}_ms"] = {"n": len(values), "p50": p50, "p99": p99, "max": mx}
    return res


def _histogram(title: str, values: list[float]) -> list[str]:
    """A log-scale latency histogram, one bar per bucket."""
    if not values:
        return []
    edges = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, float("inf")]
    counts = [0] * len(edges)
    for v in values:
        counts[next(i for i, e in enumerate(edges) if v <= e)] += 1
    top = max(counts) or 1
    lines = [title]
    lo = 0.0
    for edge, n in zip(edges, counts, strict=True):
        if n:
            label = f"{lo:>6.0f}–{edge:<6.0f}" if edge != float("inf") else f"{lo:>6.0f}+      "
            lines.append(f"  {label} ms {'█' * max(1, round(n / top * BAR))} {n}")
        lo = edge
    return lines


def render(args: argparse.Namespace, out: dict[str, Any], v: Verdict, fake: LoadFake) -> str:
    f = figures(out, fake)
    stats: Stats = out["stats"]
    lines = ["", f"== load: {args.customers} customers × {args.scripts} conversations, "
             f"{args.workers} workers, {args.db}{', FAULTS' if args.faults else ''} ==",
             f"load phase {out['load_seconds']:.0f} s; {f['updates_acknowledged']} updates "
             f"acknowledged ({f['updates_per_s']:.1f}/s on average, "
             f"{f['updates_per_s_busiest_10s']:.1f}/s in the busiest 10 s); "
             f"{f['platform_messages']} messages "
             f"pushed to the platform APIs + {f['passive_replies']} WeChat passive replies",
             f"conversation turns answered as expected: {f['turns_ok']}, wrong or missing: "
             f"{f['turns_wrong']}; surveys answered {f['surveys_answered']}",
             f"webhook resends (unacknowledged tries) {f['resends']}, never acknowledged "
             f"{f['given_up']}; HTTP {f['http']}"]
    lines.append(f"{'latency':<26}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, label in (("ack", "webhook ack"), ("e2e", "end to end (reply at API)")):
        for channel in ("telegram", "wechat"):
            d = f[f"{kind}_{channel}_ms"]
            lines.append(f"{label + ' ' + channel:<26}{d['n']:>6}{d['p50']:>10.1f}"
                         f"{d['p99']:>10.1f}{d['max']:>10.1f}")
    lines += _histogram("end-to-end latency, Telegram (ms):", stats.e2e_ms["telegram"])
    lines.append(f"Telegram: peak {f['telegram_peak_per_s']} sends in one second (platform "
                 f"limit 30/s per bot), {f['telegram_chat_gaps_under_1s']} sends < 1 s after the "
                 "previous one to the same chat (limit 1/s)")
    if "burst" in f:
        b = f["burst"]
        lines.append(f"campaign burst: {b['messages']} Telegram messages due at once, sent in "
                     f"{b['seconds']:.1f} s = {b['per_s']:.1f}/s, peak {b['peak_per_s']} in one "
                     "second (limit 30)")
    if args.faults:
        fl = out["faults"]
        lines.append(f"faults: {len(fl.kills)} worker kill -9, {len(fl.db_drops)} database drops "
                     f"({sum(n for _, n in fl.db_drops)} connections ended), platform API "
                     f"{f['api_faults']}")
    lines += [
        "-- exactly once (database vs platforms) --",
        f"inbound rows {dict(v.inbound)}; acknowledged but not stored {v.acked_missing}; "
        f"processed twice {v.processed_twice}; processed without a record "
        f"{v.processed_without_event}",
        f"replies and scheduled messages: delivered once {v.delivered_once}, recorded sent but "
        f"never arrived {v.missing}, duplicates {v.duplicates} (of which after a platform "
        f"timeout {v.duplicates_after_timeout}), failed and not delivered "
        f"{v.failed_not_delivered}, delivered but marked failed {v.failed_but_delivered}, "
        f"due but unfinished {v.unfinished}; scheduled for after the run {v.later}",
        f"WeChat passive replies: missing {v.passive_missing}, extra {v.passive_extra}",
        f"scheduled rows {dict(v.scheduled)}",
        f"outbox {dict(v.outbox)}",
    ]
    if v.failed_reasons:
        lines.append(f"failed rows by reason: {dict(v.failed_reasons)}")
    if out.get("stuck_in_sending"):
        lines.append(f"left 'sending' by killed workers at the end: {out['stuck_in_sending']} "
                     f"(recover after the stale period: {out.get('finish')})")
    if v.exactly_once:
        verdict = "exactly once"
    elif v.within_windows:
        verdict = (f"exactly once except the documented windows: {v.duplicates} duplicate(s) "
                   f"after platform timeouts, {v.failed_but_delivered + v.failed_not_delivered}"
                   " row(s) marked failed as interrupted by a kill")
    else:
        verdict = "NOT exactly once"
    lines.append(f"VERDICT: {verdict}")
    if stats.bad_samples:
        lines.append("wrong turns (first few):")
        lines += [f"  {s}" for s in stats.bad_samples]
    if out.get("errors_in_log"):
        lines += ["server log (first traceback):", out["errors_in_log"]]
    return "\n".join(lines)


def write_json(args: argparse.Namespace, out: dict[str, Any], v: Verdict,
               fake: LoadFake) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    fl = out["faults"]
    data = {"args": vars(args), "figures": figures(out, fake), "verdict": v.to_dict(),
            "load_seconds": out["load_seconds"], "kills": fl.kills, "db_drops": fl.db_drops,
            "stuck_in_sending": out["stuck_in_sending"], "finish": out.get("finish")}
    path = RESULTS_DIR / ("load-faults-latest.json" if args.faults else "load-latest.json")
    for target in (path, args.json):
        if target is not None:
            target.write_text(json.dumps(data, indent=1, default=str, ensure_ascii=False),
                              "utf-8")

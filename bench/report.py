"""Targets, the peer comparison, the printed table and ``bench/results/latest.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
#: From the spine issue's acceptance criteria.
MIN_FLOOR_RATIO = 0.50
MAX_P99_HALF_LOAD_MS = 25.0
#: Rasa Open Source 3.6.21 moodbot over its REST webhook, same machine type (PEERS.md).
RASA = {"saturated_msg_s": 21.0, "sequential_p50_ms": 58.0, "sequential_p99_ms": 94.0,
        "eight_clients_p50_ms": 341.0}
RASA_READY_S, RASA_RSS_MIB = "59–62", 1.1 * 1024

#: "Other" CPU use (percent of one core) above which the run is flagged as disturbed.
NOISY_OTHER_PCT = 25.0

PHASE_ROWS = (("floor", "floor"), ("chat", "chat"), ("chat_half_load", "chat"),
              ("chat_sequential", "chat"))
HEADINGS = ("endpoint", "load", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors",
            "cpu% server/loadgen/other")
_WIDTHS = (8, 24, 8, 7, 7, 7, 7, 6, 25)


def _mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def evaluate(phases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The two acceptance targets, from the measured phases."""
    floor, chat, half = phases["floor"], phases["chat"], phases["chat_half_load"]
    ratio = chat["rate"] / floor["rate"] if floor["rate"] else 0.0
    return {
        "chat_floor_ratio": round(ratio, 3),
        "chat_floor_ratio_min": MIN_FLOOR_RATIO,
        "chat_floor_ratio_pass": ratio >= MIN_FLOOR_RATIO,
        "p99_half_load_ms": round(half["p99"], 2),
        "p99_half_load_max_ms": MAX_P99_HALF_LOAD_MS,
        # Errors at half load would hide latency, so they fail the target too.
        "p99_half_load_pass": half["ok"] > 0 and half["errors"] == 0
        and half["p99"] < MAX_P99_HALF_LOAD_MS,
    }


def rasa_comparison(phases: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Ratios against Rasa's moodbot; above 1 means Careline does better."""
    chat, seq = phases["chat"], phases["chat_sequential"]

    def lower(theirs: float, ours: float) -> float:
        return round(theirs / ours, 1) if ours else 0.0

    out = {"throughput_x": round(chat["rate"] / RASA["saturated_msg_s"], 1),
           "sequential_p50_x_lower": lower(RASA["sequential_p50_ms"], seq["p50"]),
           "sequential_p99_x_lower": lower(RASA["sequential_p99_ms"], seq["p99"])}
    if chat["connections"] == 8:  # Rasa's "8 clients" figure is only comparable at 8
        out["eight_clients_p50_x_lower"] = lower(RASA["eight_clients_p50_ms"], chat["p50"])
    return out


def _load(phase: dict[str, Any]) -> str:
    n = phase["connections"]
    if phase["mode"] == "open":
        return f"open loop {phase['target_rate']:.0f}/s, {n} conn"
    return "sequential, 1 conn" if n == 1 else f"saturated, {n} conn"


def _cpu(cpu: dict[str, float] | None) -> str:
    return f"{cpu['server']:.0f}/{cpu['loadgen']:.0f}/{cpu['other']:.0f}" if cpu else "-"


def _row(cells: tuple[str, ...]) -> str:
    return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                     for i, (c, w) in enumerate(zip(cells, _WIDTHS, strict=True))).rstrip()


def render(db: dict[str, Any]) -> str:
    """The table and verdicts for one database, as printed."""
    title = f"== {db['label']} =="
    if db.get("skipped"):
        return f"{title}\nskipped: {db['skipped']}"
    if db.get("error") and not db.get("phases"):
        return f"{title}\nharness failure: {db['error']}"
    srv = db["server"]
    where = (f"server pid {srv['pid']} on CPU {srv['cpu']}, load generator on CPU "
             f"{srv['client_cpu']}" if srv["cpu"] is not None
             else f"server pid {srv['pid']}, not pinned ({srv['cpus']} CPU)")
    lines = [f"{title}  {db['url']}", where,
             f"{db['duration']:g} s per phase after {db['warmup']:g} s warm-up; "
             f"{db['customers']} virtual customers per phase", "", _row(HEADINGS)]
    phases = db["phases"]
    problems = []
    for key, endpoint in PHASE_ROWS:
        p = phases.get(key)
        if p is None:
            continue
        lines.append(_row((endpoint, _load(p), f"{p['rate']:.1f}", f"{p['p50']:.2f}",
                           f"{p['p90']:.2f}", f"{p['p99']:.2f}", f"{p['max']:.1f}",
                           str(p["errors"]), _cpu(p.get("cpu_pct")))))
        if p["errors"]:
            kinds = ", ".join(f"{k} ×{v}" for k, v in p["error_kinds"].items())
            problems.append(f"  errors in {endpoint} {_load(p)}: {kinds}; first: "
                            f"{p['first_error']}")
    lines.append("")
    busiest = max((p.get("cpu_pct", {}).get("other", 0.0) for p in phases.values()), default=0)
    if busiest > NOISY_OTHER_PCT:
        extra = " (includes PostgreSQL's own backends)" if db["database"] == "postgres" else ""
        lines.append(f"warning: other processes used up to {busiest:.0f}% of a core during "
                     f"a phase{extra}; the figures are disturbed, re-run on a quiet machine")
    if "targets" in db:
        t = db["targets"]
        half = phases["chat_half_load"]
        lines.append(f"chat/floor throughput ratio: {t['chat_floor_ratio']:.2f} "
                     f"(target >= {MIN_FLOOR_RATIO:.2f}): {_mark(t['chat_floor_ratio_pass'])}")
        errs = f", {half['errors']} errors" if half["errors"] else ""
        lines.append(f"p99 at half load ({half['target_rate']:.0f} req/s): "
                     f"{t['p99_half_load_ms']:.2f} ms{errs} "
                     f"(target < {MAX_P99_HALF_LOAD_MS:g} ms): {_mark(t['p99_half_load_pass'])}")
    if "rasa" in db:
        r, chat, seq = db["rasa"], phases["chat"], phases["chat_sequential"]
        line = (f"vs Rasa moodbot (PEERS.md): throughput {r['throughput_x']}x "
                f"({chat['rate']:.0f} vs {RASA['saturated_msg_s']:.0f} msg/s saturated); "
                f"sequential p50 {r['sequential_p50_x_lower']}x lower "
                f"({seq['p50']:.2f} vs {RASA['sequential_p50_ms']:.0f} ms), "
                f"p99 {r['sequential_p99_x_lower']}x lower "
                f"({seq['p99']:.2f} vs {RASA['sequential_p99_ms']:.0f} ms)")
        if "eight_clients_p50_x_lower" in r:
            line += (f"; 8 clients p50 {r['eight_clients_p50_x_lower']}x lower "
                     f"({chat['p50']:.2f} vs {RASA['eight_clients_p50_ms']:.0f} ms)")
        lines.append(line)
    mem = srv.get("memory_mib", {})
    lines.append(f"server ready in {srv['ready_s']:.1f} s; RSS after the run "
                 f"{mem.get('VmRSS', 0):.0f} MiB (peak {mem.get('VmHWM', 0):.0f} MiB); "
                 f"Rasa: {RASA_READY_S} s to ready, {RASA_RSS_MIB:.0f} MiB")
    if problems:
        lines += ["", *problems]
    if db.get("error"):
        lines += ["", f"harness failure: {db['error']}"]
    if db.get("server_log"):
        lines += ["server log excerpt:", *("  " + x for x in db["server_log"].splitlines())]
    return "\n".join(lines)


def summary(dbs: list[dict[str, Any]]) -> str:
    out = ["== summary =="]
    for db in dbs:
        if db.get("skipped"):
            out.append(f"{db['label']}: skipped ({db['skipped']})")
        elif "targets" not in db:
            out.append(f"{db['label']}: not measured (harness failure)")
        else:
            t = db["targets"]
            out.append(f"{db['label']}: chat {db['phases']['chat']['rate']:.0f} req/s, "
                       f"chat/floor {t['chat_floor_ratio']:.2f} "
                       f"{_mark(t['chat_floor_ratio_pass'])}; p99 at half load "
                       f"{t['p99_half_load_ms']:.2f} ms {_mark(t['p99_half_load_pass'])}")
    return "\n".join(out)


def write_json(results: dict[str, Any], path: Path = RESULTS_DIR / "latest.json") -> Path:
    """Write the results; ``bench/results`` keeps a ``.gitignore`` so they stay uncommitted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.parent == RESULTS_DIR and not (RESULTS_DIR / ".gitignore").exists():
        (RESULTS_DIR / ".gitignore").write_text("*\n")
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path

"""``python -m bench``: chat throughput and latency against the floor, SQLite then PostgreSQL.

Exit status: 0 when the figures were measured, whether or not the targets were met (the report
says); 1 when the harness could not measure (server would not start, migrations failed, every
request of a phase failed); 130 when interrupted. Servers are stopped and PostgreSQL bench
databases dropped on every path.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.cpu import CpuMeter
from bench.loadgen import HTTPConnection, PhaseResult, closed_loop, open_loop
from bench.server import (
    HOST,
    HarnessError,
    Server,
    Unavailable,
    migrate,
    postgres_admin_url,
    postgres_database,
    safe_url,
)
from bench.traffic import SCRIPTS, Traffic, traffic_for

CHAT, FLOOR = "/api/chat", "/api/_bench/floor"
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=10.0, help="seconds measured per phase")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds discarded before each phase")
    p.add_argument("--connections", type=int, default=8, help="keep-alive connections (8)")
    p.add_argument("--customers", type=int, default=25,
                   help="virtual customers per connection (25)")
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--quick", action="store_true", help="1 s phases (for the smoke test)")
    p.add_argument("--json", type=Path, default=report.RESULTS_DIR / "latest.json",
                   help="where to write the results (default bench/results/latest.json)")
    args = p.parse_args(argv)
    if args.quick:
        args.duration = args.warmup = 1.0
    if args.duration <= 0 or args.warmup < 0 or args.connections < 1 or args.customers < 1:
        p.error("--duration must be > 0, --warmup >= 0, --connections and --customers >= 1")
    return args


def choose_cpus() -> tuple[int | None, int | None, int]:
    """Server on the first allowed CPU, load generator on the second, when there are two."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return None, None, os.cpu_count() or 1
    if len(allowed) < 2:
        return None, None, len(allowed)
    return allowed[0], allowed[1], len(allowed)


def check_chat(body: bytes) -> str | None:
    if b'"replies"' not in body:
        return "200 without replies"
    if b'"duplicate":true' in body:
        return "reported duplicate"  # every message id is unique
    return None


def check_floor(body: bytes) -> str | None:
    return None if b'"ok":true' in body else "200 without ok"


async def prime(port: int, run_id: str) -> None:
    """Every scripted turn once, so lazy loading (NLU models, caches) is not what we time."""
    turns = sum(len(t) for _, t in SCRIPTS)
    for label, path in (("floor", FLOOR), ("chat", CHAT)):
        conn, source = HTTPConnection(HOST, port, path), Traffic(f"{run_id}-prime-{label}", 1)
        try:
            for _ in range(turns):
                await conn.post(source())  # failures show up, with details, in the phases
        except (OSError, EOFError, ValueError):
            pass
        finally:
            conn.close()


async def measure(port: int, args: argparse.Namespace, run_id: str, spin: bool,
                  meter: CpuMeter, phases: dict[str, dict[str, Any]]) -> None:
    """Fills ``phases`` as it goes, so a failure keeps what was measured before it."""
    n, per = args.connections, args.customers
    timing = {"warmup": args.warmup, "duration": args.duration}
    await prime(port, run_id)

    async def phase(key: str, run: Coroutine[Any, Any, PhaseResult]) -> PhaseResult:
        start = meter.snapshot()
        result = await run
        phases[key] = {**result.to_dict(), "cpu_pct": meter.since(start)}
        if result.ok == 0:
            raise HarnessError(f"phase '{result.name}': no successful response "
                               f"({result.errors} errors; first: {result.first_error})")
        return result

    await phase("floor", closed_loop(
        HOST, port, FLOOR, traffic_for(run_id, "floor", n, per), check=check_floor,
        name="floor saturated", **timing))
    chat = await phase("chat", closed_loop(
        HOST, port, CHAT, traffic_for(run_id, "chat", n, per), check=check_chat,
        name="chat saturated", **timing))
    await phase("chat_half_load", open_loop(
        HOST, port, CHAT, traffic_for(run_id, "half", n, per), rate=chat.rate / 2,
        check=check_chat, spin=spin, name="chat open loop at half load", **timing))
    await phase("chat_sequential", closed_loop(
        HOST, port, CHAT, traffic_for(run_id, "seq", 1, per), check=check_chat,
        name="chat sequential", **timing))


def run_async(coro: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coro)


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    with postgres_database(postgres_admin_url()) as url:
        migrate(url, workdir)
        yield url


def run_database(kind: str, args: argparse.Namespace, run_id: str,
                 cpus: tuple[int | None, int | None, int]) -> dict[str, Any]:
    server_cpu, client_cpu, ncpus = cpus
    result: dict[str, Any] = {"database": kind, "label": LABELS[kind],
                              "duration": args.duration, "warmup": args.warmup,
                              "customers": args.connections * args.customers}
    phases: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="careline-bench-") as tmp:
        try:
            with database(kind, Path(tmp)) as url:
                result["url"] = safe_url(url)
                server = Server(url, Path(tmp), server_cpu)
                started = time.monotonic()
                try:
                    server.start()
                    result["server"] = {"pid": server.pid, "cpu": server_cpu,
                                        "client_cpu": client_cpu, "cpus": ncpus,
                                        "ready_s": round(time.monotonic() - started, 2),
                                        "flows_version": server.health.get("flows_version")}
                    if server.health.get("flows_errors"):
                        print(f"warning: server reports flow errors: "
                              f"{server.health['flows_errors']}", file=sys.stderr)
                    run_async(measure(server.port, args, run_id, client_cpu is not None,
                                      CpuMeter(server.pid), phases))
                    result["server"]["memory_mib"] = server.memory_mib()
                finally:
                    code = server.stop()
                    if "server" in result:
                        result["server"]["exit_code"] = code
                    if any(p["errors"] for p in phases.values()):
                        result["server_log"] = server.log_excerpt()
        except Unavailable as exc:
            result["skipped"] = str(exc)
        except HarnessError as exc:
            result["error"] = str(exc)
    if phases:
        result["phases"] = phases
    if len(phases) == len(report.PHASE_ROWS):
        result["targets"] = report.evaluate(phases)
        result["rasa"] = report.rasa_comparison(phases)
    return result


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so that servers stop and bench databases are dropped


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    cpus = choose_cpus()
    if cpus[1] is not None:
        os.sched_setaffinity(0, {cpus[1]})  # the load generator; the server gets cpus[0]
    else:
        print(f"note: {cpus[2]} CPU available; server and load generator are not pinned")
    run_id = f"b{secrets.token_hex(3)}"
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    started = datetime.now(UTC)
    results: list[dict[str, Any]] = []
    try:
        for kind in kinds:
            print(f"measuring {LABELS[kind]}: floor, chat, chat at half load, chat sequential "
                  f"({args.warmup:g} s + {args.duration:g} s each)...", flush=True)
            db = run_database(kind, args, run_id, cpus)
            results.append(db)
            print("\n" + report.render(db) + "\n", flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped and bench databases dropped", file=sys.stderr)
        return 130
    print(report.summary(results))
    path = report.write_json({
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": list(sys.argv[1:] if argv is None else argv),
        "machine": {"cpus": cpus[2], "python": platform.python_version(),
                    "platform": platform.platform()},
        "targets": {"chat_floor_ratio_min": report.MIN_FLOOR_RATIO,
                    "p99_half_load_max_ms": report.MAX_P99_HALF_LOAD_MS},
        "peers": {"rasa_moodbot": report.RASA},
        "databases": results,
    }, args.json)
    print(f"results written to {path}")
    return 1 if any(db.get("error") for db in results) else 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m bench.fuzz [TARGET ...] [--seconds N]``: coverage-guided fuzzing with atheris.

Each target runs in its own process for ``--seconds`` (default 60) with the code under test
instrumented for coverage (bot, nlu, flows, and the vendor parsers they call). The corpus is
kept in ``.fuzz/corpus/<target>`` so later runs start where earlier ones stopped; an input
that raises anything but the parser's documented refusal is saved to
``.fuzz/crashes/<target>/`` and the run fails. Targets: see bench/fuzz/targets.py.

Exit status: 0 when no target crashed, 1 when one did, 2 when atheris is not installed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".fuzz"
INSTRUMENT = ["bot", "nlu", "flows", "defusedxml", "wechatpy", "telegram", "ruamel", "jsonschema"]


def _child(target: str, seconds: int) -> None:
    import atheris

    from bench.fuzz.targets import TARGETS

    with atheris.instrument_imports(include=INSTRUMENT):
        run, seeds = TARGETS[target]()
    corpus = WORK / "corpus" / target
    crashes = WORK / "crashes" / target
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(seeds):
        path = corpus / f"seed-{i}"
        if not path.exists():
            path.write_bytes(seed)
    atheris.Setup([sys.argv[0], str(corpus), f"-max_total_time={seconds}", "-timeout=20",
                   f"-artifact_prefix={crashes}/", "-print_final_stats=1", "-rss_limit_mb=3072",
                   "-max_len=4096"], run)
    atheris.Fuzz()


def _stats(log: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key in ("number_of_executed_units", "average_exec_per_sec", "peak_rss_mb"):
        m = re.search(rf"stat::{key}:\s*(\d+)", log)
        if m:
            found[key] = m.group(1)
    cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
    if cov:
        found["cov"], found["ft"] = cov[-1]
    return found


def main(argv: list[str] | None = None) -> int:
    from bench.fuzz.targets import TARGETS

    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", choices=[[], *TARGETS], metavar="TARGET",
                        help=f"one or more of: {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--seconds", type=int, default=60, help="budget per target (default 60)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.seconds)
        return 0
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("atheris is not installed (pip install -e '.[dev]'); nothing fuzzed", file=sys.stderr)
        return 2
    targets = args.targets or list(TARGETS)
    print(f"fuzzing {', '.join(targets)} for {args.seconds} s each (corpus and crashes in {WORK})")
    failed = []
    rows = []
    for target in targets:
        logs = WORK / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{target}.log"
        started = time.monotonic()
        with log_path.open("w") as log:
            code = subprocess.run(
                [sys.executable, "-m", "bench.fuzz", "--child", target, "--seconds", str(args.seconds)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONHASHSEED": "0"},
                check=False).returncode
        took = time.monotonic() - started
        text = log_path.read_text(errors="replace")
        stats = _stats(text)
        crashes = sorted((WORK / "crashes" / target).glob("crash-*")) + sorted(
            (WORK / "crashes" / target).glob("timeout-*"))
        status = "ok" if code == 0 else f"CRASH (exit {code})"
        if code != 0:
            failed.append(target)
        rows.append((target, f"{took:.0f}", stats.get("number_of_executed_units", "?"),
                     stats.get("average_exec_per_sec", "?"), stats.get("cov", "?"),
                     stats.get("ft", "?"), str(len(crashes)), status))
        print(f"  {target:<12} {status}  runs {rows[-1][2]}  exec/s {rows[-1][3]}  "
              f"cov {rows[-1][4]}  (log {log_path.relative_to(ROOT)})", flush=True)
        if code != 0:
            tail = [ln for ln in text.splitlines() if ln.strip()][-25:]
            print("\n".join("      " + ln for ln in tail))
    header = ("target", "s", "runs", "exec/s", "cov", "features", "saved crashes", "result")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""CPU use per phase from /proc: the server's, the load generator's, and everything else's.

"Everything else" shows a noisy neighbour (or, for PostgreSQL, the database's own backends);
the load generator's share shows it has headroom, i.e. the client is not the bottleneck.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime, all threads


def _busy_ticks() -> int:
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return 0
    return sum(values) - values[3] - values[4]  # minus idle and iowait


@dataclass(frozen=True)
class Snapshot:
    at: float
    busy: int
    server: int
    client: int


class CpuMeter:
    """Percent of one core, between a snapshot and now."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def snapshot(self) -> Snapshot:
        return Snapshot(time.monotonic(), _busy_ticks(), _process_ticks(self.server_pid),
                        _process_ticks(os.getpid()))

    def since(self, start: Snapshot) -> dict[str, float]:
        end = self.snapshot()
        ticks = max(end.at - start.at, 1e-9) * _HZ / 100  # ticks per 1% of a core

        def pct(n: int) -> float:
            return round(max(n, 0) / ticks, 1)

        server, client = end.server - start.server, end.client - start.client
        return {"server": pct(server), "loadgen": pct(client),
                "other": pct(end.busy - start.busy - server - client)}

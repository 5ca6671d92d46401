"""A lean HTTP/1.1 load generator on raw keep-alive sockets, so the client is not the bottleneck.

Closed loop: each connection sends back-to-back; gives the saturated throughput.
Open loop: a fixed rate with every send time scheduled in advance; latency is measured from the
scheduled time, so a slow response that delays the next send shows up in the figures instead of
being hidden (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

BodySource = Callable[[], bytes]
#: Decides whether a 200 body is a real answer; returns an error label or None.
Check = Callable[[bytes], str | None]
TIMEOUT = 30.0
#: Open loop with a dedicated client CPU: sleep until this close to a send time, then yield-spin,
#: because event-loop timers are only millisecond-accurate.
SPIN_WINDOW = 0.002
clock = time.perf_counter
_FAILURES = (OSError, EOFError, TimeoutError, ValueError, asyncio.LimitOverrunError)


class HTTPConnection:
    """One keep-alive connection sending ``POST path`` with a JSON body."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.host, self.port = host, port
        self._head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      "Content-Type: application/json\r\nContent-Length: ").encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            await self.connect()
        reader, writer = self._reader, self._writer
        assert reader is not None and writer is not None
        writer.write(b"%s%d\r\n\r\n%s" % (self._head, len(body), body))
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP response: {head[:40]!r}")
        status = int(head[9:12])
        lower = head.lower()
        i = lower.find(b"\r\ncontent-length:")
        if i >= 0:
            data = await reader.readexactly(int(head[i + 17:lower.index(b"\r\n", i + 2)]))
        elif b"\r\ntransfer-encoding: chunked" in lower:
            data = await _read_chunked(reader)
        else:
            data = await reader.read()
            self.close()
            return status, data
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, data


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers from uvicorn
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


@dataclass
class PhaseResult:
    """Figures for one phase; latencies in milliseconds over the successful responses."""

    name: str
    mode: str  # "closed" or "open"
    connections: int
    duration: float
    ok: int
    errors: int
    error_kinds: dict[str, int]
    rate: float  # successful responses per second
    p50: float
    p90: float
    p99: float
    max: float
    target_rate: float | None = None
    send_lag_p99: float | None = None  # open loop: how late the client sent (its own health)
    first_error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class Recorder:
    """Keeps what falls inside the measurement window [w0, w1]."""

    def __init__(self, w0: float, w1: float, check: Check | None) -> None:
        self.w0, self.w1, self.check = w0, w1, check
        self.ok = 0
        self.latencies: list[float] = []
        self.lags: list[float] = []
        self.errors: Counter[str] = Counter()
        self.first_error: str | None = None

    def done(self, t_ref: float, t_end: float, status: int, body: bytes) -> None:
        problem = f"HTTP {status}" if status != 200 else (self.check(body) if self.check else None)
        if problem is None:
            self.ok += 1
            # A request begun in the warm-up counts for throughput, not for latency.
            if t_ref >= self.w0:
                self.latencies.append(t_end - t_ref)
        else:
            self.fail(problem, body.decode("utf-8", "replace")[:300])

    def fail(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if self.first_error is None:
            self.first_error = f"{kind}: {detail}" if detail else kind

    def result(self, name: str, mode: str, connections: int, duration: float,
               target_rate: float | None = None) -> PhaseResult:
        lat = sorted(x * 1000 for x in self.latencies)
        lags = sorted(x * 1000 for x in self.lags)
        return PhaseResult(
            name=name, mode=mode, connections=connections, duration=duration, ok=self.ok,
            errors=sum(self.errors.values()), error_kinds=dict(self.errors),
            rate=self.ok / duration, p50=percentile(lat, 0.50), p90=percentile(lat, 0.90),
            p99=percentile(lat, 0.99), max=lat[-1] if lat else 0.0, target_rate=target_rate,
            send_lag_p99=percentile(lags, 0.99) if mode == "open" else None,
            first_error=self.first_error)


async def _connect_all(host: str, port: int, path: str, n: int) -> list[HTTPConnection]:
    conns = [HTTPConnection(host, port, path) for _ in range(n)]
    await asyncio.gather(*(c.connect() for c in conns))
    return conns


async def closed_loop(host: str, port: int, path: str, sources: Sequence[BodySource], *,
                      warmup: float, duration: float, check: Check | None = None,
                      name: str = "") -> PhaseResult:
    """Every connection sends back-to-back; counts responses completed inside the window."""
    conns = await _connect_all(host, port, path, len(sources))
    w0 = clock() + warmup
    w1 = w0 + duration
    rec = Recorder(w0, w1, check)

    def in_window(t: float) -> bool:
        return w0 <= t <= w1

    async def worker(conn: HTTPConnection, source: BodySource) -> None:
        while (t0 := clock()) < w1:
            body = source()
            try:
                async with asyncio.timeout(TIMEOUT):
                    status, data = await conn.post(body)
            except _FAILURES as exc:
                conn.close()
                if in_window(clock()):
                    rec.fail(type(exc).__name__, str(exc))
                await asyncio.sleep(0.01)  # a refused connection must not become a busy loop
                continue
            t_end = clock()
            if in_window(t_end):
                rec.done(t0, t_end, status, data)

    try:
        await asyncio.gather(*(worker(c, s) for c, s in zip(conns, sources, strict=True)))
    finally:
        for c in conns:
            c.close()
    return rec.result(name, "closed", len(sources), duration)


async def open_loop(host: str, port: int, path: str, sources: Sequence[BodySource], *,
                    rate: float, warmup: float, duration: float, check: Check | None = None,
                    spin: bool = False, name: str = "") -> PhaseResult:
    """``rate`` requests/s spread over the connections, send times fixed in advance.

    Latency runs from the scheduled time; requests scheduled inside the window are counted
    whenever they finish.
    """
    if rate <= 0:
        raise ValueError("open-loop rate must be positive")
    conns = await _connect_all(host, port, path, len(sources))
    n = len(sources)
    start = clock() + 0.05
    total = int(rate * (warmup + duration))
    w0 = start + warmup
    w1 = start + warmup + duration
    rec = Recorder(w0, w1, check)

    async def worker(conn: HTTPConnection, source: BodySource, schedule: list[float]) -> None:
        for t in schedule:
            body = source()
            delay = t - clock()
            if spin:
                if delay > SPIN_WINDOW:
                    await asyncio.sleep(delay - SPIN_WINDOW)
                while clock() < t:
                    await asyncio.sleep(0)
            elif delay > 0:
                await asyncio.sleep(delay)
            counted = w0 <= t < w1
            if counted:
                rec.lags.append(clock() - t)
            try:
                async with asyncio.timeout(TIMEOUT):
                    status, data = await conn.post(body)
            except _FAILURES as exc:
                conn.close()
                if counted:
                    rec.fail(type(exc).__name__, str(exc))
                continue
            if counted:
                rec.done(t, clock(), status, data)

    schedules = [[start + k / rate for k in range(i, total, n)] for i in range(n)]
    try:
        await asyncio.gather(*(worker(c, s, sch) for c, s, sch
                               in zip(conns, sources, schedules, strict=True)))
    finally:
        for c in conns:
            c.close()
    return rec.result(name, "open", n, duration, target_rate=rate)

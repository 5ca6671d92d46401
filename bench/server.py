"""The server under test: a database to run it on, and the ``careline serve`` subprocess."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STOP_GRACE = 5.0


class HarnessError(Exception):
    """The harness could not measure (server would not start, migrations failed...)."""


class Unavailable(Exception):
    """A database is not there to benchmark: skip it and say why."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _careline(*args: str) -> list[str]:
    # ``python -m bot.cli`` is the ``careline`` console script, without relying on PATH.
    return [sys.executable, "-m", "bot.cli", *args]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def postgres_admin_url() -> str:
    return (os.environ.get("CARELINE_BENCH_POSTGRES_URL")
            or os.environ.get("CARELINE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _admin_connect(admin_url: str):  # type: ignore[no-untyped-def]
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(admin_url).set(drivername="postgresql")
    return psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True,
                           connect_timeout=5)


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh ``careline_bench_<random>`` database, dropped afterwards whatever happens."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    try:
        admin = _admin_connect(admin_url)
    except (psycopg.Error, ValueError) as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise Unavailable(f"PostgreSQL at {safe_url(admin_url)} is unreachable: {why}") from None
    name = f"careline_bench_{secrets.token_hex(4)}"
    try:
        with admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise Unavailable(f"cannot create a database at {safe_url(admin_url)}: {exc}") from None
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        # A fresh connection: the run may have been long, or interrupted mid-way.
        try:
            with _admin_connect(admin_url) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                              .format(sql.Identifier(name)))
        except psycopg.Error as exc:
            print(f"warning: could not drop database {name}: {exc}", file=sys.stderr)


def migrate(database_url: str, workdir: Path) -> None:
    """``careline db upgrade`` into ``database_url`` (serve only auto-migrates SQLite)."""
    env = {**os.environ, "CARELINE_DATABASE_URL": database_url}
    done = subprocess.run(_careline("db", "upgrade"), cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    if done.returncode != 0:
        out = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise HarnessError(f"`careline db upgrade` failed (exit {done.returncode}):\n{out}")


def _pinner(cpu: int | None) -> Callable[[], None] | None:
    if cpu is None:
        return None

    def pin() -> None:
        os.sched_setaffinity(0, {cpu})

    return pin


class Server:
    """``careline serve`` (one uvicorn worker) with the bench floor on, pinned to ``cpu``."""

    def __init__(self, database_url: str, workdir: Path, cpu: int | None,
                 extra_env: dict[str, str] | None = None, *, workers: int = 1,
                 scheduler: bool = False) -> None:
        self.database_url, self.workdir, self.cpu = database_url, workdir, cpu
        self.extra_env = extra_env or {}
        self.workers, self.scheduler = workers, scheduler
        self.port = free_port()
        self.log_path = workdir / f"server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.health: dict[str, object] = {}

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 120.0) -> None:
        # The load generator is one address posting hundreds of messages a second: the web
        # chat's rate limits (bot/web_limits.py) are off, the bench measures the pipeline.
        limits = {f"CARELINE_{k}": "off" for k in ("CHAT_RATE_USER", "CHAT_RATE_IP",
                                                   "INBOX_RATE_USER", "INBOX_RATE_IP")}
        env = {**os.environ, "CARELINE_DATABASE_URL": self.database_url,
               "CARELINE_BENCH_FLOOR": "1", "CARELINE_HOT_RELOAD": "false", **limits,
               **self.extra_env}
        cmd = _careline("serve", "--host", HOST, "--port", str(self.port),
                        "--log-level", "warning", "--workers", str(self.workers),
                        *(() if self.scheduler else ("--no-scheduler",)))
        with open(self.log_path, "wb") as log:
            # Own session: a Ctrl-C reaches only the harness, which then stops the server itself.
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=_pinner(self.cpu))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(f"the server exited with code {self.proc.returncode} before "
                                   f"/healthz answered; its output:\n{_tail(self.log_path)}")
            if self._healthy():
                return
            time.sleep(0.1)
        self.stop()
        raise HarnessError(f"/healthz did not answer 200 within {timeout:.0f} s; server output:\n"
                           f"{_tail(self.log_path)}")

    def _healthy(self) -> bool:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            body = resp.read()
        except OSError:
            return False
        finally:
            conn.close()
        if resp.status == 200:
            try:
                self.health = json.loads(body)
            except ValueError:
                self.health = {}
        return resp.status == 200

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes (children of ``careline serve --workers N``)."""
        out: list[int] = []
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                children = [int(p) for p in f.read().split()]
        except OSError:
            return out
        for child in children:
            try:
                with open(f"/proc/{child}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:
                out.append(child)
        return out

    def memory_mib(self) -> dict[str, float]:
        """VmRSS (now) and VmHWM (peak) of the server process, from /proc."""
        out: dict[str, float] = {}
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        out[key] = int(value.split()[0]) / 1024
        except OSError:
            pass
        return out

    def log_excerpt(self, lines: int = 40) -> str:
        """The first traceback in the server log if there is one, else its tail."""
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            return ""
        at = text.find("Traceback (most recent call last)")
        if at < 0:
            return _tail(self.log_path, lines)
        return "\n".join(text[at:].splitlines()[:lines])

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after a grace period; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

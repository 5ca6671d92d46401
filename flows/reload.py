"""Hot reload: a changed scripts directory is validated, then swapped in atomically.

A broken change is rejected and logged with its ``file:line`` errors; the running version
stays live. Readers take ``holder.bundle`` once per turn, so a swap never splits a turn.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flows.loader import LoadResult, ScriptError, fingerprint, load_bundle
from flows.model import Bundle

log = logging.getLogger(__name__)


class ScriptsError(Exception):
    """The scripts directory does not validate; ``errors`` says where and why."""

    def __init__(self, errors: list[ScriptError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class BundleHolder:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        result = load_bundle(directory)
        if result.bundle is None:
            raise ScriptsError(result.errors)
        self._bundle: Bundle = result.bundle
        self.last_errors: list[ScriptError] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.version = 1
        self._rejected = ""  # fingerprint of the last rejected directory state

    @property
    def bundle(self) -> Bundle:
        return self._bundle

    def check_now(self) -> LoadResult | None:
        """Reload if the directory changed; None when nothing changed."""
        with self._lock:
            try:
                current = fingerprint(self.directory)
                if current in (self._bundle.fingerprint, self._rejected):
                    return None
            except OSError as exc:
                log.error("cannot read scripts directory %s: %s", self.directory, exc)
                return None
            result = load_bundle(self.directory)
            if result.bundle is None:
                log.error("flow scripts rejected; the previous version stays live:\n%s",
                          "\n".join(str(e) for e in result.errors))
                self.last_errors = result.errors
                self._rejected = current
                return result
            self._bundle = result.bundle
            self.last_errors = []
            self.version += 1
            log.info("flow scripts reloaded (version %d, %d flows)", self.version,
                     len(result.bundle.flows))
            return result

    def start_watching(self, interval: float) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._watch, args=(interval,),
                                        name="careline-flows-reload", daemon=True)
        self._thread.start()

    def stop_watching(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _watch(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.check_now()
            except Exception:  # the watcher must survive anything a file system does
                log.exception("flow reload check failed")

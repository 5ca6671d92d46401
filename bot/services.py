"""Builds the long-lived parts (database, NLU, scripts, pipeline) from settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.pipeline import Pipeline
from bot.settings import Settings
from flows.reload import BundleHolder
from nlu.base import NLU
from storage.db import Database
from storage.migrate import upgrade

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """Settings that cannot work; the message says which and how to fix it."""


@dataclass
class Services:
    settings: Settings
    db: Database
    nlu: NLU
    scripts: BundleHolder
    pipeline: Pipeline

    def close(self) -> None:
        self.scripts.stop_watching()
        self.db.dispose()


def make_nlu(settings: Settings) -> NLU:
    if settings.nlu_backend == "rasa":
        raise ConfigError(
            "CARELINE_NLU_BACKEND=rasa is not available in this version yet; "
            "unset it to use the built-in NLU")
    from nlu.builtin import default_nlu

    return default_nlu()


def build_services(settings: Settings, *, nlu: NLU | None = None, migrate: bool = False,
                   clock: Callable[[], datetime] | None = None) -> Services:
    """``migrate=True`` applies migrations first (done automatically for SQLite by serve/demo)."""
    if migrate:
        upgrade(settings.database_url)
    db = Database(settings.database_url)
    scripts = BundleHolder(settings.flows_dir)
    nlu = nlu or make_nlu(settings)
    pipeline = Pipeline(db, nlu, scripts, tz=settings.tz, max_text_chars=settings.max_text_chars,
                        clock=clock)
    return Services(settings, db, nlu, scripts, pipeline)

"""Builds the long-lived parts (database, NLU, scripts, pipeline) from settings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import redact
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
    #: configured channel adapters by name ("web" always; "telegram", "wechat" when set up)
    channels: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.scripts.stop_watching()
        close_nlu = getattr(self.nlu, "close", None)
        if close_nlu is not None:
            close_nlu()
        for channel in self.channels.values():
            close = getattr(channel, "close", None)
            if close is not None:
                close()
        self.db.dispose()


class ScriptTemplates(Mapping[str, str]):
    """WeChat template ids from the live scripts (``settings.wechat_templates``), then from
    ``CARELINE_WECHAT_TEMPLATES``; read at send time, so a hot reload applies at once."""

    def __init__(self, scripts: BundleHolder, fallback: Mapping[str, str]) -> None:
        self.scripts, self.fallback = scripts, fallback

    def _all(self) -> dict[str, str]:
        return {**self.fallback, **self.scripts.bundle.settings.get("wechat_templates", {})}

    def __getitem__(self, kind: str) -> str:
        return self._all()[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def make_channels(settings: Settings, db: Database,
                  scripts: BundleHolder | None = None) -> dict[str, Any]:
    """The web channel, plus Telegram and WeChat when their settings are present."""
    from bot.channels.web import WebChannel

    channels: dict[str, Any] = {"web": WebChannel()}
    if settings.telegram_token is not None:
        from bot.channels.telegram import TelegramChannel

        channels["telegram"] = TelegramChannel.from_settings(settings)
    if settings.wechat_appid and settings.wechat_secret is not None \
            and settings.wechat_token is not None:
        from bot.channels.wechat import WeChatChannel

        wechat = WeChatChannel.from_settings(settings, db)
        if scripts is not None:
            wechat.templates = ScriptTemplates(scripts, wechat.templates)
        channels["wechat"] = wechat
    return channels


def make_nlu(settings: Settings) -> NLU:
    """The engine CARELINE_NLU_BACKEND names; Rasa falls back to the built-in one when down."""
    from nlu.builtin import default_nlu
    from nlu.embeddings import EmbeddingsUnavailable

    try:
        builtin = default_nlu()
    except EmbeddingsUnavailable as exc:  # CARELINE_NLU_EMBEDDINGS without the extra
        raise ConfigError(str(exc)) from exc
    if settings.nlu_backend == "rasa":
        from nlu.rasa import RasaConfigError, RasaHTTPNLU

        try:
            return RasaHTTPNLU.from_settings(settings, fallback=builtin)
        except RasaConfigError as exc:
            raise ConfigError(str(exc)) from exc
    return builtin


def build_services(settings: Settings, *, nlu: NLU | None = None, migrate: bool = False,
                   clock: Callable[[], datetime] | None = None) -> Services:
    """``migrate=True`` applies migrations first (done automatically for SQLite by serve/demo)."""
    redact.install(settings)  # before the channels start logging their URLs
    if migrate:
        upgrade(settings.database_url)
    db = Database(settings.database_url)
    scripts = BundleHolder(settings.flows_dir)
    # Hooks that run outside a conversation (a booking completed from the CLI or console)
    # read the live scripts, not the shipped ones.
    from flows.business.proactive import use_scripts

    use_scripts(lambda: scripts.bundle)
    nlu = nlu or make_nlu(settings)
    pipeline = Pipeline(db, nlu, scripts, tz=settings.tz, max_text_chars=settings.max_text_chars,
                        clock=clock)
    return Services(settings, db, nlu, scripts, pipeline, make_channels(settings, db, scripts))

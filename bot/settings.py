"""Typed settings read from ``CARELINE_*`` environment variables and a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.web_limits import RATE_PATTERN

SHIPPED_FLOWS_DIR = Path(__file__).resolve().parent.parent / "flows" / "scripts"


class Settings(BaseSettings):
    """Everything is optional; the defaults give the embedded SQLite demo."""

    model_config = SettingsConfigDict(
        env_prefix="CARELINE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite:///./careline.db"
    flows_dir: Path = SHIPPED_FLOWS_DIR
    timezone: str = "Asia/Shanghai"
    secret_key: SecretStr = SecretStr("dev-insecure-change-me")

    telegram_token: SecretStr | None = None
    telegram_secret: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"

    wechat_appid: str | None = None
    wechat_secret: SecretStr | None = None
    wechat_token: SecretStr | None = None
    wechat_aes_key: SecretStr | None = None
    wechat_api_base: str = "https://api.weixin.qq.com"

    nlu_backend: str = Field(default="builtin", pattern="^(builtin|rasa)$")
    rasa_url: str | None = None

    hot_reload: bool = True
    reload_interval: float = Field(default=1.0, gt=0, le=3600)
    max_text_chars: int = Field(default=4000, ge=1)
    #: Web chat API limits (bot/web_limits.py), per worker process: ``<count>/<n>s|m``
    #: or ``off``. The chat page polls the inbox every 4 s.
    chat_rate_user: str = Field(default="20/10s", pattern=RATE_PATTERN)
    chat_rate_ip: str = Field(default="120/1m", pattern=RATE_PATTERN)
    inbox_rate_user: str = Field(default="30/1m", pattern=RATE_PATTERN)
    inbox_rate_ip: str = Field(default="600/1m", pattern=RATE_PATTERN)
    #: ``POST /model/parse`` per client address (it needs no login).
    parse_rate_ip: str = Field(default="600/1m", pattern=RATE_PATTERN)
    #: Enables ``POST /api/_bench/floor`` for ``make bench`` only; never in production.
    bench_floor: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'Asia/Shanghai'"
            ) from exc
        return value

    @field_validator("flows_dir")
    @classmethod
    def _flows_dir_exists(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"flows directory {str(value)!r} does not exist")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

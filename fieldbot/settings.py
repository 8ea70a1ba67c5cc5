"""Settings: exactly the variables of DESIGN.md §8, read once at start-up.

Environment variables (``FIELDBOT_*``) or a ``.env`` file in the working directory. A missing
or malformed value stops start-up with one line naming the variable (:class:`SettingsError`).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "FIELDBOT_"
_WINDOWS = re.compile(r"^\d{2}:\d{2}-\d{2}:\d{2}(,\d{2}:\d{2}-\d{2}:\d{2})*$")


class SettingsError(Exception):
    """One line naming the variable that is missing or malformed."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    bot_token: SecretStr | None = None
    bot_username: str | None = None
    bot_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///fieldbot.db"
    encryption_key: SecretStr | None = None
    language: Literal["zh_CN", "en"] = "zh_CN"
    timezone: str = "Asia/Shanghai"
    working_hours: str = "09:00-12:00,13:00-18:00"
    clock: Literal["system", "sandbox"] = "system"
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    geofence_m: int = Field(default=500, gt=0)
    urban_radius_km: float = Field(default=15, gt=0)
    cash_limit_fen: int = Field(default=20000, ge=0)
    approval_limit_fen: int = Field(default=50000, ge=0)
    max_amount_fen: int = Field(default=10000000, gt=0)
    text_max_chars: int = Field(default=1000, ge=1, le=3500)
    assign_hours_emergency: float = Field(default=2, gt=0)
    assign_hours_general: float = Field(default=24, gt=0)
    assign_hours_consult: float = Field(default=48, gt=0)
    contact_hours_emergency: float = Field(default=2, gt=0)
    contact_hours_general: float = Field(default=24, gt=0)
    arrival_working_hours_urban: float = Field(default=6, gt=0)
    arrival_working_hours_suburban: float = Field(default=7, gt=0)
    complaint_reply_hours: float = Field(default=24, gt=0)
    complaint_verify_working_days: int = Field(default=3, gt=0)
    survey_working_days: int = Field(default=2, gt=0)
    reminder_percent: int = Field(default=80, gt=0, lt=100)
    level2_working_hours: float = Field(default=1, gt=0)
    invite_hours: float = Field(default=72, gt=0)
    send_rate: float = Field(default=30, gt=0)
    send_rate_per_chat: float = Field(default=1, gt=0)
    send_burst_per_chat: int = Field(default=3, gt=0)
    renewal_notice_days: int = Field(default=30, gt=0)
    repeat_repair_days: int = Field(default=30, gt=0)
    target_resolution_percent: int = Field(default=95, ge=0, le=100)
    target_satisfaction_percent: int = Field(default=85, ge=0, le=100)
    # Extensions beyond DESIGN.md §8:
    sweep_seconds: float = Field(default=30, gt=0)  # how often `run`/`worker` wake the sweep

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @field_validator("working_hours")
    @classmethod
    def _windows(cls, value: str) -> str:
        value = value.replace(" ", "")
        if not _WINDOWS.match(value):
            raise ValueError("expected windows like 09:00-12:00,13:00-18:00")
        return value

    @field_validator("encryption_key")
    @classmethod
    def _key_is_32_bytes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(value.get_secret_value().encode("ascii"))
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise ValueError("not URL-safe base64 (make one with `fieldbot keygen`)") from exc
        if len(raw) != 32:
            raise ValueError("must decode to 32 bytes (make one with `fieldbot keygen`)")
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL")
        return value.rstrip("/")

    def key_bytes(self) -> bytes:
        """The 32-byte master key; raises :class:`SettingsError` when it is not set."""
        if self.encryption_key is None:
            raise SettingsError(
                f"{ENV_PREFIX}ENCRYPTION_KEY: required (make one with `fieldbot keygen`)"
            )
        return base64.urlsafe_b64decode(self.encryption_key.get_secret_value().encode("ascii"))

    def token(self) -> str:
        if self.bot_token is None:
            raise SettingsError(f"{ENV_PREFIX}BOT_TOKEN: required for this command")
        return self.bot_token.get_secret_value()


def load_settings(
    overrides: dict[str, Any] | None = None, *, read_env_file: bool = True
) -> Settings:
    """Read the settings; ``overrides`` (names without the prefix, lower case) win.

    Raises :class:`SettingsError` with one line naming the first bad variable.
    """
    try:
        if read_env_file:
            return Settings(**(overrides or {}))
        return Settings(_env_file=None, **(overrides or {}))
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ENV_PREFIX + str(error["loc"][0]).upper() if error["loc"] else ENV_PREFIX
        raise SettingsError(f"{name}: {error['msg']}") from None

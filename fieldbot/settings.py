"""Settings: exactly the variables of DESIGN.md §8, read once at start-up.

Environment variables (``FIELDBOT_*``) or a ``.env`` file in the working directory. A missing
or malformed value stops start-up with one line naming the variable and what it accepts
(:class:`SettingsError`). Every number has a range and every float must be finite, so a value
that would only fail later (``inf`` hours overflowing a date, a reversed working window) stops
start-up instead.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from annotated_types import Ge, Gt, Le, Lt
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from fieldbot.domain.calendar import WorkingWindows
from fieldbot.domain.errors import InvalidWorkingHours

ENV_PREFIX = "FIELDBOT_"

# Upper bounds of the numbers (DESIGN.md §8 gives the defaults; these are the sensible ranges).
MAX_HOURS = 8760  # a year of hours
MAX_DAYS = 366  # a year of days
MAX_GEOFENCE_M = 100_000  # 100 km
MAX_RADIUS_KM = 1000
MAX_FEN = 10**12  # ¥10,000,000,000.00
MAX_SEND_RATE = 100_000  # messages per second: far above Telegram (a local Bot API, a benchmark)
MAX_BURST = 100_000
MAX_SWEEP_SECONDS = 86400  # a day

# The databases fieldbot runs on, by SQLAlchemy driver name; plain ``postgresql://`` (as psql
# and most hosting panels write it) means asyncpg, the only PostgreSQL driver fieldbot ships.
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
_PLAIN_POSTGRES = ("postgresql", "postgres")
DATABASE_ACCEPTS = (
    "accepts sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DATABASE"
)
WORKING_HOURS_ACCEPTS = (
    "accepts real times HH:MM-HH:MM, each start before its end, windows in order and not "
    "overlapping, e.g. 09:00-12:00,13:00-18:00"
)
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SettingsError(Exception):
    """One line naming the variable that is missing or malformed."""


def _number(
    default: float,
    unit: str,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
) -> Any:
    """A numeric setting with its unit (said when refused) and its range."""
    return Field(default=default, description=unit, gt=gt, ge=ge, lt=lt, le=le)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        allow_inf_nan=False,
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
    webhook_port: int = _number(8443, "a TCP port", ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    geofence_m: int = _number(500, "metres", gt=0, le=MAX_GEOFENCE_M)
    urban_radius_km: float = _number(15, "km", gt=0, le=MAX_RADIUS_KM)
    cash_limit_fen: int = _number(20000, "fen", ge=0, le=MAX_FEN)
    approval_limit_fen: int = _number(50000, "fen", ge=0, le=MAX_FEN)
    max_amount_fen: int = _number(10000000, "fen", gt=0, le=MAX_FEN)
    text_max_chars: int = _number(1000, "characters", ge=1, le=3500)
    assign_hours_emergency: float = _number(2, "hours", gt=0, le=MAX_HOURS)
    assign_hours_general: float = _number(24, "hours", gt=0, le=MAX_HOURS)
    assign_hours_consult: float = _number(48, "hours", gt=0, le=MAX_HOURS)
    contact_hours_emergency: float = _number(2, "hours", gt=0, le=MAX_HOURS)
    contact_hours_general: float = _number(24, "hours", gt=0, le=MAX_HOURS)
    arrival_working_hours_urban: float = _number(6, "working hours", gt=0, le=MAX_HOURS)
    arrival_working_hours_suburban: float = _number(7, "working hours", gt=0, le=MAX_HOURS)
    complaint_reply_hours: float = _number(24, "hours", gt=0, le=MAX_HOURS)
    complaint_verify_working_days: int = _number(3, "working days", gt=0, le=MAX_DAYS)
    survey_working_days: int = _number(2, "working days", gt=0, le=MAX_DAYS)
    reminder_percent: int = _number(80, "percent", gt=0, lt=100)
    level2_working_hours: float = _number(1, "working hours", gt=0, le=MAX_HOURS)
    invite_hours: float = _number(72, "hours", gt=0, le=MAX_HOURS)
    send_rate: float = _number(30, "messages per second", gt=0, le=MAX_SEND_RATE)
    send_rate_per_chat: float = _number(1, "messages per second", gt=0, le=MAX_SEND_RATE)
    send_burst_per_chat: int = _number(3, "messages", gt=0, le=MAX_BURST)
    renewal_notice_days: int = _number(30, "days", gt=0, le=MAX_DAYS)
    repeat_repair_days: int = _number(30, "days", gt=0, le=MAX_DAYS)
    target_resolution_percent: int = _number(95, "percent", ge=0, le=100)
    target_satisfaction_percent: int = _number(85, "percent", ge=0, le=100)
    appointment_tolerance_minutes: int = _number(30, "minutes", ge=0, le=MAX_DAYS * 24 * 60)
    quote_limit_fen: int = _number(20000, "fen", ge=0, le=MAX_FEN)
    resolve_working_days: int = _number(3, "working days", gt=0, le=MAX_DAYS)
    signoff_working_days: int = _number(2, "working days", gt=0, le=MAX_DAYS)
    first_reply_hours: float = _number(2, "hours", gt=0, le=MAX_HOURS)
    receivable_days: int = _number(30, "days", gt=0, le=MAX_DAYS)
    survey_reminder_working_days: int = _number(1, "working days", gt=0, le=MAX_DAYS)
    maintenance_lead_days: int = _number(14, "days", gt=0, le=MAX_DAYS)
    health_port: int = _number(0, "a TCP port (0: off)", ge=0, le=65535)
    log_format: Literal["text", "json"] = "text"
    # Extensions beyond DESIGN.md §8:
    # how often `run`/`worker` wake the sweep
    sweep_seconds: float = _number(30, "seconds", gt=0, le=MAX_SWEEP_SECONDS)
    # /healthz fails when the oldest due message waits this long and the sender has not moved
    health_stuck_seconds: float = _number(300, "seconds", gt=0, le=MAX_HOURS * 3600)

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
        # The calendar's own parser is the one home of what working hours are (the branches
        # CSV column uses it too); a value it refuses stops start-up here, not mid-sweep.
        try:
            return str(WorkingWindows.parse(value.replace(" ", "")))
        except InvalidWorkingHours as exc:
            raise ValueError(f"{exc}; {WORKING_HOURS_ACCEPTS}") from None

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        # Never echo the URL: it may hold a password.
        value = value.strip()
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(f"not a database URL; {DATABASE_ACCEPTS}") from None
        if url.drivername in _PLAIN_POSTGRES:
            value = "postgresql+asyncpg" + value[len(url.drivername) :]
            url = make_url(value)
        if url.drivername not in DATABASE_DRIVERS:
            raise ValueError(f"unsupported database driver {url.drivername!r}; {DATABASE_ACCEPTS}")
        if url.drivername.startswith("postgresql") and not url.database:
            raise ValueError(f"names no database; {DATABASE_ACCEPTS}")
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

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().removeprefix("@")
        if not _BOT_USERNAME.match(value):
            raise ValueError(
                "accepts a Telegram username: 4 to 32 letters, digits or _, starting with a "
                "letter (an @ in front is dropped)"
            )
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        value = value.strip()
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _HOSTNAME.match(value):
                raise ValueError("accepts an IP address or a host name, e.g. 127.0.0.1") from None
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("accepts 1 to 256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

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


def accepts(name: str) -> str | None:
    """What a numeric setting accepts, e.g. ``a number > 0 and <= 8760 (hours)``."""
    field = Settings.model_fields.get(name)
    if field is None or field.annotation not in (int, float):
        return None
    kind = "a whole number" if field.annotation is int else "a finite number"
    bounds = []
    for bound in field.metadata:
        if isinstance(bound, Gt):
            bounds.append(f"> {bound.gt}")
        elif isinstance(bound, Ge):
            bounds.append(f">= {bound.ge}")
        elif isinstance(bound, Lt):
            bounds.append(f"< {bound.lt}")
        elif isinstance(bound, Le):
            bounds.append(f"<= {bound.le}")
    unit = f" ({field.description})" if field.description else ""
    return f"accepts {kind} {' and '.join(bounds)}{unit}"


def load_settings(
    overrides: dict[str, Any] | None = None, *, read_env_file: bool = True
) -> Settings:
    """Read the settings; ``overrides`` (names without the prefix, lower case) win.

    Raises :class:`SettingsError` with one line naming the first bad variable and what it
    accepts. The value itself is not repeated: it may be a secret.
    """
    try:
        if read_env_file:
            return Settings(**(overrides or {}))
        return Settings(_env_file=None, **(overrides or {}))
    except ValidationError as exc:
        raise SettingsError(_one_line(exc.errors()[0])) from None


def _one_line(error: Any) -> str:
    field = str(error["loc"][0]) if error["loc"] else ""
    name = ENV_PREFIX + field.upper()
    if error["type"] == "value_error":
        message = str(error["ctx"]["error"])  # our own validators' text, without "Value error, "
    else:
        message = str(error["msg"])
        extra = accepts(field)
        if extra is not None:
            message = f"{message}; {extra}"
    return f"{name}: {' '.join(message.split())}"

"""Texts in the reader's language: gettext catalogs (zh_CN, en) and Babel formatting.

The ``.po`` files under ``locales/`` are the only source; they are compiled in memory when a
:class:`Catalogs` is loaded, so a compiled file can never be stale. Mark a text for extraction
with ``_()`` (translated now), or ``N_()`` (a template key rendered later, at send time).

Dates and times read the same in both languages, unambiguous (DESIGN.md §9): this module is
their one home. :func:`local_text` gives the language-free forms (``2026-09-14 16:00``,
``2026-09-14``, ``16:00``) that the command line prints too; :meth:`Translator.datetime` and
:meth:`Translator.date` add the weekday in the reader's language where a format asks for it
(``2026-09-14 16:00 (Mon)``, ``2026-09-14 16:00（周一）``).
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from fieldbot.domain.model import Language

DOMAIN = "fieldbot"
LANGUAGES: tuple[Language, ...] = (Language.ZH_CN, Language.EN)


def locales_dir() -> Path:
    """The catalogs shipped with the package (``fieldbot/locales`` → top-level ``locales/``)."""
    return Path(__file__).resolve().parent / "locales"


def N_(message: str) -> str:
    """Mark a text for extraction without translating it now."""
    return message


# The formats a ``{"dt": iso, "tz": name, "fmt": ...}`` argument may ask for.
DATETIME = "datetime"  # 2026-09-14 16:00
DATE = "date"  # 2026-09-14
TIME = "time"  # 16:00
WEEKDAY = "weekday"  # 2026-09-14 16:00 (Mon): appointments and deadlines
DATE_WEEKDAY = "date_weekday"  # 2026-09-14 (Mon)
FORMATS = (DATETIME, DATE, TIME, WEEKDAY, DATE_WEEKDAY)
# Babel's names, which messages queued before the formats above existed still carry: they all
# read as the full date and time now.
LEGACY_FORMATS = {"short": DATETIME, "medium": DATETIME, "long": DATETIME, "full": DATETIME}
_PATTERNS = {DATETIME: "%Y-%m-%d %H:%M", DATE: "%Y-%m-%d", TIME: "%H:%M"}
_WITH_WEEKDAY = {WEEKDAY: DATETIME, DATE_WEEKDAY: DATE}
# How a weekday follows a date ("2026-09-14 16:00 (Mon)", "2026-09-14 16:00（周一）").
WEEKDAY_TEXT = N_("{when} ({weekday})")


def date_format(fmt: str) -> str:
    """``fmt`` as one of :data:`FORMATS` (a legacy Babel name maps to its replacement)."""
    fmt = LEGACY_FORMATS.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ValueError(f"unknown date format {fmt!r}: one of {', '.join(FORMATS)}")
    return fmt


def local_text(instant: dt.datetime, timezone: str | dt.tzinfo, fmt: str = DATETIME) -> str:
    """``instant`` in ``timezone`` as the same text in every language, without a weekday
    (``2026-09-14 16:00``; ``date``: ``2026-09-14``; ``time``: ``16:00``)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    fmt = date_format(fmt)
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    return instant.astimezone(tz).strftime(_PATTERNS[_WITH_WEEKDAY.get(fmt, fmt)])


def day_text(day: dt.date) -> str:
    """A calendar date as every text shows it: ``2026-09-14``."""
    return day.strftime(_PATTERNS[DATE])


def language_from_telegram(code: str | None) -> Language | None:
    """Map Telegram's ``language_code`` (``zh``, ``zh-hans``, ``zh-CN``, ``en-US``) to ours."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    if code == "zh" or code.startswith(("zh-hans", "zh-cn", "zh-sg")):
        return Language.ZH_CN
    if code.startswith("zh-"):
        return Language.ZH_CN
    if code == "en" or code.startswith("en-"):
        return Language.EN
    return None


def resolve_language(
    own: Language | str | None, telegram_code: str | None, default: Language | str
) -> Language:
    """The record's language, else Telegram's, else the configured default."""
    if own:
        return Language(own)
    return language_from_telegram(telegram_code) or Language(default)


@dataclass(frozen=True)
class Translator:
    """Everything a renderer needs to speak to one reader."""

    language: Language
    translations: gettext.NullTranslations

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language.value)

    def gettext(self, message: str, /, **params: object) -> str:
        text = self.translations.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text.format(n=n, **params)

    def datetime(self, instant: dt.datetime, timezone: str, fmt: str = DATETIME) -> str:
        """``instant`` as the reader sees it in ``timezone``: one of :data:`FORMATS`."""
        fmt = date_format(fmt)
        text = local_text(instant, timezone, fmt)
        if fmt not in _WITH_WEEKDAY:
            return text
        return self._with_weekday(text, instant.astimezone(ZoneInfo(timezone)).date())

    def time(self, instant: dt.datetime, timezone: str) -> str:
        return self.datetime(instant, timezone, TIME)

    def date(self, day: dt.date, fmt: str = DATE) -> str:
        """A calendar date (a contract's end, a warranty): ``date`` or ``date_weekday``."""
        fmt = date_format(fmt)
        if fmt not in (DATE, DATE_WEEKDAY):
            raise ValueError(f"a calendar date has no time: {fmt!r}")
        text = day_text(day)
        return text if fmt == DATE else self._with_weekday(text, day)

    def _with_weekday(self, text: str, day: dt.date) -> str:
        weekday = format_date(day, "EEE", locale=self.locale)
        return self.gettext(WEEKDAY_TEXT, when=text, weekday=weekday)


class Catalogs:
    """The loaded catalogs, one translator per language."""

    def __init__(self, translations: Mapping[Language, gettext.NullTranslations]) -> None:
        self._translations = dict(translations)

    @classmethod
    def load(cls, directory: Path | None = None) -> Catalogs:
        directory = directory or locales_dir()
        loaded: dict[Language, gettext.NullTranslations] = {}
        for language in LANGUAGES:
            po = directory / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=language.value, domain=DOMAIN)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            loaded[language] = gettext.GNUTranslations(buffer)
        return cls(loaded)

    def translator(self, language: Language | str) -> Translator:
        language = Language(language)
        return Translator(language, self._translations[language])

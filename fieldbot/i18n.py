"""Texts in the reader's language: gettext catalogs (zh_CN, en) and Babel formatting.

The ``.po`` files under ``locales/`` are the only source; they are compiled in memory when a
:class:`Catalogs` is loaded, so a compiled file can never be stale. Mark a text for extraction
with ``_()`` (translated now), or ``N_()`` (a template key rendered later, at send time).
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
from babel.dates import format_date, format_datetime, format_time
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

    def datetime(self, instant: dt.datetime, timezone: str, fmt: str = "medium") -> str:
        if instant.tzinfo is None:
            raise ValueError("naive datetime")
        return format_datetime(instant, fmt, tzinfo=ZoneInfo(timezone), locale=self.locale)

    def time(self, instant: dt.datetime, timezone: str, fmt: str = "short") -> str:
        if instant.tzinfo is None:
            raise ValueError("naive datetime")
        return format_time(instant, fmt, tzinfo=ZoneInfo(timezone), locale=self.locale)

    def date(self, day: dt.date, fmt: str = "medium") -> str:
        return format_date(day, fmt, locale=self.locale)


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

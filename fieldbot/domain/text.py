"""Free text a person sends (a reason, a fault, a work description, a search): the one rule of
DESIGN.md §6 "every text a person sends is bounded".

``clean_text`` strips what cannot be seen and could mislead a reader — control characters
(category Cc, except newline and tab), format characters (Cf: zero-width spaces and joiners,
the byte-order mark, bidi embeddings, overrides and isolates), and surrounding whitespace
(the ideographic space included) — and refuses text that has no visible character left, or
more characters than the limit. The limit is a setting (``FIELDBOT_TEXT_MAX_CHARS``); the
caller passes it in, the domain knows no settings.
"""

from __future__ import annotations

import re
import unicodedata

from fieldbot.domain.errors import InvalidText

# A job number as the store makes them (J<day>-<sequence>), bounded so that it may be repeated
# back: anything else typed where a job number belongs is not.
JOB_NUMBER = re.compile(r"J\d{8}-\d{3,6}")

# An invoice number as people copy it from the invoice (发票号码: 8 or 20 digits, or a
# company's own series such as INV-2026-0042): 1-40 ASCII letters and digits, single dashes
# between them. Full-width characters typed on a Chinese keyboard read as their ASCII form.
INVOICE_NUMBER = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
INVOICE_NUMBER_MAX = 40

_WORD = re.compile(r"\s*(\S+)")

KEPT_CONTROLS = frozenset("\n\t")
# What makes text visible: letters, marks on them, digits, punctuation, symbols.
_VISIBLE = frozenset("LMNPS")


def _kept(char: str) -> bool:
    if char in KEPT_CONTROLS:
        return True
    category = unicodedata.category(char)
    # Cc controls, Cf format (zero-width, BOM, bidi), Cs lone surrogates, Co private use,
    # Cn unassigned: none of them reads as anything.
    return not category.startswith("C")


def visible(text: str) -> bool:
    """Whether ``text`` has at least one character a reader sees."""
    return any(
        unicodedata.category(char)[0] in _VISIBLE and unicodedata.category(char) != "Mn"
        for char in text
    )


def normalise(text: str) -> str:
    """``text`` without invisible characters and surrounding whitespace (NFC composed)."""
    kept = "".join(char for char in text if _kept(char))
    return unicodedata.normalize("NFC", kept).strip()


def clean_text(text: str | None, max_chars: int) -> str:
    """The text to keep, or :class:`InvalidText` (``reason`` "empty" when nothing visible is
    left, "too_long" above ``max_chars``; ``max`` the limit, never the text itself)."""
    cleaned = normalise(text or "")
    if not visible(cleaned):
        raise InvalidText("the text has no visible character", reason="empty", max=max_chars)
    if len(cleaned) > max_chars:
        raise InvalidText("the text is too long", reason="too_long", max=max_chars)
    return cleaned


def job_number(text: str) -> str | None:
    """``text`` read as a job number (any case), or None when it is not one."""
    number = normalise(text).upper()
    return number if JOB_NUMBER.fullmatch(number) else None


def invoice_number(text: str | None) -> str | None:
    """``text`` read as an invoice number (upper case, full-width folded to ASCII), or None
    when it is not one (:data:`INVOICE_NUMBER`, at most :data:`INVOICE_NUMBER_MAX`)."""
    number = unicodedata.normalize("NFKC", normalise(text or "")).upper()
    if len(number) > INVOICE_NUMBER_MAX or not number.isascii():
        return None
    return number if INVOICE_NUMBER.fullmatch(number) else None


def split_words(text: str, count: int) -> tuple[list[str], str | None]:
    """The first ``count`` words of a command's arguments and the rest as typed (a reason):
    None when nothing but plain spaces follows, so a missing reason is told from an invisible
    one (an ideographic space, a zero-width space), which :func:`clean_text` refuses."""
    words: list[str] = []
    position = 0
    for _ in range(count):
        match = _WORD.match(text, position)
        if match is None:
            break
        words.append(match.group(1))
        position = match.end()
    rest = text[position:]
    return words, rest if rest.strip(" \t\r\n") else None

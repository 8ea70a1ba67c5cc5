"""Phone numbers normalised to E.164 (``+8613812345678``) before they are hashed or stored.

Chinese numbers are checked by shape: mobiles ``1[3-9]`` + 9 digits; landlines an area code
(``10``, ``2X``, or three digits from ``3``-``9``) with the subscriber number, 10 or 11 digits
in all. A number written with ``+`` (or ``00``) and another country code is kept as E.164 after
a length check only; a bare number is read as Chinese
(a mobile, a landline with its ``0``, or Telegram's contact without the ``+``).
"""

from __future__ import annotations

import re

from fieldbot.domain.errors import InvalidPhone

_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "＋": "+",
        "（": "(",
        "）": ")",
        "－": "-",
        "\u3000": " ",
    }
)
_SEPARATORS = re.compile(r"[\s\-.()/]")
_CN_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_CN_LANDLINE = re.compile(r"(?:10|2[0-9])[0-9]{8}|[3-9][0-9]{2}[0-9]{7,8}")
_E164 = re.compile(r"[1-9][0-9]{7,14}")
_MAX_INPUT = 40


def _cn_national(digits: str) -> str | None:
    """The national significant number of a Chinese number, or None."""
    if _CN_MOBILE.fullmatch(digits) or _CN_LANDLINE.fullmatch(digits):
        return digits
    return None


def normalise_phone(text: str, default_region: str = "CN") -> str:
    """``13812345678``, ``+86 138-1234-5678``, ``8613812345678``, ``(021) 6123 4567`` → E.164."""
    if default_region != "CN":
        raise ValueError(f"unsupported default region {default_region!r}")
    if len(text) > _MAX_INPUT:
        raise InvalidPhone("not a phone number", reason="too_long")
    compact = _SEPARATORS.sub("", text.translate(_FULL_WIDTH))
    if not compact:
        raise InvalidPhone("no phone number given", reason="empty")
    international = False
    if compact.startswith("+"):
        international, compact = True, compact[1:]
    elif compact.startswith("00"):
        international, compact = True, compact[2:]
    if not compact.isascii() or not compact.isdigit():
        raise InvalidPhone("not a phone number", reason="not_digits")

    if international and not compact.startswith("86"):
        if _E164.fullmatch(compact):
            return "+" + compact
        raise InvalidPhone("not an international phone number", reason="bad_length")
    if international or (compact.startswith("86") and len(compact) >= 12):
        national = _cn_national(compact[2:].removeprefix("0"))  # "+86 (0)21 6123 4567"
    elif compact.startswith("0"):  # a landline with its trunk prefix: (021) 6123 4567
        national = _cn_national(compact[1:])
    else:  # a bare number must be a mobile: a landline needs its area code with the 0
        national = compact if _CN_MOBILE.fullmatch(compact) else None
    if national is None:
        raise InvalidPhone("not a Chinese phone number", reason="bad_cn_number")
    return "+86" + national


def looks_like_phone(text: str) -> bool:
    """Whether a search someone typed is more likely a phone than a name (mostly digits)."""
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 7 and digits * 2 > len(text.replace(" ", ""))

"""Money in integer fen (1 yuan = 100 fen), never float.

:func:`parse_money` reads what people type in the chat and what Excel leaves in a CSV;
:func:`format_money` writes ``¥1,234.50`` in every language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import total_ordering

from babel.numbers import format_currency

from fieldbot.domain.errors import InvalidMoney

FEN_PER_YUAN = 100
# Babel's own CNY pattern for "en" prints "CN¥"; the design wants "¥" in both languages.
MONEY_PATTERN = "¥#,##0.00"

_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "．": ".",
        "，": ",",
        "￥": "¥",
        "－": "-",
        "−": "-",
        "＋": "+",
        "\u3000": " ",
    }
)
_NOT_FINITE = re.compile(r"[+-]?\s*(nan|inf|infinity)", re.IGNORECASE)
_AMOUNT = re.compile(
    r"(?P<int>[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<frac>[0-9]+))?",
)


@total_ordering
@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in fen. Arithmetic with other Money, scaling by int only."""

    fen: int

    def __post_init__(self) -> None:
        if not isinstance(self.fen, int) or isinstance(self.fen, bool):
            raise TypeError(f"Money takes integer fen, not {type(self.fen).__name__}")

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def yuan(cls, yuan: int, fen: int = 0) -> Money:
        return cls(yuan * FEN_PER_YUAN + fen)

    @staticmethod
    def sum(amounts: Iterable[Money]) -> Money:
        return Money(sum(m.fen for m in amounts))

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __radd__(self, other: int) -> Money:
        # Lets the built-in sum() start from its integer 0.
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Money(self.fen * factor)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.fen < other.fen

    def __bool__(self) -> bool:
        return self.fen != 0

    def __str__(self) -> str:
        return format_money(self)

    @property
    def decimal(self) -> Decimal:
        """The amount in yuan, exact."""
        return Decimal(self.fen) / FEN_PER_YUAN


def _refuse(text: str, reason: str, message: str) -> InvalidMoney:
    return InvalidMoney(f"{message}: {text[:40]!r}", reason=reason)


def parse_money(text: str, *, max_fen: int) -> Money:
    """Read an amount in yuan: ``12``, ``12.5``, ``¥1,234.50``, ``１２.５０``, ``12元``.

    At most two decimals; grouping commas only every three digits. Refusals raise
    :class:`InvalidMoney` with a machine ``reason`` in its params: empty, negative,
    too_many_decimals, not_a_number, not_finite, too_large or malformed.
    """
    cleaned = text.translate(_FULL_WIDTH).strip()
    if cleaned.endswith("元"):
        cleaned = cleaned[:-1].rstrip()
    negative = cleaned.startswith("-")
    body = cleaned[1:].lstrip() if negative else cleaned
    if body.startswith("¥"):
        body = body[1:].lstrip()
    if not negative and body.startswith("-"):  # "¥-3"
        negative = True
        body = body[1:].lstrip()
    if not body:
        raise _refuse(text, "empty", "no amount given")
    if _NOT_FINITE.fullmatch(body):
        raise _refuse(text, "not_finite", "not a finite amount")
    if negative:
        raise _refuse(text, "negative", "amount is negative")
    match = _AMOUNT.fullmatch(body)
    if match is None:
        if not any(ch in "0123456789" for ch in body):
            raise _refuse(text, "not_a_number", "not a number")
        raise _refuse(text, "malformed", "not an amount")
    digits = match["int"].replace(",", "")
    frac = match["frac"] or ""
    if len(frac) > 2:
        raise _refuse(text, "too_many_decimals", "more than two decimals")
    # Refuse absurd lengths before int() (which has a digit limit of its own).
    if len(digits.lstrip("0")) > len(str(max_fen)):
        raise _refuse(text, "too_large", "amount above the maximum")
    fen = int(digits) * FEN_PER_YUAN + int(frac.ljust(2, "0"))
    if fen > max_fen:
        raise _refuse(text, "too_large", "amount above the maximum")
    return Money(fen)


def format_money(money: Money, locale: str = "zh_CN") -> str:
    """``¥1,234.50``, the same in zh_CN and en."""
    return format_currency(
        money.decimal,
        "CNY",
        format=MONEY_PATTERN,
        locale=locale,
        currency_digits=False,
    )

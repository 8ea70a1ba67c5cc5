"""The cells of one row, checked column by column (dates, money, phones, codes, lists...)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fieldbot.domain.calendar import WorkingWindows
from fieldbot.domain.errors import InvalidMoney, InvalidPhone, InvalidWorkingHours
from fieldbot.domain.model import Language, Role
from fieldbot.domain.money import Money, format_money, parse_money
from fieldbot.domain.phones import normalise_phone
from fieldbot.services.csvfile import Problem, Row

_CODE = re.compile(r"[^\s:;,]+")
_COUNT = re.compile(r"\d+")
MAX_COUNT = 2**31 - 1
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = frozenset({"true", "yes", "1", "是"})
_FALSE = frozenset({"false", "no", "0", "否"})
_LIST_SPLIT = re.compile(r"[;；]")
_MONEY_REASONS = {
    "empty": "empty",
    "negative": "negative",
    "too_many_decimals": "more than two decimals (fen)",
    "not_a_number": "not a number",
    "not_finite": "not a finite number",
    "too_large": "above the maximum",
}


class Cells:
    """The values of one row, checked column by column.

    Each getter records what is wrong with its cell and returns a placeholder of the right type
    instead, so that a row reports all its problems at once; a row with any problem is dropped.
    """

    def __init__(self, row: Row, problems: list[Problem]) -> None:
        self.row = row
        self.problems = problems
        self.failed = False

    def fail(self, column: str, message: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.row.line, column, message))

    def raw(self, column: str) -> str:
        return self.row.values.get(column, "")

    def text(self, column: str, *, max_length: int = 200) -> str:
        value = self.raw(column)
        if not value:
            self.fail(column, "required, but empty")
        elif len(value) > max_length:
            self.fail(column, f"longer than {max_length} characters")
        return value

    def optional_text(self, column: str) -> str | None:
        return self.raw(column) or None

    def code(self, column: str, *, max_length: int = 32) -> str:
        value = self.raw(column)
        if not value:
            self.fail(column, "required, but empty")
        elif not _CODE.fullmatch(value) or len(value) > max_length:
            self.fail(
                column,
                f"{value!r} is not a code: 1-{max_length} characters without spaces or : ; ,",
            )
        return value

    def coordinate(self, column: str, limit: float) -> float:
        value = self.raw(column)
        if not value:
            self.fail(column, "required, but empty")
            return 0.0
        try:
            number = float(value)
        except ValueError:
            self.fail(column, f"{value!r} is not a number")
            return 0.0
        if not math.isfinite(number) or not -limit <= number <= limit:
            self.fail(column, f"{value} is out of range (-{limit:g} to {limit:g})")
            return 0.0
        return number

    def positive_number(self, column: str) -> float | None:
        value = self.raw(column)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            self.fail(column, f"{value!r} is not a number")
            return None
        if not math.isfinite(number) or number <= 0:
            self.fail(column, f"{value} is not a positive number")
            return None
        return number

    def count(self, column: str) -> int:
        """A whole number of at least 0 (a quantity), required."""
        value = self.raw(column)
        if not value:
            self.fail(column, "required, but empty")
            return 0
        if not _COUNT.fullmatch(value) or int(value) > MAX_COUNT:
            self.fail(column, f"{value[:20]!r} is not a whole number of at least 0")
            return 0
        return int(value)

    def optional_count(self, column: str) -> int | None:
        """Like :meth:`count`; an empty cell (or no such column) is None."""
        return self.count(column) if self.raw(column) else None

    def optional_hours(self, column: str, max_hours: float) -> float | None:
        """A positive number of hours, at most ``max_hours``; None when empty."""
        number = self.positive_number(column)
        if number is not None and number > max_hours:
            self.fail(column, f"{number:g} is more than {max_hours:g} hours")
            return None
        return number

    def optional_range(self, column: str, low: int, high: int) -> int | None:
        """A whole number from ``low`` to ``high``; None when empty."""
        value = self.raw(column)
        if not value:
            return None
        if not _COUNT.fullmatch(value) or not low <= int(value) <= high:
            self.fail(column, f"{value!r} is not a whole number from {low} to {high}")
            return None
        return int(value)

    def day(self, column: str) -> date:
        value = self.raw(column)
        if not value:
            self.fail(column, "required, but empty")
            return date.min
        return self._parse_day(column, value)

    def optional_day(self, column: str) -> date | None:
        value = self.raw(column)
        return self._parse_day(column, value) if value else None

    def _parse_day(self, column: str, value: str) -> date:
        if _DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(column, f"{value!r} is not a date (expected YYYY-MM-DD)")
        return date.min

    def boolean(self, column: str) -> bool:
        value = self.raw(column).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        if not value:
            self.fail(column, "required, but empty")
        else:
            self.fail(column, f"{value!r} is not a boolean (true/false, yes/no, 1/0, 是/否)")
        return False

    def phone(self, column: str) -> str:
        value = self.raw(column)
        if not value:
            self.fail(column, "required, but empty")
            return ""
        try:
            return normalise_phone(value)
        except InvalidPhone as exc:
            self.fail(column, f"{value!r} is not a phone number: {exc}")
            return ""

    def money_fen(self, column: str, max_fen: int) -> int:
        value = self.raw(column)
        if not value:
            self.fail(column, "required, but empty")
            return 0
        try:
            return parse_money(value, max_fen=max_fen).fen
        except InvalidMoney as exc:
            reason = str(exc.params.get("reason", "malformed"))
            explained = _MONEY_REASONS.get(reason, "not written like 12, 12.50 or ¥1,234.50")
            if reason == "too_large":
                explained += f" of {format_money(Money(max_fen))}"
            self.fail(column, f"{value!r} is not an amount of money ({reason}): {explained}")
            return 0

    def language(self, column: str, *, required: bool) -> Language | None:
        value = self.raw(column)
        if not value:
            if required:
                self.fail(column, "required, but empty")
            return None
        wanted = value.replace("-", "_").lower()
        for language in Language:
            if language.value.lower() == wanted:
                return language
        self.fail(column, f"{value!r} is not a language (zh_CN or en)")
        return None

    def roles(self, column: str) -> frozenset[Role]:
        names = split_list(self.raw(column))
        if not names:
            self.fail(column, "required, but empty: at least one role")
            return frozenset()
        roles: set[Role] = set()
        known = {role.value: role for role in Role}
        for name in names:
            role = known.get(name.lower())
            if role is None:
                expected = ", ".join(known)
                self.fail(column, f"unknown role {name!r} (the roles are: {expected})")
            else:
                roles.add(role)
        return frozenset(roles)

    def timezone(self, column: str) -> str | None:
        value = self.raw(column)
        if not value:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(column, f"{value!r} is not an IANA timezone (e.g. Asia/Shanghai)")
            return None
        return value

    def working_hours(self, column: str) -> str | None:
        value = self.raw(column).replace(" ", "")
        if not value:
            return None
        if len(value) > 200:
            self.fail(column, "longer than 200 characters")
            return None
        try:
            WorkingWindows.parse(value)
        except InvalidWorkingHours as exc:
            self.fail(
                column, f"{value!r} are not working hours (like 09:00-12:00,13:00-18:00): {exc}"
            )
            return None
        return value

    def reference(
        self, column: str, known: Iterable[str], what: str, *, max_length: int = 32
    ) -> str:
        value = self.code(column, max_length=max_length)
        if value and value not in known:
            self.fail(column, f"unknown {what} {value!r}")
        return value


def split_list(value: str) -> list[str]:
    return [item.strip() for item in _LIST_SPLIT.split(value) if item.strip()]

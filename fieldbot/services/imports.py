"""Importing a company from CSV files (DESIGN.md §8 "Importing a company").

``fieldbot import KIND FILE.csv``: the file is read whole, every row is checked, and only when
nothing is wrong is anything written, in one unit of work. Every problem is reported as
``FILE:LINE: COLUMN: what is wrong``, where FILE is the path as given, LINE the physical line the
row starts on (1 is the header) and COLUMN the column concerned. ``-`` stands for the header
(an unknown, missing or repeated column is named in the message), the encoding, or the whole row
(wrong number of fields, a duplicate key made of several columns, the store refusing the row).

References point to rows already in the database, never to rows of the same file: import the
kinds in the order of :data:`KINDS` (``import_company`` does). Re-importing updates rows by
their key; rows missing from a re-import are left alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fieldbot.clock import Clock
from fieldbot.domain.calendar import WorkingWindows
from fieldbot.domain.errors import InvalidMoney, InvalidPhone, InvalidWorkingHours
from fieldbot.domain.model import (
    Branch,
    Contract,
    Customer,
    Equipment,
    Language,
    Part,
    Role,
    Staff,
    StockLevel,
)
from fieldbot.domain.money import Money, format_money, parse_money
from fieldbot.domain.phones import normalise_phone
from fieldbot.repositories.base import UpsertResult
from fieldbot.services.csvfile import Problem, Row, UndecodableText, decode, read_table
from fieldbot.settings import Settings
from fieldbot.store import Store, StoreError, UnitOfWork

KINDS: tuple[str, ...] = (
    "branches",
    "staff",
    "customers",
    "equipment",
    "contracts",
    "parts",
    "stock",
)

CENTRAL = "central"
VAN_PREFIX = "van:"
MAX_QUANTITY = 2**31 - 1

Record: TypeAlias = Branch | Staff | Customer | Equipment | Contract | Part | StockLevel


@dataclass(frozen=True)
class ImportReport:
    kind: str
    added: int
    updated: int
    unchanged: int


class ImportFailed(Exception):
    """Nothing was written; ``errors`` holds one ``FILE:LINE: COLUMN: what is wrong`` each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class KnownKeys:
    """What references may point to: the keys already in the database."""

    branches: frozenset[str] = frozenset()
    customers: frozenset[str] = frozenset()
    parts: frozenset[str] = frozenset()
    staff: frozenset[str] = frozenset()
    technicians: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Parsed:
    line: int
    record: Record


# --- reading and checking ----------------------------------------------------------------------


def parse_csv(kind: str, path: Path, known: KnownKeys, *, settings: Settings) -> list[Record]:
    """The records of one file, or :class:`ImportFailed` listing every problem."""
    return [parsed.record for parsed in parse_rows(kind, path, known, settings=settings)]


def parse_rows(kind: str, path: Path, known: KnownKeys, *, settings: Settings) -> list[Parsed]:
    """Like :func:`parse_csv`, keeping the line each record came from."""
    spec = _spec(kind)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed([f"{name}:1: -: cannot read the file: {exc.strerror}"]) from None
    try:
        text = decode(data)
    except UndecodableText as exc:
        raise ImportFailed(
            [
                f"{name}:{exc.line}: -: the file is neither UTF-8 nor GB18030/GBK text "
                f"(byte 0x{exc.byte:02X}); save it as CSV UTF-8"
            ]
        ) from None
    table, problems = read_table(text)
    parsed: list[Parsed] = []
    if table is not None:
        problems.extend(_check_header(spec, table.header_line, table.columns))
        if not any(p.line == table.header_line for p in problems):
            parsed = _check_rows(spec, table.rows, known, settings, problems)
    if problems:
        problems.sort(key=lambda p: p.line)
        raise ImportFailed([f"{name}:{p.line}: {p.column}: {p.message}" for p in problems])
    return parsed


def _check_header(spec: _Spec, line: int, columns: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    allowed = spec.required + spec.optional
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            problems.append(Problem(line, "-", f"column {column!r} appears twice"))
        elif column not in allowed:
            expected = ", ".join(allowed)
            problems.append(
                Problem(line, "-", f"unknown column {column!r} (the columns are: {expected})")
            )
        seen.add(column)
    for column in spec.required:
        if column not in seen:
            problems.append(Problem(line, "-", f"missing column {column!r}"))
    return problems


def _check_rows(
    spec: _Spec, rows: list[Row], known: KnownKeys, settings: Settings, problems: list[Problem]
) -> list[Parsed]:
    parsed: list[Parsed] = []
    first_line: dict[tuple[str, ...], int] = {}
    for row in rows:
        cells = _Cells(row, problems)
        record = spec.build(cells, known, settings)
        key = tuple(row.values.get(column, "") for column in spec.key)
        if all(key):
            if key in first_line:
                column = spec.key[0] if len(spec.key) == 1 else "-"
                shown = " + ".join(key)
                cells.fail(column, f"duplicate key {shown!r}, first on line {first_line[key]}")
            else:
                first_line[key] = row.line
        if not cells.failed:
            parsed.append(Parsed(row.line, record))
    return parsed


_CODE = re.compile(r"[^\s:;,]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUANTITY = re.compile(r"\d+")
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


class _Cells:
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
        names = _split_list(self.raw(column))
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


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in _LIST_SPLIT.split(value) if item.strip()]


# --- one builder per kind ----------------------------------------------------------------------


def _branch(cells: _Cells, known: KnownKeys, settings: Settings) -> Branch:
    code = cells.code("code")
    if code.lower() == CENTRAL:
        cells.fail("code", f"{code!r} is reserved: it names the central warehouse")
    return Branch(
        code=code,
        name=cells.text("name"),
        latitude=cells.coordinate("latitude", 90),
        longitude=cells.coordinate("longitude", 180),
        timezone=cells.timezone("timezone"),
        urban_radius_km=cells.positive_number("urban_radius_km"),
        working_hours=cells.working_hours("working_hours"),
    )


def _staff(cells: _Cells, known: KnownKeys, settings: Settings) -> Staff:
    roles = cells.roles("roles")
    branch = cells.optional_text("branch")
    if branch is None:
        needing = sorted(role.value for role in roles & {Role.TECHNICIAN, Role.SUPERVISOR})
        if needing:
            cells.fail("branch", f"required for {' and '.join(needing)}s, but empty")
    elif branch not in known.branches:
        cells.fail("branch", f"unknown branch {branch!r}")
    return Staff(
        code=cells.code("code"),
        name=cells.text("name"),
        roles=roles,
        phone=cells.phone("phone"),
        language=cells.language("language", required=True) or Language.ZH_CN,
        branch=branch,
        skills=frozenset(_split_list(cells.raw("skills"))),
    )


def _customer(cells: _Cells, known: KnownKeys, settings: Settings) -> Customer:
    return Customer(
        code=cells.code("code"),
        name=cells.text("name"),
        phone=cells.phone("phone"),
        address=cells.text("address", max_length=500),
        latitude=cells.coordinate("latitude", 90),
        longitude=cells.coordinate("longitude", 180),
        branch=cells.reference("branch", known.branches, "branch"),
        language=cells.language("language", required=False),
    )


def _equipment(cells: _Cells, known: KnownKeys, settings: Settings) -> Equipment:
    purchased_on = cells.day("purchased_on")
    warranty_until = cells.optional_day("warranty_until")
    if (
        warranty_until is not None
        and warranty_until != date.min
        and purchased_on != date.min
        and warranty_until < purchased_on
    ):
        cells.fail("warranty_until", f"{warranty_until} is before purchased_on {purchased_on}")
    return Equipment(
        serial=cells.code("serial", max_length=64),
        customer=cells.reference("customer", known.customers, "customer"),
        model=cells.text("model", max_length=100),
        product_line=cells.text("product_line", max_length=100),
        purchased_on=purchased_on,
        warranty_until=warranty_until,
    )


def _contract(cells: _Cells, known: KnownKeys, settings: Settings) -> Contract:
    starts_on = cells.day("starts_on")
    ends_on = cells.day("ends_on")
    if date.min not in (starts_on, ends_on) and ends_on < starts_on:
        cells.fail("ends_on", f"{ends_on} is before starts_on {starts_on}")
    return Contract(
        number=cells.code("number", max_length=64),
        customer=cells.reference("customer", known.customers, "customer"),
        starts_on=starts_on,
        ends_on=ends_on,
        covers_labour=cells.boolean("covers_labour"),
        covers_parts=cells.boolean("covers_parts"),
    )


def _part(cells: _Cells, known: KnownKeys, settings: Settings) -> Part:
    return Part(
        code=cells.code("code", max_length=64),
        name=cells.text("name"),
        unit_price_fen=cells.money_fen("unit_price", settings.max_amount_fen),
        warranty_eligible=cells.boolean("warranty_eligible"),
    )


def _stock(cells: _Cells, known: KnownKeys, settings: Settings) -> StockLevel:
    location = cells.raw("location")
    if not location:
        cells.fail("location", "required, but empty")
    elif location.lower().startswith(VAN_PREFIX):
        staff = location[len(VAN_PREFIX) :].strip()
        location = VAN_PREFIX + staff
        if staff not in known.staff:
            cells.fail("location", f"{location!r}: unknown staff {staff!r}")
        elif staff not in known.technicians:
            cells.fail("location", f"{location!r}: {staff} is not a technician")
    elif location.lower() == CENTRAL:
        location = CENTRAL
    elif location not in known.branches:
        cells.fail(
            "location",
            f"unknown location {location!r} (central, a branch code, or van:STAFF_CODE)",
        )
    quantity = cells.raw("quantity")
    if not quantity:
        cells.fail("quantity", "required, but empty")
    elif not _QUANTITY.fullmatch(quantity) or int(quantity) > MAX_QUANTITY:
        cells.fail("quantity", f"{quantity!r} is not a whole number of at least 0")
    return StockLevel(
        location=location,
        part=cells.reference("part", known.parts, "part", max_length=64),
        quantity=int(quantity) if not cells.failed else 0,
    )


@dataclass(frozen=True)
class _Spec:
    kind: str
    key: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    build: Callable[[_Cells, KnownKeys, Settings], Record] = field(repr=False)


_SPECS: dict[str, _Spec] = {
    spec.kind: spec
    for spec in (
        _Spec(
            "branches",
            ("code",),
            ("code", "name", "latitude", "longitude"),
            ("timezone", "urban_radius_km", "working_hours"),
            _branch,
        ),
        _Spec(
            "staff",
            ("code",),
            ("code", "name", "roles", "phone", "language"),
            ("branch", "skills"),
            _staff,
        ),
        _Spec(
            "customers",
            ("code",),
            ("code", "name", "phone", "address", "latitude", "longitude", "branch"),
            ("language",),
            _customer,
        ),
        _Spec(
            "equipment",
            ("serial",),
            ("serial", "customer", "model", "product_line", "purchased_on"),
            ("warranty_until",),
            _equipment,
        ),
        _Spec(
            "contracts",
            ("number",),
            ("number", "customer", "starts_on", "ends_on", "covers_labour", "covers_parts"),
            (),
            _contract,
        ),
        _Spec("parts", ("code",), ("code", "name", "unit_price", "warranty_eligible"), (), _part),
        _Spec("stock", ("location", "part"), ("location", "part", "quantity"), (), _stock),
    )
}


def _spec(kind: str) -> _Spec:
    try:
        return _SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}") from None


def columns(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The required and the optional columns of a kind (for help texts)."""
    spec = _spec(kind)
    return spec.required, spec.optional


# --- writing -------------------------------------------------------------------------------------


async def import_file(
    store: Store,
    kind: str,
    path: Path,
    *,
    settings: Settings,
    clock: Clock,
    actor: str = "admin",
) -> ImportReport:
    """Check the whole file, then write it in one unit of work; :class:`ImportFailed` if not."""
    _spec(kind)
    async with store.unit_of_work() as uow:
        report = await _import_into(uow, kind, path, settings=settings, clock=clock, actor=actor)
        await uow.commit()
    return report


async def import_company(
    store: Store,
    directory: Path,
    *,
    settings: Settings,
    clock: Clock,
    actor: str = "admin",
) -> list[ImportReport]:
    """Import ``<kind>.csv`` of every kind found in ``directory``, in the order of :data:`KINDS`.

    One unit of work for the lot: when any file fails, nothing of the company is written and
    :class:`ImportFailed` reports the first failing file. Kinds whose file is absent are skipped
    (a directory may hold only, say, ``stock.csv``); a directory with none of them fails.
    """
    paths = [(kind, directory / f"{kind}.csv") for kind in KINDS]
    present = [(kind, path) for kind, path in paths if path.is_file()]
    if not present:
        expected = ", ".join(f"{kind}.csv" for kind in KINDS)
        raise ImportFailed([f"{directory}:1: -: no company files here (expected {expected})"])
    reports: list[ImportReport] = []
    async with store.unit_of_work() as uow:
        for kind, path in present:
            reports.append(
                await _import_into(uow, kind, path, settings=settings, clock=clock, actor=actor)
            )
        await uow.commit()
    return reports


async def known_keys(uow: UnitOfWork) -> KnownKeys:
    """The keys references may point to, as the unit of work sees them."""
    staff = await uow.staff.all()
    return KnownKeys(
        branches=frozenset(await uow.branches.keys()),
        customers=frozenset(await uow.customers.keys()),
        parts=frozenset(await uow.parts.keys()),
        staff=frozenset(person.code for person in staff),
        technicians=frozenset(person.code for person in staff if Role.TECHNICIAN in person.roles),
    )


async def _import_into(
    uow: UnitOfWork, kind: str, path: Path, *, settings: Settings, clock: Clock, actor: str
) -> ImportReport:
    parsed = parse_rows(kind, path, await known_keys(uow), settings=settings)
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for item in parsed:
        try:
            outcome = await _upsert(uow, item.record)
        except StoreError as exc:
            # The transaction may be unusable now (PostgreSQL): stop at the first refusal.
            raise ImportFailed([f"{path}:{item.line}: -: refused by the database: {exc}"]) from exc
        counts[outcome] += 1
    await uow.events.append(
        actor=actor,
        kind="import",
        subject_type="import",
        subject_id=kind,
        payload=dict(counts),
        at=clock.now(),
    )
    return ImportReport(kind, counts["added"], counts["updated"], counts["unchanged"])


async def _upsert(uow: UnitOfWork, record: Record) -> UpsertResult:
    match record:
        case Branch():
            return await uow.branches.upsert(record)
        case Staff():
            return await uow.staff.upsert(record)
        case Customer():
            return await uow.customers.upsert(record)
        case Equipment():
            return await uow.equipment.upsert(record)
        case Contract():
            return await uow.contracts.upsert(record)
        case Part():
            return await uow.parts.upsert(record)
        case StockLevel():
            return await uow.stock.upsert(record)

"""One row builder per kind, and the table of kinds: key, required and optional columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

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
from fieldbot.domain.stock import CENTRAL, VAN_PREFIX
from fieldbot.services.imports.cells import Cells, split_list
from fieldbot.services.imports.records import KINDS, KnownKeys, Record
from fieldbot.settings import MAX_HOURS, Settings

MAX_VISITS_PER_YEAR = 365  # at most one planned visit a day


def _branch(cells: Cells, known: KnownKeys, settings: Settings) -> Branch:
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


def _staff(cells: Cells, known: KnownKeys, settings: Settings) -> Staff:
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
        skills=frozenset(split_list(cells.raw("skills"))),
    )


def _customer(cells: Cells, known: KnownKeys, settings: Settings) -> Customer:
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


def _equipment(cells: Cells, known: KnownKeys, settings: Settings) -> Equipment:
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


def _contract(cells: Cells, known: KnownKeys, settings: Settings) -> Contract:
    starts_on = cells.day("starts_on")
    ends_on = cells.day("ends_on")
    if date.min not in (starts_on, ends_on) and ends_on < starts_on:
        cells.fail("ends_on", f"{ends_on} is before starts_on {starts_on}")
    customer = cells.reference("customer", known.customers, "customer")
    visits = cells.optional_range("visits_per_year", 1, MAX_VISITS_PER_YEAR)
    serials = split_list(cells.raw("serials"))
    if serials and visits is None and not cells.raw("visits_per_year"):
        cells.fail("serials", "only with visits_per_year (the units of its planned visits)")
    seen: set[str] = set()
    for serial in serials:
        owner = known.units.get(serial)
        if serial in seen:
            cells.fail("serials", f"{serial!r} is listed twice")
        elif owner is None:
            cells.fail("serials", f"unknown unit {serial!r}")
        elif customer and owner != customer:
            cells.fail("serials", f"unit {serial!r} belongs to {owner}, not to {customer}")
        seen.add(serial)
    return Contract(
        number=cells.code("number", max_length=64),
        customer=customer,
        starts_on=starts_on,
        ends_on=ends_on,
        covers_labour=cells.boolean("covers_labour"),
        covers_parts=cells.boolean("covers_parts"),
        visits_per_year=visits,
        serials=tuple(serials),
        assign_hours=cells.optional_hours("assign_hours", MAX_HOURS),
        arrival_working_hours=cells.optional_hours("arrival_working_hours", MAX_HOURS),
    )


def _part(cells: Cells, known: KnownKeys, settings: Settings) -> Part:
    return Part(
        code=cells.code("code", max_length=64),
        name=cells.text("name"),
        unit_price_fen=cells.money_fen("unit_price", settings.max_amount_fen),
        warranty_eligible=cells.boolean("warranty_eligible"),
    )


def _stock(cells: Cells, known: KnownKeys, settings: Settings) -> StockLevel:
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
    quantity = cells.count("quantity")
    return StockLevel(
        location=location,
        part=cells.reference("part", known.parts, "part", max_length=64),
        quantity=quantity,
        min_quantity=cells.optional_count("min_quantity"),
    )


@dataclass(frozen=True)
class Spec:
    kind: str
    key: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    build: Callable[[Cells, KnownKeys, Settings], Record] = field(repr=False)


SPECS: dict[str, Spec] = {
    spec.kind: spec
    for spec in (
        Spec(
            "branches",
            ("code",),
            ("code", "name", "latitude", "longitude"),
            ("timezone", "urban_radius_km", "working_hours"),
            _branch,
        ),
        Spec(
            "staff",
            ("code",),
            ("code", "name", "roles", "phone", "language"),
            ("branch", "skills"),
            _staff,
        ),
        Spec(
            "customers",
            ("code",),
            ("code", "name", "phone", "address", "latitude", "longitude", "branch"),
            ("language",),
            _customer,
        ),
        Spec(
            "equipment",
            ("serial",),
            ("serial", "customer", "model", "product_line", "purchased_on"),
            ("warranty_until",),
            _equipment,
        ),
        Spec(
            "contracts",
            ("number",),
            ("number", "customer", "starts_on", "ends_on", "covers_labour", "covers_parts"),
            ("visits_per_year", "serials", "assign_hours", "arrival_working_hours"),
            _contract,
        ),
        Spec("parts", ("code",), ("code", "name", "unit_price", "warranty_eligible"), (), _part),
        Spec(
            "stock",
            ("location", "part"),
            ("location", "part", "quantity"),
            ("min_quantity",),
            _stock,
        ),
    )
}


def spec_of(kind: str) -> Spec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}") from None


def columns(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The required and the optional columns of a kind (for help texts)."""
    spec = spec_of(kind)
    return spec.required, spec.optional

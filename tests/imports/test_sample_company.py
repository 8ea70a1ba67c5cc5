"""The sample company of DESIGN.md §8: its fixed records, checked from the CSV files themselves."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from geopy.distance import geodesic

import fieldbot
from fieldbot.domain.entitlement import service_type_on
from fieldbot.domain.model import (
    Branch,
    Contract,
    Customer,
    Equipment,
    Language,
    Part,
    Role,
    ServiceType,
    Staff,
    StockLevel,
)
from fieldbot.services.imports import KINDS, KnownKeys, parse_csv
from fieldbot.settings import load_settings

EXAMPLES = Path(fieldbot.__file__).parent / "examples"
START = date(2026, 9, 14)  # the sandbox's start instant, Monday 08:30 Asia/Shanghai
URBAN_RADIUS_KM = 15


@dataclasses.dataclass
class Company:
    branches: dict[str, Branch]
    staff: dict[str, Staff]
    customers: dict[str, Customer]
    equipment: list[Equipment]
    contracts: list[Contract]
    parts: dict[str, Part]
    stock: list[StockLevel]

    def distance_km(self, customer: str) -> float:
        site = self.customers[customer]
        branch = self.branches[site.branch]
        return float(
            geodesic((site.latitude, site.longitude), (branch.latitude, branch.longitude)).km
        )

    def units_of(self, customer: str) -> list[Equipment]:
        return [unit for unit in self.equipment if unit.customer == customer]

    def contracts_of(self, customer: str) -> list[Contract]:
        return [contract for contract in self.contracts if contract.customer == customer]


@pytest.fixture(scope="module")
def company() -> Company:
    """Parse the seven files in dependency order, each against the keys of the ones before."""
    settings = load_settings(read_env_file=False)
    known = KnownKeys()
    parsed: dict[str, list[object]] = {}
    for kind in KINDS:
        records = parse_csv(kind, EXAMPLES / f"{kind}.csv", known, settings=settings)
        parsed[kind] = list(records)
        codes = frozenset(getattr(r, "code", "") for r in records)
        if kind == "branches":
            known = dataclasses.replace(known, branches=codes)
        elif kind == "staff":
            technicians = frozenset(
                r.code for r in records if isinstance(r, Staff) and Role.TECHNICIAN in r.roles
            )
            known = dataclasses.replace(known, staff=codes, technicians=technicians)
        elif kind == "customers":
            known = dataclasses.replace(known, customers=codes)
        elif kind == "parts":
            known = dataclasses.replace(known, parts=codes)
    return Company(
        branches={r.code: r for r in parsed["branches"] if isinstance(r, Branch)},
        staff={r.code: r for r in parsed["staff"] if isinstance(r, Staff)},
        customers={r.code: r for r in parsed["customers"] if isinstance(r, Customer)},
        equipment=[r for r in parsed["equipment"] if isinstance(r, Equipment)],
        contracts=[r for r in parsed["contracts"] if isinstance(r, Contract)],
        parts={r.code: r for r in parsed["parts"] if isinstance(r, Part)},
        stock=[r for r in parsed["stock"] if isinstance(r, StockLevel)],
    )


def test_the_examples_ship_inside_the_package() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.csv")) == sorted(f"{k}.csv" for k in KINDS)


def test_branches_are_peoples_square_and_songjiang(company: Company) -> None:
    sh01, sh02 = company.branches["SH01"], company.branches["SH02"]
    assert (sh01.latitude, sh01.longitude) == (31.2304, 121.4737)
    assert (sh02.latitude, sh02.longitude) == (31.0303, 121.2277)
    assert {b.timezone for b in company.branches.values()} == {"Asia/Shanghai"}


def test_supervisors_s01_and_s02_with_their_languages(company: Company) -> None:
    s01, s02 = company.staff["S01"], company.staff["S02"]
    assert (Role.SUPERVISOR in s01.roles, s01.branch, s01.language) == (
        True,
        "SH01",
        Language.ZH_CN,
    )
    assert (Role.SUPERVISOR in s02.roles, s02.branch, s02.language) == (True, "SH02", Language.EN)


@pytest.mark.parametrize(
    ("code", "role"),
    [
        ("M01", Role.MANAGER),
        ("G01", Role.DEPUTY_GM),
        ("F01", Role.CLERK),
        ("A01", Role.ACCOUNTANT),
        ("K01", Role.STOREKEEPER),
    ],
)
def test_the_office_roles_are_held(company: Company, code: str, role: Role) -> None:
    assert role in company.staff[code].roles


def test_technicians_and_their_branches(company: Company) -> None:
    technicians = {
        code: person.branch
        for code, person in company.staff.items()
        if Role.TECHNICIAN in person.roles
    }
    assert technicians == {
        "T01": "SH01",
        "T02": "SH01",
        "T03": "SH01",
        "T04": "SH02",
        "T05": "SH02",
    }
    assert company.staff["T01"].language is Language.ZH_CN
    assert company.staff["T02"].language is Language.EN
    assert all(company.staff[code].skills for code in technicians)


def test_every_product_line_has_a_skilled_technician(company: Company) -> None:
    skills = set().union(*(person.skills for person in company.staff.values()))
    assert {unit.product_line for unit in company.equipment} <= skills


def test_c001_is_in_sh01_with_a_unit_in_warranty_type_c(company: Company) -> None:
    c001 = company.customers["C001"]
    assert (c001.branch, c001.language) == ("SH01", Language.ZH_CN)
    units = company.units_of("C001")
    assert units
    assert all(unit.warranty_until is not None and unit.warranty_until >= START for unit in units)
    assert {service_type_on(START, unit, company.contracts) for unit in units} == {ServiceType.C}


def test_c002_has_an_active_contract_covering_labour_only_type_b(company: Company) -> None:
    c002 = company.customers["C002"]
    assert (c002.branch, c002.language) == ("SH01", Language.EN)
    (contract,) = company.contracts_of("C002")
    assert contract.starts_on <= START <= contract.ends_on
    assert (contract.covers_labour, contract.covers_parts) == (True, False)
    units = company.units_of("C002")
    assert units
    assert all(unit.warranty_until is not None and unit.warranty_until < START for unit in units)
    assert {service_type_on(START, unit, company.contracts) for unit in units} == {ServiceType.B}


def test_c003_is_out_of_warranty_without_a_contract_type_a(company: Company) -> None:
    c003 = company.customers["C003"]
    assert (c003.branch, c003.language) == ("SH01", Language.EN)
    assert company.contracts_of("C003") == []
    units = company.units_of("C003")
    assert units
    assert {service_type_on(START, unit, company.contracts) for unit in units} == {ServiceType.A}


@pytest.mark.parametrize("code", ["C001", "C002", "C003"])
def test_the_first_customers_are_urban(company: Company, code: str) -> None:
    assert company.distance_km(code) < URBAN_RADIUS_KM


def test_c004_is_suburban_by_geodesic_distance_from_sh02(company: Company) -> None:
    c004 = company.customers["C004"]
    assert (c004.branch, c004.language) == ("SH02", Language.ZH_CN)
    assert company.distance_km("C004") > URBAN_RADIUS_KM + 1  # clear of the border


def test_c005s_contract_ends_within_a_month_of_the_start(company: Company) -> None:
    (contract,) = company.contracts_of("C005")
    assert contract.starts_on <= START
    assert date(2026, 9, 15) <= contract.ends_on <= date(2026, 10, 13)
    units = company.units_of("C005")
    assert {service_type_on(START, unit, company.contracts) for unit in units} == {ServiceType.B}


def test_a_few_more_contracts_end_within_a_month(company: Company) -> None:
    ending = [c for c in company.contracts if START < c.ends_on <= date(2026, 10, 14)]
    assert len(ending) >= 3


def test_enough_customers_for_a_busy_day(company: Company) -> None:
    customers = company.customers
    assert len(customers) >= 40
    assert Counter(c.branch for c in customers.values()).keys() == {"SH01", "SH02"}
    assert all(company.units_of(code) for code in customers)
    assert {c.language for c in customers.values()} >= {Language.ZH_CN, Language.EN}


def test_most_customers_are_urban_and_some_suburban(company: Company) -> None:
    distances = [company.distance_km(code) for code in company.customers]
    suburban = [d for d in distances if d > URBAN_RADIUS_KM]
    assert 3 <= len(suburban) < len(distances) / 4
    # nobody sits on the border, where a rounding could flip the zone
    assert all(abs(d - URBAN_RADIUS_KM) > 0.5 for d in distances)


def test_units_in_and_out_of_warranty(company: Company) -> None:
    in_warranty = [u for u in company.equipment if u.warranty_until and u.warranty_until >= START]
    assert 10 <= len(in_warranty) <= len(company.equipment) - 10


def test_the_parts_catalogue(company: Company) -> None:
    parts = company.parts.values()
    assert len(parts) >= 30
    assert any(not p.warranty_eligible for p in parts)  # consumables
    assert all(p.unit_price_fen > 0 for p in parts)


def test_stock_in_the_warehouse_branches_and_every_van(company: Company) -> None:
    stocked = {level.location for level in company.stock if level.quantity > 0}
    expected_vans = {f"van:T0{n}" for n in range(1, 6)}
    assert stocked >= {"central", "SH01", "SH02"} | expected_vans
    central = {level.part for level in company.stock if level.location == "central"}
    assert central == set(company.parts)


def test_some_parts_are_missing_from_the_vans_to_show_a_shortfall(company: Company) -> None:
    def van_parts(staff_code: str) -> set[str]:
        return {
            level.part
            for level in company.stock
            if level.location == f"van:{staff_code}" and level.quantity > 0
        }

    assert "P001" not in set().union(*(van_parts(f"T0{n}") for n in range(1, 6)))
    assert "P004" not in van_parts("T01")  # a thermostat: stocked centrally, used up in T01's van
    assert van_parts("T01") and van_parts("T02")

"""Records of the company as the domain sees them: plain frozen values, no storage concerns.

Repositories take and return these; the importer builds them from CSV rows. Customer personal
data (name, phone, address) is plain text here: the store encrypts it at rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Role(StrEnum):
    TECHNICIAN = "technician"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    DEPUTY_GM = "deputy_gm"
    CLERK = "clerk"
    ACCOUNTANT = "accountant"
    STOREKEEPER = "storekeeper"
    ADMIN = "admin"


class Language(StrEnum):
    ZH_CN = "zh_CN"
    EN = "en"


@dataclass(frozen=True, slots=True)
class Branch:
    code: str
    name: str
    latitude: float
    longitude: float
    timezone: str | None = None
    urban_radius_km: float | None = None
    working_hours: str | None = None


@dataclass(frozen=True, slots=True)
class Staff:
    code: str
    name: str
    roles: frozenset[Role]
    phone: str  # E.164
    language: Language
    branch: str | None = None
    skills: frozenset[str] = field(default_factory=frozenset)
    active: bool = True


@dataclass(frozen=True, slots=True)
class Customer:
    code: str
    name: str
    phone: str  # E.164
    address: str
    latitude: float
    longitude: float
    branch: str
    language: Language | None = None
    # Their personal data was erased on request (DESIGN.md §6): name, phone and address are
    # empty; the code, units, contracts and jobs stay.
    erased: bool = False


@dataclass(frozen=True, slots=True)
class Equipment:
    serial: str
    customer: str
    model: str
    product_line: str
    purchased_on: date
    warranty_until: date | None = None


@dataclass(frozen=True, slots=True)
class Contract:
    number: str
    customer: str
    starts_on: date
    ends_on: date
    covers_labour: bool
    covers_parts: bool
    # planned maintenance (DESIGN.md §8): visits a year over the term, for these units (empty:
    # every unit of the customer; the first is the job's unit)
    visits_per_year: int | None = None
    serials: tuple[str, ...] = ()
    # the contract's own response times for general priority (None: the settings')
    assign_hours: float | None = None
    arrival_working_hours: float | None = None


@dataclass(frozen=True, slots=True)
class Part:
    code: str
    name: str
    unit_price_fen: int
    warranty_eligible: bool


@dataclass(frozen=True, slots=True)
class StockLevel:
    location: str  # "central", a branch code, or "van:STAFF_CODE"
    part: str
    quantity: int
    # Below it the storekeepers are told (DESIGN.md §8). Read back: None when there is none.
    # Imported: None when the file gives none, which leaves the stored minimum as it is.
    min_quantity: int | None = None


class JobState(StrEnum):
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    WAITING_PART = "waiting_part"
    AWAITING_QUOTE = "awaiting_quote"
    AWAITING_APPROVAL = "awaiting_approval"
    AWAITING_SIGNOFF = "awaiting_signoff"
    DISPUTED = "disputed"
    SIGNED_OFF = "signed_off"
    IN_WORKSHOP = "in_workshop"
    AWAITING_INSPECTION = "awaiting_inspection"
    READY_FOR_RETURN = "ready_for_return"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    EMERGENCY = "emergency"
    GENERAL = "general"
    CONSULT = "consult"


class WorkKind(StrEnum):
    REPAIR = "repair"
    INSTALLATION = "installation"
    MAINTENANCE = "maintenance"
    TRAINING = "training"
    CONSULTATION = "consultation"


class Channel(StrEnum):
    PHONE = "phone"
    TELEGRAM = "telegram"
    WALK_IN = "walk_in"
    EMAIL = "email"
    OTHER = "other"


class ServiceType(StrEnum):
    A = "A"  # fee-paying 有费
    B = "B"  # maintenance contract 合同
    C = "C"  # free under warranty 免费
    D = "D"  # internal admin work, hours only


class Zone(StrEnum):
    URBAN = "urban"
    SUBURBAN = "suburban"

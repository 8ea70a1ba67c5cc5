"""Names of the domain's values as texts for people (gettext ids, translated at render time).

One place for them, so a job's kind or priority reads the same on every card, notice and
report.
"""

from __future__ import annotations

from fieldbot.domain.kpis import KpiName
from fieldbot.domain.model import Channel, JobState, Priority, ServiceType, WorkKind
from fieldbot.i18n import N_

KIND_NAMES: dict[WorkKind, str] = {
    WorkKind.REPAIR: N_("repair"),
    WorkKind.INSTALLATION: N_("installation"),
    WorkKind.MAINTENANCE: N_("maintenance"),
    WorkKind.TRAINING: N_("customer training"),
    WorkKind.CONSULTATION: N_("consultation"),
}
PRIORITY_NAMES: dict[Priority, str] = {
    Priority.EMERGENCY: N_("emergency"),
    Priority.GENERAL: N_("general"),
    Priority.CONSULT: N_("consult"),
}
CHANNEL_NAMES: dict[Channel, str] = {
    Channel.PHONE: N_("phone"),
    Channel.TELEGRAM: N_("Telegram"),
    Channel.WALK_IN: N_("walk-in"),
    Channel.EMAIL: N_("email"),
    Channel.OTHER: N_("other"),
}
TYPE_NAMES: dict[ServiceType, str] = {
    ServiceType.A: N_("fee-paying"),
    ServiceType.B: N_("maintenance contract"),
    ServiceType.C: N_("free under warranty"),
    ServiceType.D: N_("internal work"),
}
STATE_NAMES: dict[JobState, str] = {
    JobState.REGISTERED: N_("registered"),
    JobState.DISPATCHED: N_("dispatched"),
    JobState.ACCEPTED: N_("accepted"),
    JobState.SCHEDULED: N_("scheduled"),
    JobState.EN_ROUTE: N_("on the way"),
    JobState.ON_SITE: N_("on site"),
    JobState.WAITING_PART: N_("waiting for a part"),
    JobState.AWAITING_APPROVAL: N_("awaiting approval"),
    JobState.AWAITING_SIGNOFF: N_("awaiting sign-off"),
    JobState.DISPUTED: N_("disputed"),
    JobState.SIGNED_OFF: N_("signed off"),
    JobState.IN_WORKSHOP: N_("in the workshop"),
    JobState.AWAITING_QUOTE: N_("awaiting the customer's acceptance of the quote"),
    JobState.AWAITING_INSPECTION: N_("awaiting inspection"),
    JobState.READY_FOR_RETURN: N_("ready for return"),
    JobState.CLOSED: N_("closed"),
    JobState.CANCELLED: N_("cancelled"),
}

# The fee lines a work record charges, as the finish form and the sign-off summary name them.
FEE_KIND_NAMES = {
    "labour": N_("labour"),
    "parts": N_("parts"),
    "travel": N_("travel"),
    "other": N_("other"),
}

# The product lines of the sample company (equipment's ``product_line``, technicians' skills);
# a line of another company reads as its code.
PRODUCT_LINE_NAMES = {
    "refrigeration": N_("refrigeration"),
    "ice_maker": N_("ice makers"),
    "coffee": N_("coffee machines"),
    "dishwasher": N_("dishwashers"),
    "oven": N_("ovens"),
    "air_conditioning": N_("air conditioning"),
}
CENTRAL_STORE = N_("the central warehouse")
BRANCH_STORE = N_("the branch store {code}")
VAN_STORE = N_("the van of {code}")


def product_line_arg(line: str) -> object:
    """A product line as a message argument: its name in the reader's language."""
    name = PRODUCT_LINE_NAMES.get(line)
    return line if name is None else {"t": name}


def location_arg(location: str) -> dict[str, object]:
    """A stock location (``central``, a branch code, ``van:T03``) as a message argument or a
    button's label: its name in the reader's language."""
    if location == "central":
        return {"t": CENTRAL_STORE}
    if location.startswith("van:"):
        return {"t": VAN_STORE, "args": {"code": location.removeprefix("van:")}}
    return {"t": BRANCH_STORE, "args": {"code": location}}


# The KPIs of DESIGN.md §5, as /kpi and the monthly report name them.
KPI_LABELS: dict[KpiName, str] = {
    KpiName.RESOLUTION_RATE: N_("Resolution rate"),
    KpiName.SATISFACTION: N_("Satisfaction"),
    KpiName.SURVEY_COVERAGE: N_("Survey coverage"),
    KpiName.CONSULTATIONS_ANSWERED: N_("Consultations answered"),
    KpiName.COMPLAINTS_REPLIED: N_("Complaints replied to"),
    KpiName.INSTALLATIONS_PASSING: N_("Installations passing"),
    KpiName.REPAIRS_PASSING: N_("Repairs passing"),
    KpiName.CUSTOMER_FILES_COMPLETE: N_("Customer files complete"),
    KpiName.VISITS_MADE: N_("Visits made"),
    KpiName.VISITS_ON_TIME: N_("Visits on time"),
}

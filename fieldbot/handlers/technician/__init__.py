"""The technician's chat (DESIGN.md §3), by what the technician does:

- ``dispatch_card``: /jobs, a job's card, accept or decline a dispatched job;
- ``appointment``: when the technician will be there;
- ``visit``: on my way, arrival by shared location or without one;
- ``parts``: parts from the van or the catalogue, a part the van lacks, a defective part;
- ``finish``: the finish form (work, hours, parts, fees, summary) and the repair form;
- ``signoff``: the customer's chat, the QR code or the photo of the signed voucher;
- ``payment``: cash or invoice;
- ``remote``: resolving a job remotely and the customer's confirmation by phone;
- ``quote``: the quote form, and the signed paper quote's answer;
- ``workshop``: take-back, carry-in, the photo of a signed paper receipt, return;
- ``cards``: the cards and keyboards all of these show; ``common``: what they share.

Forms that span several messages are rows (``uow.forms``): a restart in the middle continues
where the person was. Every route is for staff with the permission work_jobs (the router
checks it); the services check ownership and state again, and a refused step is rolled back
and explained by the router.
"""

from __future__ import annotations

from fieldbot.handlers.routes import Route
from fieldbot.handlers.technician import (
    appointment,
    dispatch_card,
    finish,
    parts,
    payment,
    quote,
    remote,
    signoff,
    visit,
    workshop,
)


def routes() -> list[Route]:
    return [
        *dispatch_card.routes(),
        *appointment.routes(),
        *visit.routes(),
        *parts.routes(),
        *finish.routes(),
        *signoff.routes(),
        *payment.routes(),
        *workshop.routes(),
        *remote.routes(),
        *quote.routes(),
    ]

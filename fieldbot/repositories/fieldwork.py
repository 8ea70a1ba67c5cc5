"""The field workflow's repositories as one attribute of the unit of work (``uow.fieldwork``).

Each concept has its own module (:mod:`~fieldbot.repositories.work_records`,
:mod:`~fieldbot.repositories.parts`, :mod:`~fieldbot.repositories.signoffs`,
:mod:`~fieldbot.repositories.workshop`, :mod:`~fieldbot.repositories.quotes`); this class
only puts them behind the one name the services and handlers use. Nothing here decides a
rule: the services do.
"""

from __future__ import annotations

from fieldbot.repositories.parts import JobPartsRepository
from fieldbot.repositories.quotes import QuoteRepository
from fieldbot.repositories.signoffs import SignoffRepository
from fieldbot.repositories.work_records import WorkRecordRepository
from fieldbot.repositories.workshop import WorkshopRepository


class FieldworkRepository(
    WorkRecordRepository,
    JobPartsRepository,
    SignoffRepository,
    WorkshopRepository,
    QuoteRepository,
):
    """Work records, parts, sign-offs, settlements, the take-back records and the quotes of
    jobs."""

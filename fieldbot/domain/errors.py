"""Domain errors. Each carries a stable ``code`` the handlers translate for the reader.

The message of an error is for the log only: it may hold internal detail or what a person
typed. What a person reads is a catalog text chosen by ``code`` (and ``params``) in
``fieldbot.handlers.refusals``; a code without a text there reads as a generic refusal.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the business refused what was asked; nothing was changed."""

    code = "domain_error"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.params = params


class IllegalTransition(DomainError):
    code = "illegal_transition"


class NotAllowed(DomainError):
    code = "not_allowed"


class InvalidMoney(DomainError):
    code = "invalid_money"


class InvalidPhone(DomainError):
    code = "invalid_phone"


class InvalidWorkingHours(DomainError):
    code = "invalid_working_hours"


class InvalidText(DomainError):
    """Free text with no visible character (``reason`` "empty") or above the limit
    (``reason`` "too_long", ``max`` the limit); see :mod:`fieldbot.domain.text`."""

    code = "invalid_text"

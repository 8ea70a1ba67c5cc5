"""Domain errors. Each carries a stable ``code`` the handlers translate for the reader."""

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

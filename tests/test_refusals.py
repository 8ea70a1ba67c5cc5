"""Every refusal is a catalog text chosen by the error's kind; the exception's own message
(ids, coordinates, what was typed) is never what a person reads (DESIGN.md §6)."""

from __future__ import annotations

import pytest

from fieldbot.domain.errors import DomainError, InvalidText
from fieldbot.handlers import refusals
from fieldbot.i18n import Catalogs
from fieldbot.services.registration import Refusal, RegistrationRefused
from fieldbot.services.workflow import InvalidInput
from fieldbot.store import AlreadyBound, StoreError


def _all_subclasses(kind: type[Exception]) -> list[type[Exception]]:
    import fieldbot.handlers.router  # noqa: F401  (imports every service and its errors)

    found: list[type[Exception]] = []
    for sub in kind.__subclasses__():
        found.extend([sub, *_all_subclasses(sub)])
    return found


SECRET = "coordinates out of range: 91.0, 121.45; Telegram user 3002 is bound to customer C002"


@pytest.mark.parametrize("kind", _all_subclasses(DomainError) + _all_subclasses(StoreError))
def test_no_refusal_shows_the_exceptions_message(kind: type[Exception]) -> None:
    exc = (
        RegistrationRefused(next(iter(Refusal)), SECRET)
        if kind is RegistrationRefused
        else kind(SECRET)
    )
    template, args = refusals.refusal(exc)
    catalogs = Catalogs.load()
    for language in ("zh_CN", "en"):
        text = catalogs.translator(language).gettext(template, **dict.fromkeys(args, ""))
        assert "coordinates" not in text and "3002" not in text and "C002" not in text


def test_a_location_out_of_range_reads_as_not_valid_in_both_languages() -> None:
    template, args = refusals.refusal(InvalidInput(SECRET, field="location"))
    catalogs = Catalogs.load()
    assert catalogs.translator("en").gettext(template).startswith("That location is not valid")
    assert catalogs.translator("zh_CN").gettext(template).startswith("该位置无效")
    assert args == {}


def test_an_account_bound_elsewhere_names_nobody() -> None:
    template, _ = refusals.refusal(AlreadyBound(SECRET))
    assert "{" not in template and "3002" not in template


def test_text_refusals_state_the_limit() -> None:
    too_long = refusals.refusal(InvalidText("x" * 5000, reason="too_long", max=1000))
    empty = refusals.refusal(InvalidText("", reason="empty", max=1000))
    assert too_long == (refusals.TEXT_TOO_LONG, {"max": 1000})
    assert empty == (refusals.TEXT_EMPTY, {"max": 1000})

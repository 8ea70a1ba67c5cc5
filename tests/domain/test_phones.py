"""Phones normalised to E.164 before hashing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldbot.domain.errors import InvalidPhone
from fieldbot.domain.phones import normalise_phone


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),  # Telegram's contact, without the +
        ("+8613812345678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("+86 (0)21 6123 4567", "+862161234567"),
        ("(021) 6123 4567", "+862161234567"),
        ("021-61234567", "+862161234567"),
        ("（021）6123 4567", "+862161234567"),
        ("010 1234 5678", "+861012345678"),
        ("0571-8765432", "+865718765432"),
        ("0571-87654321", "+8657187654321"),
        ("+49 151 12345678", "+4915112345678"),
    ],
)
def test_phones_are_normalised_to_e164(text: str, e164: str) -> None:
    assert normalise_phone(text) == e164


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "abc",
        "12345",
        "12812345678",  # no mobile range starts with 12
        "2161234567",  # a landline without its 0 is ambiguous
        "61234567",  # no area code
        "86138123456789",
        "+86 12345",
        "+1234",
        "+86 138 1234 5678 ext 9",
        "٣٨١٢٣٤٥٦٧٨١",  # non-ASCII digits
        "1" * 100,
    ],
)
def test_garbage_is_refused_as_invalid_phone(text: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(text)


def test_normalising_is_idempotent() -> None:
    for text in ("13812345678", "(021) 6123 4567", "+4915112345678"):
        once = normalise_phone(text)
        assert normalise_phone(once) == once


def test_only_china_is_a_supported_default_region() -> None:
    with pytest.raises(ValueError):
        normalise_phone("13812345678", default_region="US")


@settings(max_examples=200)
@given(st.text(alphabet="+0123456789 -()８６", max_size=20))
def test_any_input_gives_e164_or_invalid_phone(text: str) -> None:
    try:
        result = normalise_phone(text)
    except InvalidPhone:
        return
    assert result.startswith("+")
    assert result[1:].isdigit()
    assert 9 <= len(result) <= 16

"""The one rule for free text a person sends (DESIGN.md §6): bounded, visible, no controls."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldbot.domain.errors import InvalidText
from fieldbot.domain.text import clean_text, job_number, normalise, split_words

INVISIBLE = ["\u200b", "\ufeff", "\x00", "\u202e", "\u3000", "\u2066\u2069", " \t\n", "\u200d"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_text_without_visible_characters_is_refused_as_empty(text: str) -> None:
    with pytest.raises(InvalidText) as refused:
        clean_text(text, 1000)
    assert refused.value.params == {"reason": "empty", "max": 1000}


def test_controls_and_bidi_overrides_are_stripped_newlines_and_tabs_kept() -> None:
    typed = "\u202e\u3000等待\u200b配件\x00\n第二行\t!\ufeff "
    assert clean_text(typed, 1000) == "等待配件\n第二行\t!"


def test_above_the_limit_is_refused_with_the_limit_not_the_text() -> None:
    assert clean_text("x" * 1000, 1000) == "x" * 1000
    with pytest.raises(InvalidText) as refused:
        clean_text("x" * 1001, 1000)
    assert refused.value.params == {"reason": "too_long", "max": 1000}
    assert "xx" not in str(refused.value)


def test_invisible_padding_does_not_count_towards_the_limit() -> None:
    assert clean_text("\u200b" * 5000 + "ok", 10) == "ok"


def test_a_job_number_is_read_in_any_case_and_nothing_else_is() -> None:
    assert job_number(" j20260914-001\u200b") == "J20260914-001"
    for other in ("13601710003", "J2026-001", "J20260914-0000001", "x" * 4100, ""):
        assert job_number(other) is None


def test_split_words_tells_a_missing_reason_from_an_invisible_one() -> None:
    assert split_words("J1 arrival  wait for parts", 2) == (["J1", "arrival"], "  wait for parts")
    assert split_words("J1 arrival   ", 2) == (["J1", "arrival"], None)
    assert split_words("J1 arrival \u3000", 2) == (["J1", "arrival"], " \u3000")
    assert split_words("J1", 2) == (["J1"], None)


@given(st.text())
def test_whatever_is_kept_is_visible_bounded_and_stable(text: str) -> None:
    try:
        kept = clean_text(text, 50)
    except InvalidText:
        return
    assert 0 < len(kept) <= 50 and kept == kept.strip() and normalise(kept) == kept
    assert not any(c in kept for c in "\u200b\ufeff\x00\u202e\u2066")

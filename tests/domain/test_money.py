"""Money: exact fen arithmetic, the parser people type into, and the ¥ format."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldbot.domain.errors import InvalidMoney
from fieldbot.domain.money import Money, format_money, parse_money

MAX = 10_000_000  # the default FIELDBOT_MAX_AMOUNT_FEN: ¥100,000.00


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12", 1200),
        ("12.5", 1250),
        ("12.50", 1250),
        ("¥12.50", 1250),
        ("￥12.50", 1250),
        ("１２.５０", 1250),
        ("1,234.50", 123450),
        ("  12.50  ", 1250),
        ("12元", 1200),
        ("12.5 元", 1250),
        ("¥ 1,234.50", 123450),
        ("0", 0),
        ("0.05", 5),
        ("10,000", 1_000_000),
        ("007", 700),
        ("100000", MAX),
    ],
)
def test_parse_money_accepts_what_people_type(text: str, fen: int) -> None:
    assert parse_money(text, max_fen=MAX) == Money(fen)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("¥", "empty"),
        ("-3", "negative"),
        ("¥-3", "negative"),
        ("－3", "negative"),
        ("12..5", "malformed"),
        ("1e9", "malformed"),
        ("1,23.4", "malformed"),
        ("1234,5", "malformed"),
        ("12.", "malformed"),
        ("1 234", "malformed"),
        ("abc", "not_a_number"),
        ("nan", "not_finite"),
        ("NaN", "not_finite"),
        ("inf", "not_finite"),
        ("-Infinity", "not_finite"),
        ("1.234", "too_many_decimals"),
        ("100000.01", "too_large"),
        ("9" * 5000, "too_large"),
        ("٣", "not_a_number"),  # Arabic-Indic digit: int() would take it, we do not
    ],
)
def test_parse_money_refuses_with_a_machine_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidMoney) as refused:
        parse_money(text, max_fen=MAX)
    assert refused.value.params["reason"] == reason
    assert refused.value.code == "invalid_money"


def test_the_maximum_is_a_parameter() -> None:
    assert parse_money("2.00", max_fen=200) == Money(200)
    with pytest.raises(InvalidMoney):
        parse_money("2.01", max_fen=200)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_format_money_reads_yuan_sign_grouped_with_two_decimals_in_both_languages(
    locale: str,
) -> None:
    assert format_money(Money(123450), locale) == "¥1,234.50"
    assert format_money(Money(0), locale) == "¥0.00"
    assert format_money(Money(5), locale) == "¥0.05"
    assert format_money(Money(100_000_000), locale) == "¥1,000,000.00"
    assert "CN" not in format_money(Money(-1), locale)


def test_money_arithmetic_is_exact_in_fen() -> None:
    a, b = Money(1050), Money(299)
    assert a + b == Money(1349)
    assert a - b == Money(751)
    assert b * 3 == Money(897) == 3 * b
    assert Money.sum([a, b, b]) == Money(1648)
    assert sum([a, b], Money(0)) == Money(1349)
    assert sum([a, b]) == Money(1349)
    assert Money.sum([]) == Money.zero()
    assert Money.yuan(12, 50) == Money(1250)
    assert -a == Money(-1050)
    assert a.decimal == Decimal("10.50")
    assert str(a) == "¥10.50"
    assert not Money(0) and Money(1)


def test_money_compares_by_amount() -> None:
    assert Money(1) < Money(2) <= Money(2) < Money(3)
    assert Money(3) > Money(2) >= Money(2)
    assert max(Money(5), Money(7)) == Money(7)


def test_money_refuses_floats_and_scaling_by_non_integers() -> None:
    with pytest.raises(TypeError):
        Money(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100) * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(100) + 1  # type: ignore[operator]


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=MAX), st.sampled_from(["zh_CN", "en"]))
def test_parse_reads_back_what_format_wrote(fen: int, locale: str) -> None:
    assert parse_money(format_money(Money(fen), locale), max_fen=MAX) == Money(fen)


@settings(max_examples=200)
@given(st.text(max_size=30))
def test_garbage_is_refused_only_with_invalid_money(text: str) -> None:
    try:
        result = parse_money(text, max_fen=MAX)
    except InvalidMoney as refused:
        assert refused.params["reason"] in {
            "empty",
            "negative",
            "too_many_decimals",
            "not_a_number",
            "not_finite",
            "too_large",
            "malformed",
        }
    else:
        assert 0 <= result.fen <= MAX


@settings(max_examples=200)
@given(st.from_regex(r"\A[ ¥￥0-9０-９.,元\-e]{0,16}\Z"))
def test_money_like_garbage_is_refused_only_with_invalid_money(text: str) -> None:
    try:
        result = parse_money(text, max_fen=MAX)
    except InvalidMoney:
        return
    assert 0 <= result.fen <= MAX

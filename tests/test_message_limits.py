"""Every message the bot builds fits Telegram: text 4,096, caption 1,024, callback data 64 bytes.

Each template of the catalog is rendered in both languages with its placeholders filled by the
longest arguments it can meet — free text at the 1,000-character bound (FIELDBOT_TEXT_MAX_CHARS)
of mixed CJK, emoji and ASCII, nested texts, money at the largest amount, every role, a
customer's decrypted name and address — alone, inside long ``@lines`` lists, on buttons, as a
QR code's caption and as an edit; what :func:`fieldbot.rendering.deliveries` makes of it (the
calls the sender makes) must fit, and nothing but line breaks may be lost on the way.
"""

from __future__ import annotations

import asyncio
import string
from collections.abc import Mapping
from typing import Any

import pytest
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldbot.domain.model import Language, Role
from fieldbot.i18n import Catalogs, Translator, locales_dir
from fieldbot.rendering import (
    BUTTON_LABEL_LIMIT,
    CALLBACK_DATA_LIMIT,
    CAPTION_LIMIT,
    LINES,
    TEXT_LIMIT,
    Delivery,
    Renderer,
    deliveries,
    shorten_text,
    split_text,
    telegram_length,
)
from fieldbot.repositories.base import new_token

TEXT_MAX = 1000  # FIELDBOT_TEXT_MAX_CHARS' default: no free text is longer
MAX_FEN = 2**63 - 1  # the largest amount a BIGINT column holds
CATALOGS = Catalogs.load()
TRANSLATORS = {language: CATALOGS.translator(language) for language in Language}

# One long free text: ASCII, CJK, emoji outside the BMP (2 UTF-16 units each), a ZWJ family,
# a flag, combining marks, full-width spaces; no line breaks, so a cut must fall inside it.
PATTERN = "Fault 故障说明 ⚠️👨‍👩‍👧🇨🇳 é̃ 数据　abc "
LONG_TEXT = (PATTERN * (TEXT_MAX // len(PATTERN) + 1))[:TEXT_MAX]


def _catalog_ids() -> list[str]:
    with (locales_dir() / "en" / "LC_MESSAGES" / "fieldbot.po").open("rb") as handle:
        catalog = read_po(handle, locale="en", domain="fieldbot")
    return sorted(m.id for m in catalog if m.id and isinstance(m.id, str))


TEMPLATES = _catalog_ids()


def placeholders(msgid: str) -> set[str]:
    """The names a template and each of its translations format."""
    names: set[str] = set()
    for language in Language:
        text = TRANSLATORS[language].translations.gettext(msgid)
        for source in (msgid, text):
            names |= {f for _, f, _, _ in string.Formatter().parse(source) if f}
    return names


async def _customer(customer_id: int, field: str) -> str:
    return LONG_TEXT  # a decrypted name, phone or address, as long as any text may be


RENDERER = Renderer(customer_lookup=_customer)


def longest_args(msgid: str, depth: int = 0) -> dict[str, Any]:
    """Every placeholder at its longest: free text at the bound, nested one level deep."""
    args: dict[str, Any] = {}
    for index, name in enumerate(sorted(placeholders(msgid))):
        if depth == 0 and index % 3 == 1:
            inner = TEMPLATES[(len(msgid) + index) % len(TEMPLATES)]
            args[name] = {"t": inner, "args": longest_args(inner, depth + 1)}
        else:
            args[name] = LONG_TEXT
    return args


def _check(calls: list[Delivery], text: str, *, edit: bool = False) -> None:
    assert calls
    for call in calls:
        limit = CAPTION_LIMIT if call.kind == "photo" else TEXT_LIMIT
        assert telegram_length(call.text) <= limit, (call.kind, telegram_length(call.text))
        if call.kind in ("message", "edit"):
            assert call.text.strip(), "Telegram refuses an empty message"
    assert [c.markup for c in calls].count(True) <= 1
    assert calls[-1].markup or calls[-1].kind == "photo" or len(calls) == 1
    if not edit:
        # Nothing lost: the parts hold every visible character of the text, in order.
        assert "".join("".join(c.text for c in calls).split()) == "".join(text.split())


async def _render_all(language: Language, msgid: str) -> None:
    t = TRANSLATORS[language]
    args = longest_args(msgid)
    token = new_token()
    assert len(token.encode()) <= CALLBACK_DATA_LIMIT
    params: dict[str, Any] = {
        "args": args,
        "buttons": [
            [{"label": msgid, "label_args": args, "token": token}],
            [{"label": LONG_TEXT, "raw": True, "token": token}],
        ],
    }
    rendered = await RENDERER.render(t, msgid, params)
    for row in rendered.buttons:
        for button in row:
            assert 0 < len(button.label) <= BUTTON_LABEL_LIMIT
            assert button.token is None or len(button.token.encode()) <= CALLBACK_DATA_LIMIT
    if not rendered.text.strip():
        return  # a template that is only punctuation or a line break: never sent alone
    _check(deliveries(rendered), rendered.text)
    _check(deliveries(rendered, edit=True), rendered.text, edit=True)
    photo = await RENDERER.render(t, msgid, {**params, "qr": "https://t.me/fieldbot?start=x"})
    _check(deliveries(photo), photo.text)


@pytest.mark.parametrize("language", list(Language), ids=lambda language: language.value)
def test_every_template_with_its_longest_arguments_fits_telegram(language: Language) -> None:
    async def run() -> None:
        for msgid in TEMPLATES:
            await _render_all(language, msgid)

    assert len(TEMPLATES) > 300
    asyncio.run(run())


def test_a_long_list_of_every_template_fits_as_several_messages_in_both_languages() -> None:
    lines = [{"t": msgid, "args": longest_args(msgid)} for msgid in TEMPLATES[:60]]
    params = {"lines": lines, "buttons": [[{"label": "Accept", "token": new_token()}]]}
    for t in TRANSLATORS.values():
        rendered = asyncio.run(RENDERER.render(t, LINES, params))
        calls = deliveries(rendered)
        assert len(calls) > 5
        _check(calls, rendered.text)
        assert calls[-1].markup and not any(c.markup for c in calls[:-1])


# --- generated arguments ---------------------------------------------------------------------

CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",))
FREE_TEXT = st.text(CHARS, min_size=0, max_size=TEXT_MAX) | st.just(LONG_TEXT)


def _value(draw: st.DrawFn, depth: int) -> Any:
    kind = draw(st.sampled_from(["text", "money", "roles", "customer", "nested", "dt"]))
    if kind == "money":
        return {"money": draw(st.sampled_from([MAX_FEN, -MAX_FEN, 0, 10_000_000]))}
    if kind == "roles":
        return {"roles": [role.value for role in Role]}
    if kind == "customer":
        return {"customer": 1, "field": draw(st.sampled_from(["name", "phone", "address"]))}
    if kind == "dt":
        return {"dt": "2026-09-14T08:30:00+00:00", "tz": "Asia/Shanghai"}
    if kind == "nested" and depth < 2:
        inner = draw(st.sampled_from(TEMPLATES))
        return {"t": inner, "args": _args(draw, inner, depth + 1)}
    return draw(FREE_TEXT)


def _args(draw: st.DrawFn, msgid: str, depth: int = 0) -> dict[str, Any]:
    return {name: _value(draw, depth) for name in sorted(placeholders(msgid))}


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    token = new_token()
    buttons = [
        [{"label": m, "label_args": _args(draw, m), "token": token}]
        for m in draw(st.lists(st.sampled_from(TEMPLATES), max_size=3))
    ]
    if draw(st.booleans()):
        msgid = draw(st.sampled_from(TEMPLATES))
        return msgid, {"args": _args(draw, msgid), "buttons": buttons}
    chosen = draw(st.lists(st.sampled_from(TEMPLATES), min_size=1, max_size=40))
    lines = [{"t": m, "args": _args(draw, m)} for m in chosen]
    return LINES, {"lines": lines, "buttons": buttons}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    message=messages(),
    language=st.sampled_from(list(Language)),
    qr=st.booleans(),
)
def test_generated_messages_fit_telegram_whatever_their_arguments(
    message: tuple[str, Mapping[str, Any]], language: Language, qr: bool
) -> None:
    template, params = message
    if qr:
        params = {**params, "qr": "https://t.me/fieldbot?start=x"}
    t: Translator = TRANSLATORS[language]
    rendered = asyncio.run(RENDERER.render(t, template, params))
    for row in rendered.buttons:
        assert all(0 < len(b.label) <= BUTTON_LABEL_LIMIT for b in row)
    if not rendered.text.strip():
        return
    _check(deliveries(rendered), rendered.text)
    _check(deliveries(rendered, edit=True), rendered.text, edit=True)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.text(CHARS, max_size=300)
        | st.sampled_from(["\n", "\n\n", "👨‍👩‍👧", "🇨🇳", "é̃", " ", "　", "x" * 3000, LONG_TEXT]),
        max_size=30,
    ).map("".join),
    limit=st.sampled_from([TEXT_LIMIT, CAPTION_LIMIT, 64, 7]),
)
def test_split_text_keeps_every_character_and_never_splits_one(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(telegram_length(p) <= limit for p in parts)
    if not text.strip():
        return
    assert all(p.strip() for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())
    shortened = shorten_text(text, limit)
    assert telegram_length(shortened) <= limit


def test_a_cut_falls_between_whole_characters_not_inside_an_emoji_or_a_flag() -> None:
    family = "👨‍👩‍👧"
    text = family * 2000
    parts = split_text(text, TEXT_LIMIT)
    assert len(parts) > 1
    assert all(p.startswith("👨") and p.endswith("👧") for p in parts)
    flags = "🇨🇳" * 3000
    assert all(len(p) % 2 == 0 for p in split_text(flags, TEXT_LIMIT))
    accented = "é̃" * 3000
    assert all(p[0] not in "\u0301\u0303" for p in split_text(accented, TEXT_LIMIT))


def test_a_text_that_fits_is_sent_whole_as_one_message() -> None:
    card = "Job J20260914-001\nFault: no power"
    assert split_text(card) == [card]
    assert split_text("x" * TEXT_LIMIT) == ["x" * TEXT_LIMIT]
    assert len(split_text("x" * (TEXT_LIMIT + 1))) == 2
    assert len(split_text("😀" * (TEXT_LIMIT // 2 + 1))) == 2  # counted in UTF-16 units


def test_the_texts_sent_outside_the_outbox_fit_their_own_limits_in_both_languages() -> None:
    """The callback answer (200 characters) and the command menu (descriptions 1-256)."""
    from fieldbot.handlers.common import COMMANDS
    from fieldbot.handlers.router import STALE_BUTTON

    for t in TRANSLATORS.values():
        assert 0 < len(t.gettext(STALE_BUTTON)) <= 200
        for command, description, _audience in COMMANDS:
            assert 1 <= len(command) <= 32
            assert 1 <= len(t.gettext(description)) <= 256

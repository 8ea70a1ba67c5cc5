"""Small pieces of the shell: clock, settings, languages, catalogs, rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fieldbot.clock import ManualClock
from fieldbot.domain.model import Language
from fieldbot.i18n import Catalogs, language_from_telegram, resolve_language
from fieldbot.rendering import LINES, Renderer
from fieldbot.settings import SettingsError, load_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_manual_clock_moves_only_forward_and_refuses_naive_instants() -> None:
    clock = ManualClock(datetime(2026, 9, 14, 8, 30, tzinfo=SHANGHAI))
    assert clock.now() == datetime(2026, 9, 14, 0, 30, tzinfo=UTC)
    assert clock.advance(timedelta(hours=1)).hour == 1
    with pytest.raises(ValueError, match="backwards"):
        clock.set(datetime(2026, 9, 14, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        ManualClock(datetime(2026, 9, 14))  # noqa: DTZ001 - the point of the test


def test_settings_defaults_match_the_design() -> None:
    settings = load_settings(read_env_file=False)
    assert settings.cash_limit_fen == 20000
    assert settings.approval_limit_fen == 50000
    assert settings.arrival_working_hours_suburban == 7
    assert settings.working_hours == "09:00-12:00,13:00-18:00"
    assert settings.database_url == "sqlite+aiosqlite:///fieldbot.db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timezone", "Mars/Olympus"),
        ("working_hours", "9 to 5"),
        ("encryption_key", "c2hvcnQ="),
        ("language", "fr"),
        ("reminder_percent", "120"),
    ],
)
def test_a_malformed_setting_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({name: value}, read_env_file=False)
    assert str(refused.value).startswith(f"FIELDBOT_{name.upper()}:")
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh", Language.ZH_CN),
        ("zh-hans", Language.ZH_CN),
        ("zh-CN", Language.ZH_CN),
        ("en", Language.EN),
        ("en-US", Language.EN),
        ("fr", None),
        (None, None),
    ],
)
def test_telegram_language_codes_map_to_ours(code: str | None, expected: Language | None) -> None:
    assert language_from_telegram(code) == expected


def test_the_record_language_wins_over_telegram_and_the_default() -> None:
    assert resolve_language("en", "zh-hans", "zh_CN") == Language.EN
    assert resolve_language(None, "en", "zh_CN") == Language.EN
    assert resolve_language(None, "fr", "zh_CN") == Language.ZH_CN


async def test_rendering_translates_at_send_time_with_typed_arguments() -> None:
    catalogs = Catalogs.load()

    async def lookup(customer_id: int, field: str) -> str:
        return f"customer{customer_id}.{field}"

    renderer = Renderer(lookup)
    params = {
        "lines": [
            {"t": "Hello, {name}. You can:", "args": {"name": {"customer": 7, "field": "name"}}},
            {
                "t": "/{command} — {description}",
                "args": {
                    "command": "me",
                    "description": {"t": "who the bot thinks you are"},
                },
            },
        ],
        "buttons": [[{"label": "Share my phone number", "token": "abc"}]],
    }
    zh = await renderer.render(catalogs.translator("zh_CN"), LINES, params)
    en = await renderer.render(catalogs.translator("en"), LINES, params)
    assert zh.text == "customer7.name，您好。您可以：\n/me — 机器人认为您是谁"
    assert en.text.startswith("Hello, customer7.name.")
    assert zh.buttons[0][0].label == "分享我的手机号码" and zh.buttons[0][0].token == "abc"
    money = await renderer.render(
        catalogs.translator("en"),
        "That did not work: {detail}. Nothing was changed.",
        {"args": {"detail": {"money": 123450}}},
    )
    assert "¥1,234.50" in money.text


async def test_a_qr_code_is_rendered_as_a_png() -> None:
    rendered = await Renderer().render(
        Catalogs.load().translator("en"),
        "This button is no longer valid.",
        {"qr": "https://t.me/x?start=abc"},
    )
    assert rendered.qr_png is not None and rendered.qr_png.startswith(b"\x89PNG")


async def test_a_staff_reference_is_looked_up_at_send_time_in_texts_and_button_labels() -> None:
    async def customers(customer_id: int, field: str) -> str:
        return f"customer{customer_id}.{field}"

    async def staff(staff_id: int, field: str) -> str:
        return f"staff{staff_id}.{field}"

    name = {"staff": 3, "field": "name"}
    params = {
        "args": {"name": name},
        "buttons": [[{"label": "{name} ({code})", "label_args": {"name": name, "code": "T01"}}]],
    }
    rendered = await Renderer(customers, staff).render(
        Catalogs.load().translator("en"), "You are already registered as {name}.", params
    )
    assert rendered.text == "You are already registered as staff3.name."
    assert rendered.buttons[0][0].label == "staff3.name (T01)"
    with pytest.raises(LookupError):
        await Renderer(customers).render(
            Catalogs.load().translator("en"), "You are already registered as {name}.", params
        )

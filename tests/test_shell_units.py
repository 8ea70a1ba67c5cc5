"""Small pieces of the shell: clock, settings, languages, catalogs, rendering."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fieldbot.clock import ManualClock
from fieldbot.domain.model import Language
from fieldbot.i18n import (
    FORMATS,
    LEGACY_FORMATS,
    Catalogs,
    language_from_telegram,
    local_text,
    resolve_language,
)
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


async def test_a_list_of_staff_is_looked_up_at_send_time_and_joined_in_the_readers_language() -> (
    None
):
    async def customers(customer_id: int, field: str) -> str:
        return f"customer{customer_id}.{field}"

    async def staff(staff_id: int, field: str) -> str:
        return f"staff{staff_id}.{field}"

    params = {"args": {"names": {"staff_list": [3, 5]}}}
    renderer = Renderer(customers, staff)
    catalogs = Catalogs.load()
    en = await renderer.render(catalogs.translator("en"), "Also told: {names}", params)
    zh = await renderer.render(catalogs.translator("zh_CN"), "Also told: {names}", params)
    assert en.text == "Also told: staff3.name, staff5.name"
    assert zh.text.startswith("同时通知：staff3.name") and "staff5.name" in zh.text


# Monday 2026-09-14 16:00 in Shanghai, 08:00 UTC; Sunday 2026-09-20 00:05 in Shanghai is still
# Saturday in UTC, so the weekday is the reader's day, not UTC's.
MONDAY_4PM = datetime(2026, 9, 14, 8, 0, tzinfo=UTC)
SUNDAY_NIGHT = datetime(2026, 9, 19, 16, 5, tzinfo=UTC)
EVERY_FORMAT = {
    "en": {
        "datetime": "2026-09-14 16:00",
        "date": "2026-09-14",
        "time": "16:00",
        "weekday": "2026-09-14 16:00 (Mon)",
        "date_weekday": "2026-09-14 (Mon)",
    },
    "zh_CN": {
        "datetime": "2026-09-14 16:00",
        "date": "2026-09-14",
        "time": "16:00",
        "weekday": "2026-09-14 16:00（周一）",
        "date_weekday": "2026-09-14（周一）",
    },
}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_every_date_format_reads_year_month_day_and_24_hour_time_in_both_languages(
    language: str, fmt: str
) -> None:
    t = Catalogs.load().translator(language)
    expected = EVERY_FORMAT[language][fmt]
    assert t.datetime(MONDAY_4PM, "Asia/Shanghai", fmt) == expected
    # the renderer's typed argument reads the same (it is what the outbox stores)
    rendered = await Renderer().render(
        t,
        "Due by {when}",
        {"args": {"when": {"dt": MONDAY_4PM.isoformat(), "tz": "Asia/Shanghai", "fmt": fmt}}},
    )
    assert rendered.text == t.gettext("Due by {when}", when=expected)
    for wrong in ("PM", "9/14", "/26", "2026/"):
        assert wrong not in rendered.text


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_weekday_is_the_one_of_the_readers_timezone(language: str) -> None:
    t = Catalogs.load().translator(language)
    shown = t.datetime(SUNDAY_NIGHT, "Asia/Shanghai", "weekday")
    assert shown == {"en": "2026-09-20 00:05 (Sun)", "zh_CN": "2026-09-20 00:05（周日）"}[language]
    assert t.datetime(SUNDAY_NIGHT, "UTC", "weekday").startswith("2026-09-19 16:05")
    assert t.time(SUNDAY_NIGHT, "Asia/Shanghai") == "00:05"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("legacy", sorted(LEGACY_FORMATS))
def test_a_message_queued_with_a_babel_format_name_reads_the_new_way(
    language: str, legacy: str
) -> None:
    t = Catalogs.load().translator(language)
    assert t.datetime(MONDAY_4PM, "Asia/Shanghai", legacy) == "2026-09-14 16:00"


def test_an_unknown_date_format_or_a_naive_instant_is_refused() -> None:
    t = Catalogs.load().translator("en")
    with pytest.raises(ValueError, match="unknown date format"):
        t.datetime(MONDAY_4PM, "Asia/Shanghai", "MM/dd/yy")
    with pytest.raises(ValueError, match="naive"):
        t.datetime(datetime(2026, 9, 14, 16), "Asia/Shanghai")  # noqa: DTZ001 - the point
    with pytest.raises(ValueError, match="no time"):
        t.date(date(2026, 9, 14), "time")


@pytest.mark.parametrize(
    ("language", "fmt", "expected"),
    [
        ("en", "date", "2026-10-08"),
        ("zh_CN", "date", "2026-10-08"),
        ("en", "date_weekday", "2026-10-08 (Thu)"),
        ("zh_CN", "date_weekday", "2026-10-08（周四）"),
    ],
)
async def test_a_calendar_date_reads_year_month_day_in_both_languages(
    language: str, fmt: str, expected: str
) -> None:
    t = Catalogs.load().translator(language)
    assert t.date(date(2026, 10, 8), fmt) == expected
    template = "Your maintenance contract {number} ends on {date}. Please contact us to renew it."
    args = {"number": "MC-2025-005", "date": {"day": "2026-10-08", "fmt": fmt}}
    rendered = await Renderer().render(t, template, {"args": args})
    assert expected in rendered.text


def test_the_command_line_reads_dates_as_the_chat_does() -> None:
    assert local_text(MONDAY_4PM, SHANGHAI) == "2026-09-14 16:00"
    assert local_text(MONDAY_4PM, "Asia/Shanghai", "date") == "2026-09-14"
    assert local_text(MONDAY_4PM, SHANGHAI, "weekday") == "2026-09-14 16:00"  # no language

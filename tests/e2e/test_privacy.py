"""Nothing personal in clear (DESIGN §6): after a full working day no customer's phone, name or
address is found anywhere in the database, and outbox and event rows name people by id only."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

import fieldbot
from fieldbot.domain.phones import normalise_phone
from fieldbot.sandbox.driver import Sandbox
from fieldbot.tables import events, metadata, outbox
from tests.e2e.scenarios import FAST, FAST_LIMITS, staff, working_day

pytestmark = pytest.mark.e2e

COMPANY = Path(fieldbot.__file__).parent / "examples"
SQLITE_FILES = ("", "-wal", "-shm", "-journal")
PG_TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")


def _rows(name: str) -> list[dict[str, str]]:
    with (COMPANY / name).open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _spellings(value: str) -> set[str]:
    """The text as stored raw and as JSON escapes it (``ensure_ascii``)."""
    return {value, json.dumps(value)[1:-1]}


def phone_spellings(raw: str) -> set[str]:
    """Every way a phone may sit in a file: as typed, its digits, E.164 with and without
    ``+``, and the national number (11 digits: a mobile, or 0 + area code + number)."""
    e164 = normalise_phone(raw)
    national = e164[3:] if e164[3] == "1" else "0" + e164[3:]
    return {raw, re.sub(r"\D", "", raw), e164, e164[1:], national}


def customer_needles() -> dict[bytes, str]:
    """Every customer phone, name and address of the sample company, as bytes -> label."""
    found: dict[bytes, str] = {}
    for row in _rows("customers.csv"):
        for spelling in phone_spellings(row["phone"]):
            found[spelling.encode()] = f"{row['code']} phone {spelling}"
        for column in ("name", "address"):
            for spelling in _spellings(row[column]):
                found[spelling.encode()] = f"{row['code']} {column} {spelling}"
    return found


def staff_needles() -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for row in _rows("staff.csv"):
        for spelling in _spellings(row["name"]):
            found[spelling.encode()] = f"{row['code']} name {spelling}"
        for spelling in phone_spellings(row["phone"]):
            found[spelling.encode()] = f"{row['code']} phone {spelling}"
    return found


def file_needles() -> dict[bytes, str]:
    """What no database file may hold: the customers' data and the staff's phones."""
    phones = {k: v for k, v in staff_needles().items() if " phone " in v}
    return {**customer_needles(), **phones}


def leaks(blobs: Iterable[tuple[str, bytes]], needles: dict[bytes, str]) -> list[str]:
    return [
        f"{where}: {label}"
        for where, data in blobs
        for needle, label in needles.items()
        if needle in data
    ]


def sqlite_files(db_url: str) -> list[tuple[str, bytes]]:
    path = Path(db_url.split("///", 1)[1])
    candidates = [path.with_name(path.name + suffix) for suffix in SQLITE_FILES]
    return [(file.name, file.read_bytes()) for file in candidates if file.exists()]


async def postgres_text_columns(sb: Sandbox) -> list[tuple[str, bytes]]:
    """Every value of every text, varchar and JSON column of every table (information_schema)."""
    store = sb.bots[0].store  # type: ignore[attr-defined]
    found: list[tuple[str, bytes]] = []
    async with store.engine.connect() as connection:
        columns = (
            await connection.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND data_type = ANY(:types)"
                ),
                {"types": list(PG_TEXT_TYPES)},
            )
        ).all()
        assert columns
        for table, column in columns:
            values = await connection.execute(
                text(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL')
            )
            found.extend((f"{table}.{column}", str(v).encode()) for (v,) in values)
    return found


async def people_rows(sb: Sandbox) -> list[tuple[str, bytes]]:
    """What the outbox and the event log hold about people: parameters and payloads."""
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        queued = (await uow.connection.execute(select(outbox.c.id, outbox.c.params))).all()
        logged = (await uow.connection.execute(select(events.c.seq, events.c.payload))).all()
    return [(f"outbox {i}", str(p).encode()) for i, p in queued] + [
        (f"event {i}", str(p).encode()) for i, p in logged
    ]


async def workflow_rows(sb: Sandbox) -> list[tuple[str, bytes]]:
    """Every value of every table but the staff register itself (names of staff are kept
    there, in clear, by design)."""
    store = sb.bots[0].store  # type: ignore[attr-defined]
    found: list[tuple[str, bytes]] = []
    async with store.unit_of_work(readonly=True) as uow:
        for table in metadata.sorted_tables:
            if table.name == "staff":
                continue
            for row in (await uow.connection.execute(select(table))).all():
                found.append((table.name, repr(tuple(row)).encode()))
                found.append((table.name, "|".join(str(v) for v in row).encode()))
    return found


async def _day_leaves_no_personal_data(sb: Sandbox) -> None:
    await working_day(sb)
    assert leaks(await people_rows(sb), {**customer_needles(), **staff_needles()}) == []
    assert leaks(await workflow_rows(sb), {**customer_needles(), **staff_needles()}) == []
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        sent = (await uow.connection.execute(select(outbox.c.template))).scalars().all()
    # the day really sent every kind of message this test is about
    for template in (
        "You are already registered as {name}.",
        "A message to {who} could not be delivered ({error}). Please reach them another way.",
    ):
        assert template in sent


async def test_a_full_working_day_leaves_no_customer_data_in_any_sqlite_file_wal_included(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'day.db'}"
    async with Sandbox.start(db_url=db_url, settings=FAST, limits=FAST_LIMITS) as sb:
        await _day_leaves_no_personal_data(sb)
        live = sqlite_files(db_url)
        assert any(name.endswith("-wal") for name, _ in live)
        assert leaks(live, file_needles()) == []
    assert leaks(sqlite_files(db_url), file_needles()) == []


async def test_a_full_working_day_leaves_no_customer_data_in_any_postgresql_text_column(
    pg_url: str,
) -> None:
    async with Sandbox.start(db_url=pg_url, settings=FAST, limits=FAST_LIMITS) as sb:
        await _day_leaves_no_personal_data(sb)
        assert leaks(await postgres_text_columns(sb), file_needles()) == []


async def _outbox_params(sb: Sandbox, template: str) -> list[dict[str, Any]]:
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        rows = await uow.connection.execute(
            select(outbox.c.params).where(outbox.c.template == template)
        )
        return [json.loads(p) for (p,) in rows]


async def test_a_contact_shared_again_names_the_customer_by_id_in_the_outbox() -> None:
    async with Sandbox.start() as sb:
        bistro = sb.phone(user_id=5002, name="Blue Harbour", language="en")
        await bistro.share_contact(phone="+8613901710002")
        await bistro.wait_for("registered as our customer")
        await bistro.share_contact(phone="+8613901710002")
        told = await bistro.wait_for("You are already registered as")
        assert "Blue Harbour Bistro" in told.text  # looked up when sent
        (params,) = await _outbox_params(sb, "You are already registered as {name}.")
        assert params["args"] == {
            "name": {"customer": params["args"]["name"]["customer"], "field": "name"}
        }
        assert "Blue Harbour" not in json.dumps(params, ensure_ascii=False)


async def test_a_staff_name_is_looked_up_at_send_time_not_kept_in_the_outbox() -> None:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sb:
        sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        welcome = [m for m in sup.inbox if "欢迎" in m.text]
        assert welcome and "王芳" in welcome[-1].text
        await sup.start()
        back = await sup.wait_for("欢迎回来")
        assert "王芳" in back.text
        for template in (
            "Welcome, {name}! You are registered as {roles}. Send /help to see what you can do.",
            "Welcome back, {name}! Send /help to see what you can do.",
        ):
            (params,) = await _outbox_params(sb, template)
            assert params["args"]["name"] == {
                "staff": params["args"]["name"]["staff"],
                "field": "name",
            }
            assert "王芳" not in json.dumps(params, ensure_ascii=False)


async def test_a_phone_typed_where_a_serial_belongs_is_not_echoed() -> None:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sb:
        sup = await staff(sb, "S02", 2002, "David Chen", "en")
        await sup.send("/new C002")
        await sup.wait_for("Which unit")
        await sup.send("139 0171 0002")
        refused = await sup.wait_for("That is not a unit of this customer")
        assert "0171" not in refused.text and "CF22-0107" in refused.text
        assert leaks(sqlite_files(sb.db_url), customer_needles()) == []

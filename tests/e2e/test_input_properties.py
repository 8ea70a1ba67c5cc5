"""Property: whatever a person sends — Unicode of every category, control and bidi characters,
very long strings, digits that look like phones — to any command of any audience or any form
prompt, the bot answers with a catalog text in the person's language, within Telegram's limits
(the sandbox refuses longer ones: no send may fail), repeats no phone-like digits, and changes
no business table unless the input was valid (DESIGN.md §6).

One sandbox for the module (its own event loop, so Hypothesis drives plain functions); each
example puts the person back at the prompt first. A handful of examples per prompt by default;
``HYPOTHESIS_PROFILE=thorough`` runs many more.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldbot.domain.errors import DomainError
from fieldbot.domain.money import parse_money
from fieldbot.domain.text import clean_text
from fieldbot.handlers.technician.finish import parse_hours
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import dispatch, visit
from tests.e2e.test_input_bounds import business_rows
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS, new_job, run, staff

pytestmark = pytest.mark.e2e

settings.register_profile(
    "input-default",
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "input-default")

PHONE_LIKE = re.compile(r"1[3-9]\d{9}")
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
LIMIT = 1000  # FIELDBOT_TEXT_MAX_CHARS by default
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "sendLocation"}

# zero-width, BOM, bidi embeddings/overrides/isolates, C0/C1 controls, odd spaces
INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\x00\x01\x1b\x7f\x85\u3000\u00a0 \t\n"
)

TEXTS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
    st.text(st.sampled_from(INVISIBLE), min_size=1, max_size=8),
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"\+86 ?1[3-9]\d{9}", fullmatch=True),
    st.builds(
        lambda char, n: char * n,
        st.sampled_from(["x", "远", "1", "P0", "\u200b", "é", "😀"]),
        st.integers(min_value=LIMIT - 5, max_value=5000),
    ),
    st.builds(
        lambda head, n: head + "a" * n,
        st.text(st.characters(exclude_categories=("Cs",)), max_size=10),
        st.integers(min_value=3000, max_value=4200),
    ),
)


@dataclass
class World:
    loop: asyncio.AbstractEventLoop
    sb: Sandbox
    phones: dict[str, Phone]
    jobs: dict[str, JobRecord]

    def run(self, coroutine: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coroutine)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    loop = asyncio.new_event_loop()
    starting = Sandbox.start(settings=FAST, limits=FAST_LIMITS)
    sb = loop.run_until_complete(starting.__aenter__())
    try:
        phones, jobs = loop.run_until_complete(_people(sb))
        yield World(loop, sb, phones, jobs)
    finally:
        loop.run_until_complete(starting.__aexit__(None, None, None))
        loop.close()


async def _people(sb: Sandbox) -> tuple[dict[str, Phone], dict[str, JobRecord]]:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")  # English (the staff record)
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")  # Chinese
    customer = sb.phone(user_id=5002, name="Blue Harbour", language="en")
    await customer.share_contact(phone="+8613901710002")  # C002, English
    await customer.wait_for("registered as our customer")
    stranger = sb.phone(user_id=9001, name="陌生人", language="zh-hans")
    on_site = await new_job(sb, "C003", "CF21-0033", "T02")
    await run(sb, dispatch.accept, job=on_site.id, actor="T02")
    at = sb.clock.now().replace(microsecond=0) + timedelta(minutes=30)
    await run(sb, visit.set_appointment, job=on_site.id, actor="T02", at=at)
    await run(sb, visit.arrive, job=on_site.id, actor="T02")
    registered = await new_job(sb, "C001", None, None)
    c002 = await new_job(sb, "C002", None, "T02")
    phones = {"tech": tech, "sup": sup, "customer": customer, "stranger": stranger}
    return phones, {"on_site": on_site, "registered": registered, "c002": c002}


# --- prompts -------------------------------------------------------------------------------------


def _free(text: str) -> bool:
    try:
        clean_text(text, LIMIT)
    except DomainError:
        return False
    return True


def _money(text: str) -> bool:
    try:
        parse_money(text, max_fen=10_000_000)
    except DomainError:
        return False
    return True


def _hours(text: str) -> bool:
    return parse_hours(text) is not None


def _never(_text: str) -> bool:
    return False


@dataclass(frozen=True)
class Prompt:
    name: str
    who: str  # tech (en), sup (zh), customer (en), stranger (zh)
    make: Callable[[World, str], str]  # the message sent for the generated text
    valid: Callable[[str], bool] = _never  # True: the input may change business tables
    echoes_valid: bool = False  # a valid input is repeated in the confirmation (a reason)
    form: tuple[str, str, Callable[[World], dict[str, Any]]] | None = None  # name, step, data


def _job(key: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"job_id": w.jobs[key].id, "parts": [], "fees": {}}


def _number(key: str) -> Callable[[World, str], str]:
    return lambda w, text: w.jobs[key].number


def _plain(_w: World, text: str) -> str:
    return text


PROMPTS = [
    # technician (English): commands and the forms of the field
    Prompt("tech /jobs", "tech", lambda w, t: f"/jobs {t}"),
    Prompt("tech unknown command", "tech", lambda w, t: f"/{t}"),
    Prompt("tech /override", "tech", lambda w, t: f"/override {t}"),
    Prompt("tech text outside a form", "tech", _plain),
    Prompt("tech work", "tech", _plain, _free, form=("finish", "work", _job("on_site"))),
    Prompt("tech hours", "tech", _plain, _hours, form=("finish", "hours", _job("on_site"))),
    Prompt("tech part search", "tech", _plain, form=("finish", "parts", _job("on_site"))),
    Prompt("tech need part", "tech", _plain, form=("need_part", "part", _job("on_site"))),
    Prompt("tech labour", "tech", _plain, _money, form=("finish", "labour", _job("on_site"))),
    Prompt("tech other fee", "tech", _plain, _money, form=("finish", "other", _job("on_site"))),
    Prompt("tech decline reason", "tech", _plain, form=("decline", "reason", _job("on_site"))),
    Prompt("tech appointment", "tech", _plain, form=("appointment", "when", _job("on_site"))),
    Prompt("tech take-back day", "tech", _plain, form=("take_back", "promised", _job("on_site"))),
    Prompt("tech /carryin", "tech", lambda w, t: f"/carryin {t}"),
    Prompt("tech /promise", "tech", lambda w, t: f"/promise {t}"),
    Prompt("tech receipt photo", "tech", _plain, form=("receipt_photo", "photo", _job("on_site"))),
    # supervisor (Chinese)
    Prompt("sup /job", "sup", lambda w, t: f"/job {t}"),
    Prompt("sup /pause", "sup", lambda w, t: f"/pause {t}"),
    Prompt("sup /resume", "sup", lambda w, t: f"/resume {t}"),
    Prompt("sup /override", "sup", lambda w, t: f"/override {t}"),
    Prompt(
        "sup /pause reason",
        "sup",
        lambda w, t: f"/pause {w.jobs['registered'].number} arrival {t}",
        _free,
        echoes_valid=True,
    ),
    Prompt(
        "sup /override reason",
        "sup",
        lambda w, t: f"/override {w.jobs['registered'].number} zone urban {t}",
        _free,
        echoes_valid=True,
    ),
    Prompt("sup /calls", "sup", lambda w, t: f"/calls {t}"),
    Prompt("sup carry-in day", "sup", _plain, form=("carry_in", "promised", _job("registered"))),
    Prompt("sup unknown command", "sup", lambda w, t: f"/{t}"),
    Prompt(
        "sup fault",
        "sup",
        _plain,
        _free,
        form=(
            "sup.new",
            "fault",
            lambda w: {
                "called_at": w.sb.clock.now().isoformat(),
                "customer": "C001",
                "equipment": None,
                "kind": "repair",
                "priority": "general",
            },
        ),
    ),
    Prompt(
        "sup customer search",
        "sup",
        _plain,
        _free,
        form=("sup.new", "customer", lambda w: {"called_at": w.sb.clock.now().isoformat()}),
    ),
    Prompt(
        "sup unit serial",
        "sup",
        _plain,
        _free,
        form=(
            "sup.new",
            "equipment",
            lambda w: {"called_at": w.sb.clock.now().isoformat(), "customer": "C001"},
        ),
    ),
    Prompt(
        "sup reject reason",
        "sup",
        _plain,
        form=(
            "sup.reason",
            "reason",
            lambda w: {"what": "reject", "job_id": w.jobs["registered"].id, "version": 1},
        ),
    ),
    # customer (English)
    Prompt("customer /status", "customer", lambda w, t: f"/status {t}"),
    Prompt("customer unknown command", "customer", lambda w, t: f"/{t}"),
    Prompt("customer text outside a form", "customer", _plain),
    Prompt(
        "customer dispute",
        "customer",
        _plain,
        _free,  # valid text ends the form: the job is not awaiting sign-off (nothing else)
        form=("dispute", "reason", lambda w: {"job_id": w.jobs["c002"].id}),
    ),
    Prompt(
        "customer another time",
        "customer",
        _plain,
        _free,
        form=("appointment_request", "when", lambda w: {"job_id": w.jobs["c002"].id}),
    ),
    # a stranger (Chinese)
    Prompt("stranger text", "stranger", _plain),
    Prompt("stranger command", "stranger", lambda w, t: f"/{t}"),
]


async def _put_at(w: World, prompt: Prompt) -> None:
    user_id = w.phones[prompt.who].user_id
    store: Any = w.sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work() as uow:
        if prompt.form is None:
            await uow.forms.clear(user_id)
        else:
            name, step, data = prompt.form
            await uow.forms.start(user_id, name, step, data(w), w.sb.clock.now())
        await uow.commit()


def _in_language(text: str, who: str) -> bool:
    if who in ("sup", "stranger"):
        return bool(CJK.search(text))
    return bool(LATIN_WORD.search(text))


async def _check(w: World, prompt: Prompt, text: str) -> None:
    phone = w.phones[prompt.who]
    await _put_at(w, prompt)
    sent = prompt.make(w, text)
    if not sent:
        return
    before_rows = await business_rows(w.sb)
    before_inbox = len(phone.inbox)
    before_calls = len(w.sb.server.call_log)
    await phone.send(sent)
    replies = [m.text for m in phone.inbox[before_inbox:]]
    assert replies, f"{prompt.name}: no reply to {sent[:80]!r}"
    failed = [
        c for c in w.sb.server.call_log[before_calls:] if c[0] in SEND_METHODS and c[1] != 200
    ]
    assert not failed, f"{prompt.name}: sends failed {failed}"
    assert all(len(r) <= 4096 for r in replies)
    assert all(_in_language(r, prompt.who) for r in replies), (prompt.name, replies)
    valid = prompt.valid(text)
    if not (valid and prompt.echoes_valid):
        for digits in PHONE_LIKE.findall(text):
            assert all(digits not in r for r in replies), (prompt.name, digits, replies)
    if not valid:
        assert await business_rows(w.sb) == before_rows, f"{prompt.name}: changed by {sent!r}"
    for supervisor in (w.phones["sup"],):
        assert not [
            m for m in supervisor.inbox if "无法送达" in m.text or "undeliverable" in m.text
        ]


@pytest.mark.parametrize("prompt", PROMPTS, ids=[p.name for p in PROMPTS])
@settings(settings.get_profile(PROFILE))
@given(text=TEXTS)
def test_any_text_to_any_prompt_gets_a_bounded_catalog_reply_and_changes_nothing_invalid(
    world: World, prompt: Prompt, text: str
) -> None:
    world.run(_check(world, prompt, text))

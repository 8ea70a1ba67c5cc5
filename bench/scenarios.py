"""The two bots under the same load, on equal terms.

Both sandboxes run side by side with the same phones, limits and send rate, and the load goes
to them in alternating rounds (floor, fieldbot, fieldbot, floor, ...): on a shared machine the
background load drifts, and alternating spreads the drift over both, so the ratios hold better
than the absolute figures do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from bench.floor import echo_factory
from bench.load import Matcher, RunResult, drive, split
from fieldbot.sandbox.driver import Sandbox
from fieldbot.sandbox.limits import Limits
from fieldbot.settings import Settings

# Staff of the sample company (DESIGN.md §8) that the fieldbot run binds, one per phone.
STAFF_CODES = ("T01", "T02", "T03", "T04", "T05", "S01", "S02", "M01", "G01", "F01", "A01", "K01")
FIRST_USER_ID = 7001
_WELCOME = re.compile(r"Welcome|欢迎")


@dataclass(frozen=True, slots=True)
class Conditions:
    """What both runs share. ``send_rate``, ``send_rate_per_chat`` and ``send_burst_per_chat``
    are fieldbot's own pacing (``FIELDBOT_SEND_RATE`` ...); the floor does not pace, so it
    only ever meets the sandbox's limits."""

    name: str  # "relaxed" or "telegram"
    limits: Limits
    send_rate: float
    send_rate_per_chat: float
    send_burst_per_chat: int
    db_url: str | None = None  # fieldbot's database; None: a temporary SQLite file

    def fieldbot_settings(self) -> dict[str, float | int]:
        return {
            "send_rate": self.send_rate,
            "send_rate_per_chat": self.send_rate_per_chat,
            "send_burst_per_chat": self.send_burst_per_chat,
        }

    def describe(self) -> str:
        lim = self.limits
        return (
            f"sandbox limits {self.name}: per chat {lim.per_chat_rate:g}/s burst "
            f"{lim.per_chat_burst}, global {lim.global_rate:g}/s burst {lim.global_burst} "
            f"(both runs); fieldbot paces {self.send_rate:g}/s, per chat "
            f"{self.send_rate_per_chat:g}/s burst {self.send_burst_per_chat}; "
            f"database {_db_name(self.db_url)}"
        )


def relaxed_limits(db_url: str | None = None) -> Conditions:
    """Limits far above what either bot reaches: the figures measure the bots."""
    rate = 10_000.0
    limits = Limits(
        per_chat_rate=rate, per_chat_burst=10_000, global_rate=rate, global_burst=10_000
    )
    return Conditions("relaxed", limits, rate, rate, 10_000, db_url)


def telegram_limits(db_url: str | None = None) -> Conditions:
    """Telegram's own limits and fieldbot's default pacing: what production would see."""
    fields = Settings.model_fields
    return Conditions(
        "telegram",
        Limits(),
        float(fields["send_rate"].default),
        float(fields["send_rate_per_chat"].default),
        int(fields["send_burst_per_chat"].default),
        db_url,
    )


def _db_name(db_url: str | None) -> str:
    if db_url is None:
        return "SQLite (temporary file)"
    return db_url.split(":", 1)[0].split("+", 1)[0]


def user_ids(phones: int) -> list[int]:
    return [FIRST_USER_ID + i for i in range(phones)]


@dataclass(frozen=True, slots=True)
class Target:
    """A bot on its sandbox, with its phones and what they send and expect back."""

    name: str
    sb: Sandbox
    user_ids: list[int]
    text_for: Callable[[int, int], str]
    matches: Matcher


@contextlib.asynccontextmanager
async def floor_target(phones: int, conditions: Conditions) -> AsyncIterator[Target]:
    """The bare echo bot: every phone sends ``ping <phone>-<n>`` and waits for the echo."""
    async with Sandbox.start(factory=echo_factory(), limits=conditions.limits) as sb:
        ids = user_ids(phones)
        for uid in ids:
            sb.phone(uid, f"Phone {uid}", "en")
        yield Target(
            "floor",
            sb,
            ids,
            text_for=lambda uid, n: f"ping {uid}-{n}",
            matches=lambda sent, reply: reply == sent,
        )


@contextlib.asynccontextmanager
async def fieldbot_target(phones: int, conditions: Conditions) -> AsyncIterator[Target]:
    """The real bot: ``phones`` staff of the sample company bind by invite, then send /help."""
    if phones > len(STAFF_CODES):
        raise ValueError(f"fieldbot's run binds at most {len(STAFF_CODES)} staff phones")
    async with Sandbox.start(
        db_url=conditions.db_url,
        settings=conditions.fieldbot_settings(),
        limits=conditions.limits,
    ) as sb:
        ids = user_ids(phones)
        for uid, code in zip(ids, STAFF_CODES, strict=False):
            phone = sb.phone(uid, f"Staff {code}", "en")
            await phone.start(await sb.invite(code))
            await phone.wait_for(_WELCOME)
        yield Target(
            "fieldbot",
            sb,
            ids,
            text_for=lambda uid, n: "/help",
            matches=lambda sent, reply: "/lang" in reply,
        )


async def measure(target: Target, messages: int, *, warmup: int = 0) -> RunResult:
    """One round of load on one bot, with the 429s its sandbox answered meanwhile."""
    log = target.sb.server.call_log
    before = len(log)
    result = await drive(
        target.sb.server.world,
        target.name,
        target.user_ids,
        messages,
        target.text_for,
        target.matches,
        warmup=warmup,
    )
    rejected = sum(1 for _, status in log[before:] if status == 429)
    return dataclasses.replace(result, rejected=rejected)


def merge(results: Sequence[RunResult]) -> RunResult:
    """Rounds of one bot as one result: the times add up, the latencies pool."""
    first = results[0]
    return RunResult(
        first.name,
        first.phones,
        sum(r.messages for r in results),
        sum(r.seconds for r in results),
        tuple(x for r in results for x in r.latencies),
        sum(r.rejected for r in results),
    )


async def compare(
    messages: int, phones: int, conditions: Conditions, rounds: int = 1
) -> tuple[RunResult, RunResult]:
    """The floor's and fieldbot's figures for ``messages`` each, in alternating ``rounds``."""
    if rounds < 1 or messages < rounds:
        raise ValueError("at least one round, and a message a round")
    async with (
        floor_target(phones, conditions) as floor,
        fieldbot_target(phones, conditions) as bot,
    ):
        for target in (floor, bot):  # the first exchanges pay for imports and caches
            await measure(target, 0, warmup=1)
        done: dict[str, list[RunResult]] = {floor.name: [], bot.name: []}
        for i, share in enumerate(split(messages, rounds)):
            for target in (floor, bot) if i % 2 == 0 else (bot, floor):
                done[target.name].append(await measure(target, share))
        return merge(done[floor.name]), merge(done[bot.name])

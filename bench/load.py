"""Phones that keep one message in flight each, timed on real monotonic time.

A latency runs from the moment a phone's message is put in the sandbox to the moment the
bot's reply to it is published there (the world's output signal wakes the waiting phone).
Throughput is the messages answered divided by the wall time from the first send to the
last reply.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fieldbot.sandbox.world import World

Matcher = Callable[[str, str], bool]  # (text sent, reply text) -> is this the reply?


class NoReply(AssertionError):
    """The bot did not answer a phone's message in time: the benchmark cannot go on."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one bot did under the load: absolute figures, in seconds."""

    name: str
    phones: int
    messages: int
    seconds: float
    latencies: tuple[float, ...] = field(repr=False)
    rejected: int = 0  # sends the sandbox answered with 429 while the load ran

    @property
    def throughput(self) -> float:
        """Updates answered per second of wall time."""
        return self.messages / self.seconds if self.seconds > 0 else math.inf

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with ``pct`` % of the values at or below."""
    if not values:
        raise ValueError("no values")
    if not 0 < pct <= 100:
        raise ValueError(f"percentile {pct} is not in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(pct / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def split(messages: int, phones: int) -> list[int]:
    """``messages`` spread over ``phones`` as evenly as can be (the first ones take the rest)."""
    if phones <= 0:
        raise ValueError("at least one phone")
    base, rest = divmod(messages, phones)
    return [base + (1 if i < rest else 0) for i in range(phones)]


async def wait_reply(
    world: World,
    chat_id: int,
    after_seq: int,
    sent: str,
    matches: Matcher,
    timeout: float,  # noqa: ASYNC109 - a deadline on real time, not a wait for a result
) -> str:
    """The text of the first bot message in ``chat_id`` after ``after_seq`` that ``matches``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        event = world.output_signal.waiter()
        chat = world.chats.get(chat_id)
        if chat is not None:
            for message in chat.messages.values():
                if message.from_bot and message.changed_seq > after_seq:
                    text = message.text if message.text is not None else (message.caption or "")
                    if matches(sent, text):
                        return text
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise NoReply(f"no reply to {sent!r} in chat {chat_id} within {timeout} s")
        try:
            await asyncio.wait_for(event.wait(), remaining)
        except TimeoutError:
            continue  # the loop checks once more and then raises


async def exchange(
    world: World,
    user_id: int,
    text: str,
    matches: Matcher,
    timeout: float,  # noqa: ASYNC109
) -> float:
    """One message from a phone and the wait for its reply; returns the latency in seconds."""
    seen = world.seq
    started = time.perf_counter()
    world.send_text(user_id, text)
    await wait_reply(world, user_id, seen, text, matches, timeout)
    return time.perf_counter() - started


async def drive(
    world: World,
    name: str,
    user_ids: Sequence[int],
    messages: int,
    text_for: Callable[[int, int], str],
    matches: Matcher,
    *,
    timeout: float = 30.0,  # noqa: ASYNC109
    warmup: int = 1,
) -> RunResult:
    """Every phone sends its share of ``messages`` one after the other (one in flight each),
    all phones at once. ``warmup`` untimed exchanges per phone come first."""
    for round_ in range(warmup):
        await asyncio.gather(
            *(
                exchange(world, uid, text_for(uid, -1 - round_), matches, timeout)
                for uid in user_ids
            )
        )
    latencies: list[float] = []

    async def phone(user_id: int, count: int) -> None:
        for i in range(count):
            latencies.append(await exchange(world, user_id, text_for(user_id, i), matches, timeout))

    started = time.perf_counter()
    await asyncio.gather(
        *(
            phone(uid, count)
            for uid, count in zip(user_ids, split(messages, len(user_ids)), strict=True)
        )
    )
    seconds = time.perf_counter() - started
    return RunResult(name, len(user_ids), len(latencies), seconds, tuple(latencies))

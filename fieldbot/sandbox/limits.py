"""Telegram's limits as the sandbox enforces them.

Sizes are checked on every call; send rates run on real monotonic time (network pacing, not
business time), as Telegram's do.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Telegram-like defaults; tests may tighten or loosen any of them."""

    text_chars: int = 4096  # after entity parsing
    caption_chars: int = 1024
    callback_data_bytes: int = 64
    callback_answer_chars: int = 200
    start_payload_chars: int = 64
    per_chat_rate: float = 1.0  # sends per second, per chat
    per_chat_burst: int = 5
    group_per_minute: int = 20  # sends per minute into one group
    global_rate: float = 30.0  # sends per second, all chats
    global_burst: int = 30
    limit_edits: bool = False  # count edits against the send rates too
    file_bytes: int = 50 * 1024 * 1024


class TokenBucket:
    """A token bucket on monotonic time: ``rate`` tokens a second, at most ``burst`` saved."""

    def __init__(
        self, rate: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._monotonic = monotonic
        self._stamp = monotonic()

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    def wait_needed(self) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill()
        if self._tokens >= 1:
            return 0.0
        return (1 - self._tokens) / self._rate

    def take(self) -> None:
        self._refill()
        self._tokens -= 1


class SendRates:
    """Per-chat and global send rates; answers how long to retry after, or 0 to go ahead."""

    def __init__(self, limits: Limits, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._monotonic = monotonic
        self._global = TokenBucket(limits.global_rate, limits.global_burst, monotonic)
        self._chats: dict[int, TokenBucket] = {}
        self._groups: dict[int, TokenBucket] = {}

    def _bucket(self, chat_id: int, group: bool) -> TokenBucket:
        if group:
            bucket = self._groups.get(chat_id)
            if bucket is None:
                bucket = TokenBucket(
                    self._limits.group_per_minute / 60.0,
                    self._limits.group_per_minute,
                    self._monotonic,
                )
                self._groups[chat_id] = bucket
            return bucket
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = TokenBucket(
                self._limits.per_chat_rate, self._limits.per_chat_burst, self._monotonic
            )
            self._chats[chat_id] = bucket
        return bucket

    def acquire(self, chat_id: int, *, group: bool = False) -> int:
        """Take a send slot; returns 0, or the whole seconds to ``retry_after`` (nothing taken)."""
        chat = self._bucket(chat_id, group)
        wait = max(chat.wait_needed(), self._global.wait_needed())
        if wait > 0:
            return max(1, math.ceil(wait))
        chat.take()
        self._global.take()
        return 0

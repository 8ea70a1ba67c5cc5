"""Fixtures of the service tests: settings without .env, a manual clock, the sample company."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import fieldbot
from fieldbot.clock import ManualClock
from fieldbot.services.imports import import_company
from fieldbot.settings import Settings, load_settings
from fieldbot.store import Store

EXAMPLES = Path(fieldbot.__file__).parent / "examples"
START = datetime(2026, 9, 14, 0, 30, tzinfo=UTC)  # Monday 08:30 Asia/Shanghai


@pytest.fixture
def settings() -> Settings:
    return load_settings(read_env_file=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def company(store: Store, settings: Settings, clock: ManualClock) -> Store:
    """The store with the sample company (examples/) imported."""
    await import_company(store, EXAMPLES, settings=settings, clock=clock)
    return store

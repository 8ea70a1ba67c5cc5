"""Stock levels in the chat (issue 14): the import's minimum tells the storekeeper, /stock for
the storekeeper (central by default, a van by its technician's code) and the supervisor (their
branch store by default), paged, those below their minimum marked; /van for the technician."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fieldbot.clock import ManualClock
from fieldbot.crypto import Cipher
from fieldbot.sandbox.driver import Sandbox
from fieldbot.services.imports import import_file
from fieldbot.settings import load_settings
from fieldbot.store import Store
from tests.e2e.scenarios import staff

pytestmark = pytest.mark.e2e


async def _import_minimums(sb: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    rows = ["location,part,quantity,min_quantity", "van:T01,P036,1,2", "SH01,P002,1,3"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    settings = load_settings({"encryption_key": sb.harness.key}, read_env_file=False)
    store = Store.open(sb.db_url, Cipher.from_master_key(settings.key_bytes()))
    try:
        await import_file(
            store, "stock", path, settings=settings, clock=ManualClock(sb.clock.now())
        )
    finally:
        await store.close()


async def test_stock_and_van_in_the_chat(sb: Sandbox, tmp_path: Path) -> None:
    keeper = await staff(sb, "K01", 2201, "Wu Qiang", "zh-hans")
    supervisor = await staff(sb, "S01", 2001, "Wang Fang", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")

    await _import_minimums(sb, tmp_path)
    await sb.settle()
    told = [(await keeper.wait_for("库存不足")).text for _ in range(2)]
    assert any(t.startswith("库存不足（T01 的车载库存）：P036") for t in told)
    store_low = [t for t in told if t.startswith("库存不足（分公司仓库 SH01）：P002")]
    assert len(store_low) == 1 and "低于最低库存 3" in store_low[0]

    await keeper.send("/stock")  # the central warehouse: 37 parts, two pages
    first = await keeper.wait_for("中心仓库：共 37 种配件")
    assert "第 1 页，共 2 页" in first.text and "/stock central 2" in first.text
    await keeper.send("/stock central 2")
    await keeper.wait_for("第 2 页，共 2 页")
    await keeper.send("/stock T01")
    van = await keeper.wait_for("T01 的车载库存：")
    lines = van.text.splitlines()
    assert lines[1].startswith("⚠ P036") and "（最低 2）—— 不足" in lines[1]
    await keeper.send("/stock warehouse")
    await keeper.wait_for("这不是库存地点")

    await supervisor.send("/stock")  # their branch store
    store = await supervisor.wait_for("分公司仓库 SH01：")
    assert "1 种低于最低库存" in store.text and "⚠ P002" in store.text

    await tech.send("/van")
    mine = await tech.wait_for(re.compile(r"Stock at the van of T02: 9 parts, 0 below"))
    assert "P035" in mine.text and "⚠" not in mine.text
    await tech.send("/stock")
    refused = await tech.wait_for(re.compile("not|may"))
    assert "Stock at" not in refused.text

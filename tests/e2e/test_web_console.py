"""Issue 16, ``fieldbot sandbox --web``: the page in a real headless browser (Debian's chromium,
driven by Playwright, never a downloaded browser). A supervisor, a technician and a customer
get phones; a job runs from the call to the customer's sign-off by clicking and typing; the
clock advanced by the hour brings an escalation. The screenshot is left in the test's
temporary directory."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from fieldbot.cli.web.chat import render_html
from fieldbot.cli.web.console import running
from fieldbot.sandbox.driver import Sandbox
from tests.e2e.scenarios import FAST, FAST_LIMITS

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"


def _chromium() -> str:
    found = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if found is None:
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI must run the browser test, not skip it
        pytest.skip(message)
    return found


def test_entities_render_as_html_escaped_and_nested() -> None:
    text = "Job <J1> 工单 done"
    entities = [
        {"type": "bold", "offset": 0, "length": 8},
        {"type": "italic", "offset": 4, "length": 4},
        {"type": "code", "offset": 9, "length": 2},
    ]
    assert render_html(text, entities) == "<b>Job <i>&lt;J1&gt;</i></b> <code>工单</code> done"
    emoji = "🔧 fix"  # one character, two UTF-16 code units
    assert render_html(emoji, [{"type": "bold", "offset": 3, "length": 3}]) == "🔧 <b>fix</b>"


async def test_a_job_from_call_to_sign_off_and_an_escalation_by_clicking(tmp_path: Path) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    executable = _chromium()
    expect = playwright_api.expect
    async with (
        Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sb,
        running(sb) as console,
        playwright_api.async_playwright() as pw,
    ):
        assert console.url.startswith("http://127.0.0.1:")
        browser = await pw.chromium.launch(executable_path=executable)
        page = await browser.new_page(locale="en-US", viewport={"width": 1500, "height": 900})
        await page.goto(console.url)
        await page.wait_for_selector("body[data-ready='1']")
        await expect(page.get_by_test_id("local-only")).to_contain_text("127.0.0.1 only")
        await expect(page.get_by_test_id("clock")).to_have_text("2026-09-14 08:30")

        async def idle() -> None:
            # polled every animation frame: expect() would back off to hundreds of ms
            await page.wait_for_function("!document.body.dataset.busy")
            await expect(page.get_by_test_id("error")).to_have_text("")

        async def sees(phone: object, text: str) -> None:
            await expect(phone.locator(".msg").filter(has_text=text).last).to_be_visible()  # type: ignore[attr-defined]

        async def say(phone: object, text: str) -> None:
            await phone.get_by_test_id("composer").fill(text)  # type: ignore[attr-defined]
            await phone.get_by_test_id("send").click()  # type: ignore[attr-defined]
            await idle()

        async def tap(phone: object, label: str | re.Pattern[str]) -> None:
            exact = isinstance(label, str)
            button = phone.locator(".inline").get_by_role("button", name=label, exact=exact)  # type: ignore[attr-defined]
            await button.last.click()
            await idle()

        for code in ("S01", "T02", "C003"):
            await page.get_by_test_id("add-phone").select_option(code)
            await idle()
            await expect(page.get_by_test_id(f"phone-{code}")).to_be_visible()
        sup, tech, cafe = (page.get_by_test_id(f"phone-{c}") for c in ("S01", "T02", "C003"))

        await sees(sup, "欢迎")  # each phone in its person's language
        await sees(tech, "Welcome")
        await sees(cafe, "registered as our customer")

        async def register(search: str, serial: str, fault: str, priority: str = "一般") -> None:
            await say(sup, "/new")
            await sees(sup, "哪位客户来电")
            await say(sup, search)
            await sees(sup, "哪台设备")
            await tap(sup, re.compile(serial))
            await tap(sup, "维修")
            await tap(sup, priority)
            await sees(sup, "描述故障")
            await say(sup, fault)
            await tap(sup, "电话")
            await sees(sup, "服务类型")
            await tap(sup, "登记")
            await sees(sup, "已登记工单")

        await register("136 0171 0003", "CF21-0033", "咖啡机冲泡头漏水")
        await tap(sup, re.compile(r"\(T02\)"))
        await sees(tech, "New job")
        await tap(tech, "Accept")
        await sees(tech, "When will you be there")
        await tap(tech, "In 1 h")
        await sees(cafe, "will visit you")
        await page.get_by_test_id("clock-advance-hour").click()
        await idle()
        await expect(page.get_by_test_id("clock")).to_have_text("2026-09-14 09:30")
        await tap(tech, "On my way")
        await sees(cafe, "on the way to you")
        await tap(tech, "Arrived")
        await sees(tech, "share your location")
        await tech.get_by_test_id("share-location").select_option("site")
        await idle()
        await expect(tech.locator(".msg.mine .location").last).to_have_text("31.23860, 121.49000")
        await sees(tech, "arrival verified")

        await tap(tech, "Finish")
        await sees(tech, "what did you do")
        await say(tech, "Replaced the group head gasket")
        await sees(tech, "How many hours")
        await say(tech, "1")
        await sees(tech, "Parts used from your van")
        await tap(tech, "No more parts")
        for step, amount in (("Labour fee", "120"), ("Travel fee", "30"), ("other fee", "0")):
            await sees(tech, step)
            await say(tech, amount)
        await sees(tech, "to be recorded")
        await tap(tech, "Submit")
        await sees(cafe, "Please confirm job")
        await tap(cafe, "Confirm")
        await sees(tech, "confirmed by the customer")

        # an emergency nobody dispatches: two hours later it is escalated to the supervisor
        await register("Blue Harbour", "CF22-0107", "研磨器卡住", priority="紧急")
        for _ in range(3):
            await page.get_by_test_id("clock-advance-hour").click()
            await idle()
        await expect(page.get_by_test_id("clock")).to_have_text("2026-09-14 12:30")
        await sees(sup, "升级")
        await tap(sup, "已知悉")

        shot = tmp_path / "web-console.png"
        await page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        print(f"screenshot: {shot}")

        # the demo day plays on a fresh page only
        await page.get_by_test_id("play-demo").click()
        await expect(page.get_by_test_id("error")).to_contain_text("fresh page only")

        zh = await page.evaluate("fetch('/api/labels?lang=zh-CN').then(r => r.json())")
        assert zh["labels"]["send"] == "发送"
        await browser.close()

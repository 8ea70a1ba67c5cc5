"""``fieldbot sandbox --web`` as a process: its first line is the page's URL on 127.0.0.1, the
page and its state are served there, and it says that it listens on that address only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_sandbox_web_prints_its_local_url_first_and_serves_the_page(tmp_path: Path) -> None:
    fieldbot = Path(sys.executable).with_name("fieldbot")
    env = {**os.environ, "FIELDBOT_LANGUAGE": "en"}
    process = subprocess.Popen(
        [str(fieldbot), "sandbox", "--web"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/"), url
        assert "127.0.0.1 only" in process.stdout.readline()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=10) as answer:
            page = answer.read().decode()
        assert 'data-testid="add-phone"' in page and "/static/app.js" in page
        with opener.open(url + "api/state", timeout=10) as answer:
            state = json.loads(answer.read())
        assert state["clock"] == "2026-09-14 08:30" and state["phones"] == []
        codes = {person["code"] for person in state["people"]}
        assert {"S01", "T02", "C001", "C003"} <= codes
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0

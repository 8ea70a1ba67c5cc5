"""The deployment files in deploy/: the systemd unit passes `systemd-analyze verify` (where the
tool exists) and asks for what a clean stop needs; the container file is the conventional one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
INSTALLED = "/opt/fieldbot/venv/bin/fieldbot"


def test_the_unit_restarts_on_failure_and_stops_with_sigterm() -> None:
    unit = (DEPLOY / "fieldbot.service").read_text(encoding="utf-8")
    for line in (
        "EnvironmentFile=/etc/fieldbot/fieldbot.env",
        "Restart=on-failure",
        "KillSignal=SIGTERM",
        f"ExecStart={INSTALLED} run",
    ):
        assert line in unit.splitlines(), line


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # verify insists that the command exists: point it at this checkout's fieldbot
    here = Path(sys.executable).with_name("fieldbot")
    assert here.exists()
    unit = (DEPLOY / "fieldbot.service").read_text(encoding="utf-8").replace(INSTALLED, str(here))
    copy = tmp_path / "fieldbot.service"
    copy.write_text(unit, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr + done.stdout


def test_the_container_file_runs_fieldbot_as_a_non_root_user() -> None:
    lines = (DEPLOY / "Containerfile").read_text(encoding="utf-8").splitlines()
    assert "FROM python:3.11-slim" in lines
    assert "RUN pip install . \\" in lines
    assert "USER fieldbot" in lines
    assert lines[-1] == 'CMD ["fieldbot", "run"]'

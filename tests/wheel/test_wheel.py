"""The package installs whole from a wheel: catalogs, migrations and the sample company."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("branches", "staff", "customers", "equipment", "contracts", "parts", "stock")


def _run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd, check=False
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_a_wheel_in_a_clean_venv_imports_the_sample_company(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        wheels,
        ROOT,
    )
    wheel = next(wheels.glob("fieldbot-*.whl"))

    # A new venv with only the wheel installed; the third-party dependencies are borrowed from
    # this environment through a path entry (no network in tests), never fieldbot itself.
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        wheel,
    )
    site = Path(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    )
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    work = tmp_path / "elsewhere"
    work.mkdir()
    located = _run(
        python,
        "-c",
        "import fieldbot, pathlib; print(pathlib.Path(fieldbot.__file__).parent)",
        cwd=work,
    )
    package = Path(located.strip())
    assert package.is_relative_to(site), f"fieldbot was imported from {package}, not the wheel"
    assert (package / "locales" / "zh_CN" / "LC_MESSAGES" / "fieldbot.po").is_file()
    for page in ("index.html", "app.js", "app.css"):  # fieldbot sandbox --web
        assert (package / "cli" / "web" / "static" / page).is_file()

    env = {
        **os.environ,
        "FIELDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{work}/fieldbot.db",
        "FIELDBOT_ENCRYPTION_KEY": _run(target / "bin" / "fieldbot", "keygen").strip(),
    }
    fieldbot = target / "bin" / "fieldbot"
    _run(fieldbot, "db", "upgrade", env=env, cwd=work)
    for kind in KINDS:
        out = _run(
            fieldbot, "import", kind, package / "examples" / f"{kind}.csv", env=env, cwd=work
        )
        assert f"{kind}:" in out and "added" in out
    assert "intact" in _run(fieldbot, "audit", "verify", env=env, cwd=work)

"""Report files written to a directory (the command line and the demo)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def write_files(directory: Path, stem: str, contents: Sequence[tuple[str, bytes]]) -> list[Path]:
    """``directory/<stem><suffix>`` for each ``(suffix, bytes)``, the directory made when
    missing; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, data in contents:
        path = directory / f"{stem}{suffix}"
        path.write_bytes(data)
        written.append(path)
    return written

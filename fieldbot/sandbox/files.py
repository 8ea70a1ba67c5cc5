"""The files people and the bot send: stored once, found by file_id and by download path."""

from __future__ import annotations

import itertools
import secrets

from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.models import ApiError, StoredFile, image_size


class Files:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._numbers = itertools.count(1)

    def store(
        self,
        data: bytes,
        *,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        if len(data) > self.limits.file_bytes:
            raise ApiError(413, "Request Entity Too Large")
        number = next(self._numbers)
        width, height = image_size(data) if kind == "photos" else (0, 0)
        if kind == "photos" and (width, height) == (0, 0):
            width, height = 320, 320
        suffix = _suffix(file_name, mime_type, kind)
        stored = StoredFile(
            file_id=("AgAC" if kind == "photos" else "BQAC") + secrets.token_urlsafe(24),
            file_unique_id="AQAD" + secrets.token_urlsafe(8),
            file_path=f"{kind}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)


def _suffix(file_name: str | None, mime_type: str | None, kind: str) -> str:
    if kind == "photos":
        return ".jpg"  # Telegram recompresses photos to JPEG
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1].lower()
    known = {
        "application/pdf": ".pdf",
        "image/png": ".png",
        "text/plain": ".txt",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    }
    return known.get(mime_type or "", "")

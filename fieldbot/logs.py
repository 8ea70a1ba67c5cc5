"""Log lines for an operator (DESIGN.md §8 ``FIELDBOT_LOG_FORMAT``): readable text by default,
one JSON object a line with ``json``.

What a line is about travels in context variables, set where the work starts (the update's
:class:`~fieldbot.handlers.turn.Turn`, a clock in the sweep) and read by the formatter, so no
call site passes it along: ``update_id``, ``person`` (``staff:12``, ``customer:3`` — the record's
id, never a phone or a name) and ``job`` (its number). ``duration_ms`` comes with a record
that measured something (``extra={"duration_ms": ...}``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any, Literal

FIELDS = ("update_id", "person", "job")
_context: ContextVar[tuple[tuple[str, object], ...]] = ContextVar("fieldbot_log", default=())


def current() -> dict[str, object]:
    """What the lines logged now are about."""
    return dict(_context.get())


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Lines logged inside carry ``fields`` (of :data:`FIELDS`; ``None`` values are left out)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"not a log field: {sorted(unknown)}")
    merged = {**current(), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(tuple(merged.items()))
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: object) -> None:
    """Add ``fields`` to the context until the enclosing :func:`log_context` ends."""
    merged = {**current(), **{k: v for k, v in fields.items() if v is not None}}
    _context.set(tuple(merged.items()))


def _about(record: logging.LogRecord) -> dict[str, object]:
    about = current()
    duration = getattr(record, "duration_ms", None)
    if duration is not None:
        about["duration_ms"] = round(float(duration), 1)
    return about


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and what it is about."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_about(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger message [update_id=… person=… job=… duration_ms=…]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        about = _about(record)
        if not about:
            return text
        head, newline, rest = text.partition("\n")
        tail = " ".join(f"{key}={value}" for key, value in about.items())
        return f"{head} [{tail}]{newline}{rest}"


def configure_logging(
    log_format: Literal["text", "json"], *, stream: IO[str] | None = None
) -> logging.Handler:
    """The root logger writes to ``stream`` (stderr) in ``log_format``, from INFO up."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler

"""Reading one file whole and checking every row: the records, or every problem at once."""

from __future__ import annotations

from pathlib import Path

from fieldbot.services.csvfile import Problem, Row, UndecodableText, decode, read_table
from fieldbot.services.imports.cells import Cells
from fieldbot.services.imports.kinds import Spec, spec_of
from fieldbot.services.imports.records import ImportFailed, KnownKeys, Parsed, Record
from fieldbot.settings import Settings


def parse_csv(kind: str, path: Path, known: KnownKeys, *, settings: Settings) -> list[Record]:
    """The records of one file, or :class:`ImportFailed` listing every problem."""
    return [parsed.record for parsed in parse_rows(kind, path, known, settings=settings)]


def parse_rows(kind: str, path: Path, known: KnownKeys, *, settings: Settings) -> list[Parsed]:
    """Like :func:`parse_csv`, keeping the line each record came from."""
    spec = spec_of(kind)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed([f"{name}:1: -: cannot read the file: {exc.strerror}"]) from None
    try:
        text = decode(data)
    except UndecodableText as exc:
        raise ImportFailed(
            [
                f"{name}:{exc.line}: -: the file is neither UTF-8 nor GB18030/GBK text "
                f"(byte 0x{exc.byte:02X}); save it as CSV UTF-8"
            ]
        ) from None
    table, problems = read_table(text)
    parsed: list[Parsed] = []
    if table is not None:
        problems.extend(check_header(spec, table.header_line, table.columns))
        if not any(p.line == table.header_line for p in problems):
            parsed = check_rows(spec, table.rows, known, settings, problems)
    if problems:
        problems.sort(key=lambda p: p.line)
        raise ImportFailed([f"{name}:{p.line}: {p.column}: {p.message}" for p in problems])
    return parsed


def check_header(spec: Spec, line: int, columns: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    allowed = spec.required + spec.optional
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            problems.append(Problem(line, "-", f"column {column!r} appears twice"))
        elif column not in allowed:
            expected = ", ".join(allowed)
            problems.append(
                Problem(line, "-", f"unknown column {column!r} (the columns are: {expected})")
            )
        seen.add(column)
    for column in spec.required:
        if column not in seen:
            problems.append(Problem(line, "-", f"missing column {column!r}"))
    return problems


def check_rows(
    spec: Spec, rows: list[Row], known: KnownKeys, settings: Settings, problems: list[Problem]
) -> list[Parsed]:
    parsed: list[Parsed] = []
    first_line: dict[tuple[str, ...], int] = {}
    for row in rows:
        cells = Cells(row, problems)
        record = spec.build(cells, known, settings)
        key = tuple(row.values.get(column, "") for column in spec.key)
        if all(key):
            if key in first_line:
                column = spec.key[0] if len(spec.key) == 1 else "-"
                shown = " + ".join(key)
                cells.fail(column, f"duplicate key {shown!r}, first on line {first_line[key]}")
            else:
                first_line[key] = row.line
        if not cells.failed:
            parsed.append(Parsed(row.line, record))
    return parsed

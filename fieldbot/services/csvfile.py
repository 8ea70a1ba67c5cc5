"""Reading a CSV file as people in China save it: encoding, header, rows with their line numbers.

Excel in China saves "CSV" as GB18030/GBK; "CSV UTF-8" adds a byte-order mark. The text is tried
as strict UTF-8 first (a BOM is dropped), then as GB18030, which is a superset of GBK.

Nothing here knows what the columns mean; :mod:`fieldbot.services.imports` does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, at a line (1 is the header) and a column (``-``: none in particular)."""

    line: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # the physical line the row starts on
    values: dict[str, str]  # column name -> stripped text ("" when empty)


@dataclass(frozen=True, slots=True)
class Table:
    header_line: int
    columns: tuple[str, ...]  # the named columns, lower case, in file order
    rows: list[Row]


class UndecodableText(Exception):
    def __init__(self, line: int, byte: int) -> None:
        super().__init__(f"undecodable byte 0x{byte:02X} on line {line}")
        self.line = line
        self.byte = byte


def decode(data: bytes) -> str:
    """Strict UTF-8 (BOM dropped), else GB18030; raises :class:`UndecodableText`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise UndecodableText(line, data[exc.start]) from None
    return text.removeprefix(BOM)


def read_table(text: str) -> tuple[Table | None, list[Problem]]:
    """Split decoded text into a header and rows.

    Column names are stripped and lower-cased; values are stripped. Blank lines are skipped. A
    column without a name (Excel's trailing commas) is allowed as long as it stays empty; a row
    with fewer fields than the header is reported, extra empty fields are not. Returns the table
    (None when there is no header at all) and the problems of shape found on the way; it does
    not judge which columns are expected.
    """
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
    rows: list[Row] = []
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(start, "-", f"not valid CSV: {exc}"))
            break
        previous_end = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if header is None:
            header = [name.strip().lower() for name in fields]
            header_line = start
            continue
        rows.append(_row(start, header, fields, problems))
    if header is None:
        if not problems:
            problems.append(Problem(1, "-", "the file is empty: expected a header row"))
        return None, problems
    named = tuple(name for name in header if name)
    return Table(header_line, named, rows), problems


def _row(line: int, header: list[str], fields: list[str], problems: list[Problem]) -> Row:
    values: dict[str, str] = {}
    for index, raw in enumerate(fields):
        value = raw.strip()
        name = header[index] if index < len(header) else ""
        if name:
            values[name] = value
        elif value:
            where = f"field {index + 1}"
            problems.append(Problem(line, "-", f"{where} has a value but its column has no name"))
    if len(fields) < len(header):
        problems.append(
            Problem(line, "-", f"the row has {len(fields)} fields, the header has {len(header)}")
        )
    return Row(line, values)

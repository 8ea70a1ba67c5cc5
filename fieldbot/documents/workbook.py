"""An XLSX workbook of sheets (openpyxl): one sheet a part, headers frozen and bold, number
formats per column, and a totals row of ``SUM`` formulas under the columns that add up."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

INTEGER = "0"
MONEY = '"¥"#,##0.00'  # a cell holding yuan (fen / 100)
HOURS = "0.00"
PERCENT = "0.0%"  # a cell holding a share (0.95 for 95 %)
RATING = "0.00"  # an average rating, 1 … 4


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str  # at most 31 characters, no []:*?/\
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    formats: Sequence[str | None] = ()  # per column, None: as is
    totals_label: str | None = None  # a totals row when given
    total_columns: Sequence[int] = field(default_factory=tuple)  # 0-based columns to sum
    widths: Sequence[float] = ()
    # (row of ``rows``, column), both 0-based -> a format that wins over the column's
    cell_formats: Mapping[tuple[int, int], str] = field(default_factory=dict)


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    for default in list(book.worksheets):
        book.remove(default)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        ws.append(list(sheet.headers))
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        for row in sheet.rows:
            ws.append(list(row))
        last = len(sheet.rows) + 1
        if sheet.totals_label is not None:
            totals: list[object] = [sheet.totals_label] + [None] * (len(sheet.headers) - 1)
            for column in sheet.total_columns:
                letter = get_column_letter(column + 1)
                totals[column] = f"=SUM({letter}2:{letter}{last})"
            ws.append(totals)
            for cell in ws[last + 1]:
                cell.font = bold
        for column, number_format in enumerate(sheet.formats, start=1):
            if number_format is None:
                continue
            for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = number_format
        for (row_index, column_index), number_format in sheet.cell_formats.items():
            ws.cell(row=row_index + 2, column=column_index + 1).number_format = number_format
        for column in range(1, len(sheet.headers) + 1):
            given = sheet.widths[column - 1] if column - 1 < len(sheet.widths) else None
            header = str(sheet.headers[column - 1])
            width = given or max(10.0, len(header.encode("gbk", "replace")) + 2.0)
            ws.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

"""Importing a company from CSV files (DESIGN.md §8 "Importing a company").

``fieldbot import KIND FILE.csv``: the file is read whole, every row is checked, and only when
nothing is wrong is anything written, in one unit of work. Every problem is reported as
``FILE:LINE: COLUMN: what is wrong``, where FILE is the path as given, LINE the physical line the
row starts on (1 is the header) and COLUMN the column concerned. ``-`` stands for the header
(an unknown, missing or repeated column is named in the message), the encoding, or the whole row
(wrong number of fields, a duplicate key made of several columns, the store refusing the row).

References point to rows already in the database, never to rows of the same file: import the
kinds in the order of :data:`KINDS` (``import_company`` does). Re-importing updates rows by
their key; rows missing from a re-import are left alone.

The package: :mod:`.records` (kinds, report, failure), :mod:`.cells` (one cell checked),
:mod:`.kinds` (one row builder per kind and the table of columns), :mod:`.reading` (a file read
whole, every problem collected) and :mod:`.apply` (written all or nothing). The names below are
its API (the command line and the tests use them).
"""

from fieldbot.services.imports.apply import import_company, import_file, known_keys
from fieldbot.services.imports.kinds import columns
from fieldbot.services.imports.reading import parse_csv, parse_rows
from fieldbot.services.imports.records import (
    KINDS,
    ImportFailed,
    ImportReport,
    KnownKeys,
    Parsed,
    Record,
)

__all__ = [
    "KINDS",
    "ImportFailed",
    "ImportReport",
    "KnownKeys",
    "Parsed",
    "Record",
    "columns",
    "import_company",
    "import_file",
    "known_keys",
    "parse_csv",
    "parse_rows",
]

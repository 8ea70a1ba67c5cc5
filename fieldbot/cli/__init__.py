"""The ``fieldbot`` command line (DESIGN.md §8).

Exit codes: 0 done; 1 refused (bad data, not found, not allowed) with the reason on stderr;
2 wrong usage. Listing commands take ``--json``.
"""

from __future__ import annotations

import typer

from fieldbot.cli import (
    admin,
    botcmd,
    calendar,
    complaints,
    customers,
    jobs,
    kpi,
    receivables,
    reports,
    staff,
)

app = typer.Typer(
    name="fieldbot",
    help="fieldbot: after-sales field service in Telegram.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
admin.register(app)
calendar.register(app)
jobs.register(app)
customers.register(app)
receivables.register(app)
reports.register(app)
complaints.register(app)
staff.register(app)
kpi.register(app)
botcmd.register(app)


def main() -> None:
    app()

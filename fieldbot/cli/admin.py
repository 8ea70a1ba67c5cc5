"""Admin commands: keys, the database, imports, the audit log."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fieldbot.cli.common import clock_for, open_store, refuse, run, settings

KINDS_HELP = "branches, staff, customers, equipment, contracts, parts or stock"


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="The database.", no_args_is_help=True)
    audit = typer.Typer(help="The event log.", no_args_is_help=True)
    app.add_typer(db, name="db")
    app.add_typer(audit, name="audit")

    @app.command()
    def keygen() -> None:
        """Print a new encryption key for FIELDBOT_ENCRYPTION_KEY."""
        from fieldbot.crypto import new_master_key

        print(new_master_key())

    @db.command("upgrade")
    def db_upgrade() -> None:
        """Create or migrate the database (Alembic); safe to run again."""
        from fieldbot.dbadmin import current_revision, upgrade

        config = settings()
        run(lambda: upgrade(config.database_url))
        revision = run(lambda: current_revision(config.database_url))
        print(f"database at revision {revision}")

    @db.command("backup")
    def db_backup(
        file: Annotated[Path, typer.Argument(help="the copy to write (replaced if there)")],
    ) -> None:
        """An online, consistent copy of the SQLite database (PostgreSQL: use pg_dump)."""
        from fieldbot.dbadmin import BackupRefused, backup_sqlite

        config = settings()
        try:
            pages = backup_sqlite(config.database_url, file)
        except BackupRefused as exc:
            refuse(str(exc))
        print(f"backed up {pages} pages to {file}")

    @app.command("import")
    def import_(
        kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
        file: Annotated[Path, typer.Argument(help="the CSV file (UTF-8 or GB18030)")],
        as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
    ) -> None:
        """Import a CSV file: all or nothing; re-importing updates rows by their key."""
        from fieldbot.services.imports import KINDS, ImportFailed, ImportReport, import_file

        if kind not in KINDS:
            print(f"unknown kind {kind!r}: expected {KINDS_HELP}", file=sys.stderr)
            raise typer.Exit(2)
        if not file.is_file():
            refuse(f"{file}: no such file")
        config = settings()
        clock = clock_for(config)

        async def go() -> ImportReport:
            async with open_store(config) as store:
                return await import_file(store, kind, file, settings=config, clock=clock)

        try:
            report = run(go)
        except ImportFailed as exc:
            refuse("\n".join(exc.errors))
        counts = {
            "kind": kind,
            "added": report.added,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        if as_json:
            print(json.dumps(counts))
        else:
            print(
                f"{kind}: {counts['added']} added, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged"
            )

    @audit.command("verify")
    def audit_verify(
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Check the hash chain of the event log; exit 1 when it is broken."""
        from fieldbot.repositories.events import VerifyResult, verify

        config = settings()

        async def go() -> VerifyResult:
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                return await verify(uow.connection)

        result = run(go)
        if as_json:
            print(
                json.dumps(
                    {
                        "ok": result.ok,
                        "count": result.count,
                        "problem": result.problem,
                        "at_seq": result.at_seq,
                    }
                )
            )
        if not result.ok:
            refuse(f"event log broken at #{result.at_seq}: {result.problem}")
        if not as_json:
            print(f"event log intact: {result.count} events")

    @audit.command("access")
    def audit_access(
        code: Annotated[str, typer.Argument(help="the customer's code, e.g. C001")],
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Who was shown the customer's phone, where and when (oldest first)."""
        from zoneinfo import ZoneInfo

        from fieldbot.domain.errors import DomainError
        from fieldbot.i18n import local_text
        from fieldbot.services.access_log import Access, accesses

        config = settings()

        async def go() -> list[Access]:
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                return await accesses(uow, code)

        try:
            found = run(go)
        except DomainError as exc:
            refuse(str(exc))
        tz = ZoneInfo(config.timezone)
        if as_json:
            rows = [
                {
                    "at": a.at.astimezone(tz).isoformat(),
                    "who": a.who,
                    "name": a.name,
                    "shown": a.shown,
                    "job": a.job,
                }
                for a in found
            ]
            print(json.dumps(rows, ensure_ascii=False))
            return
        if not found:
            print(f"{code.strip()}: nobody was shown this customer's phone")
            return
        print_table(
            f"Who saw the phone of {code.strip()}",
            ["at", "who", "name", "where", "job"],
            [[local_text(a.at, tz), a.who, a.name or "-", a.shown, a.job or "-"] for a in found],
        )


def print_table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console().print(table)

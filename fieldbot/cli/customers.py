"""``fieldbot customer``: personal data on request (DESIGN.md §6, §8) — everything held about
a customer as JSON, and the erasure of their personal data with their jobs kept."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from fieldbot.cli.common import (
    BY_HELP,
    clock_for,
    confirmed,
    open_store,
    operator,
    refuse,
    run,
    settings,
)
from fieldbot.domain.errors import DomainError


def register(app: typer.Typer) -> None:
    customer = typer.Typer(help="Customers: personal data on request.", no_args_is_help=True)
    app.add_typer(customer, name="customer")

    @customer.command("export")
    def export(
        code: Annotated[str, typer.Argument(help="the customer's code, e.g. C001")],
        out: Annotated[
            Path | None, typer.Option("--out", help="write the JSON to this file, not stdout")
        ] = None,
        by: Annotated[str | None, typer.Option("--by", help=BY_HELP)] = None,
    ) -> None:
        """Everything held about the customer, decrypted, as JSON (their jobs included);
        reading it is recorded as an access to their phone."""
        from fieldbot.services.personal_data import export_customer

        config = settings()
        clock = clock_for(config)
        who = operator(by)

        async def go() -> dict[str, Any]:
            async with open_store(config) as store, store.unit_of_work() as uow:
                data = await export_customer(uow, code, operator=who, now=clock.now())
                await uow.commit()
                return data

        try:
            data = run(go)
        except DomainError as exc:
            refuse(str(exc))
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if out is None:
            print(text)
            return
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            refuse(f"{out}: {exc.strerror or exc}")
        print(f"{code.strip()}: written to {out}", file=sys.stderr)

    @customer.command("erase")
    def erase(
        code: Annotated[str, typer.Argument(help="the customer's code, e.g. C001")],
        yes: Annotated[bool, typer.Option("--yes", help="do not ask for a confirmation")] = False,
        by: Annotated[str | None, typer.Option("--by", help=BY_HELP)] = None,
    ) -> None:
        """Erase the customer's name, phone, address, chat binding and photos of signatures;
        their jobs stay, anonymised, and the event log records who erased it."""
        from fieldbot.services import personal_data

        config = settings()
        clock = clock_for(config)
        who = operator(by)
        question = f"Erase the personal data of customer {code.strip()}? It cannot be undone"
        if not confirmed(question, yes=yes):
            refuse("nothing erased")

        async def go() -> personal_data.Erased:
            async with open_store(config) as store:
                return await personal_data.erase(store, clock, code, operator=who)

        try:
            erased = run(go)
        except DomainError as exc:
            refuse(str(exc))
        if erased.already:
            print(f"{erased.code}: already erased on {erased.at.isoformat()}; nothing changed")
            return
        print(
            f"{erased.code}: personal data erased by {who}; {erased.jobs} job(s) kept, "
            f"{erased.messages} message(s) removed"
        )
        if erased.log_emptied is False:
            print(
                "the write-ahead log is still in use by another process: it is emptied at its "
                "next checkpoint",
                file=sys.stderr,
            )

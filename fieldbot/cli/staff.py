"""``fieldbot staff list [--json]`` (who is active, away and bound) and ``fieldbot staff leave
CODE [--yes]`` (offboarding, DESIGN.md §6 and §8)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fieldbot.cli.common import clock_for, open_store, refuse, run, settings
from fieldbot.domain.errors import DomainError
from fieldbot.domain.money import Money, format_money

if TYPE_CHECKING:
    from fieldbot.services.offboarding import Departure, LeavePlan
    from fieldbot.services.roster import RosterEntry


def register(app: typer.Typer) -> None:
    staff = typer.Typer(help="Staff: who is active, away and bound; offboarding.")
    app.add_typer(staff, name="staff", no_args_is_help=True)

    @staff.command("list")
    def list_(
        as_json: Annotated[bool, typer.Option("--json", help="a list of staff as JSON")] = False,
    ) -> None:
        """Every member of staff: code, name, roles, branch, active, away (until), bound."""
        from fieldbot.services.roster import roster

        config = settings()
        now = clock_for(config).now()

        async def go() -> list[RosterEntry]:
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                return await roster(uow, config, now)

        found = run(go)
        if as_json:
            print(json.dumps([entry_json(e) for e in found], ensure_ascii=False))
            return
        print(
            f"{'code':<6} {'name':<16} {'roles':<24} {'branch':<6} {'active':<6} away{'':<7}bound"
        )
        for e in found:
            roles = ";".join(e.roles)
            away = e.away_until.isoformat() if e.away_until else "-"
            print(
                f"{e.code:<6} {e.name:<16} {roles:<24} {e.branch or '-':<6} "
                f"{'yes' if e.active else 'no':<6} {away:<11} {'yes' if e.bound else 'no'}"
            )

    @staff.command("leave")
    def leave_(
        code: Annotated[str, typer.Argument(help="the staff code, e.g. T01")],
        yes: Annotated[bool, typer.Option("--yes", help="ask no question")] = False,
    ) -> None:
        """Offboard a person at once: inactive, jobs back to the queue, van stock to the branch
        store, cash held to the supervisor, invites revoked. Safe to run again."""
        from fieldbot.services.offboarding import leave, left_at, plan_leave

        config = settings()
        clock = clock_for(config)

        async def preview() -> tuple[LeavePlan, Any]:
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                plan = await plan_leave(uow, code)
                return plan, await left_at(uow, plan.staff.id)

        try:
            plan, earlier = run(preview)
        except DomainError as exc:
            refuse(str(exc))
        if earlier is None and not yes and sys.stdin.isatty():
            print("\n".join(plan_lines(plan)))
            if not typer.confirm(f"{plan.staff.staff.code} leaves now?", default=False):
                refuse("nothing was changed")

        async def go() -> Departure:
            async with open_store(config) as store, store.unit_of_work() as uow:
                done = await leave(uow, config, clock, staff=code)
                await uow.commit()
                return done

        try:
            departure = run(go)
        except DomainError as exc:
            refuse(str(exc))
        if departure.already_left:
            print(f"{code} already left on {departure.left_at.isoformat()}; nothing was changed")
            return
        print("\n".join(plan_lines(departure.plan)))
        receiver = departure.cash_to
        if receiver is not None:
            print(f"cash handed to {receiver.staff.code}, pending the accountant")
        print(f"{departure.plan.invites} unused invites revoked; {code} has left")


def entry_json(e: RosterEntry) -> dict[str, Any]:
    return {
        "code": e.code,
        "name": e.name,
        "roles": list(e.roles),
        "branch": e.branch,
        "active": e.active,
        "away_until": e.away_until.isoformat() if e.away_until else None,
        "bound": e.bound,
    }


def plan_lines(plan: LeavePlan) -> list[str]:
    row = plan.staff
    numbers = ", ".join(j.number for j in (*plan.requeue, *plan.from_site)) or "-"
    kept = ", ".join(f"{j.number} ({j.state.value})" for j in plan.kept) or "-"
    stock = ", ".join(f"{s.part}×{s.quantity}" for s in plan.stock) or "-"
    return [
        f"{row.staff.code} {row.staff.name}",
        f"back to the queue: {numbers}",
        f"kept as they are: {kept}",
        f"van stock to {plan.store}: {stock}",
        f"cash held: {format_money(Money(plan.cash_fen))}",
    ]

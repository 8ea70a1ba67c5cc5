"""Stock that warns (issue 14, DESIGN.md §8 stock): a level below its min_quantity tells the
storekeeper once — through a part used on a job, a move, or an import — until it is back at or
above it; a later drop tells again. The minimum comes from the stock import."""

from __future__ import annotations

from pathlib import Path

from fieldbot.repositories.outbox import OutboxMessage
from fieldbot.services import spare_parts
from fieldbot.services.imports import import_file
from fieldbot.services.stock_levels import LOW_STOCK, stock_page

from .conftest import STAFF_USERS, Flow, to_on_site

HEADER = "location,part,quantity,min_quantity"


async def _import(flow: Flow, tmp_path: Path, *rows: str) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    await import_file(flow.store, "stock", path, settings=flow.settings, clock=flow.clock)


async def _warnings(flow: Flow, user: str = "K01") -> list[OutboxMessage]:
    return [m for m in await flow.outbox(STAFF_USERS[user]) if m.template == LOW_STOCK]


def _about(message: OutboxMessage) -> tuple[object, ...]:
    args = message.params["args"]
    return (args["location"], args["part"], args["quantity"], args["minimum"])


async def test_a_part_used_on_a_job_warns_once_and_again_after_a_refill(
    flow: Flow, tmp_path: Path
) -> None:
    await _import(flow, tmp_path, "van:T01,P005,2,2")  # at the minimum: nothing to tell
    assert await _warnings(flow) == []
    job = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job, "T01")
    use = spare_parts.use_parts
    await flow.run(use, job=job.id, actor="T01", parts=[("P005", 1)])
    (first,) = await _warnings(flow)
    van_t01 = {"t": "the van of {code}", "args": {"code": "T01"}}
    assert _about(first) == (van_t01, "P005", 1, 2)
    assert first.params["args"]["name"]  # the part's name from the catalogue
    await flow.run(use, job=job.id, actor="T01", parts=[("P005", 1)])  # still below: once
    assert len(await _warnings(flow)) == 1
    assert await _warnings(flow, "T01") == []  # the storekeeper is told, not the technician

    await _import(flow, tmp_path, "van:T01,P005,3,")  # a refill; the minimum stays 2
    assert len(await _warnings(flow)) == 1
    await flow.run(use, job=job.id, actor="T01", parts=[("P005", 2)])
    warnings = await _warnings(flow)
    assert [_about(w) for w in warnings] == [(van_t01, "P005", 1, 2), (van_t01, "P005", 1, 2)]


async def test_a_move_out_of_a_store_warns_and_the_van_it_fills_is_rearmed(
    flow: Flow, tmp_path: Path
) -> None:
    central = await flow.stock("central", "P004")
    await _import(flow, tmp_path, f"central,P004,{central},{central}", "van:T01,P004,0,1")
    (van_low,) = await _warnings(flow)  # the import left the van below its minimum
    assert _about(van_low)[1:] == ("P004", 0, 1)
    job = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job, "T01")
    used = await flow.run(spare_parts.use_parts, job=job.id, actor="T01", parts=[("P004", 1)])
    (request,) = used.requests
    await flow.run(spare_parts.deliver_part, request_id=request.id, actor="K01")
    warnings = await _warnings(flow)
    assert len(warnings) == 2
    central_low = {"t": "the central warehouse"}
    assert _about(warnings[-1]) == (central_low, "P004", central - 1, central)
    # The van, back at its minimum, warns again when the part is used on the next visit.
    again = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, again, "T01")
    await flow.run(spare_parts.use_parts, job=again.id, actor="T01", parts=[("P004", 1)])
    assert [_about(w)[1:] for w in await _warnings(flow)] == [
        ("P004", 0, 1),
        ("P004", central - 1, central),
        ("P004", 0, 1),
    ]


async def test_an_import_warns_once_per_drop(flow: Flow, tmp_path: Path) -> None:
    await _import(flow, tmp_path, "SH01,P002,1,3")
    assert len(await _warnings(flow)) == 1
    await _import(flow, tmp_path, "SH01,P002,1,3")  # unchanged
    await _import(flow, tmp_path, "SH01,P002,2,3")  # changed, still below
    assert len(await _warnings(flow)) == 1
    await _import(flow, tmp_path, "SH01,P002,3,")  # back at the minimum
    await _import(flow, tmp_path, "SH01,P002,2,")  # a new drop
    await _import(flow, tmp_path, "SH01,P002,2,5")  # a higher minimum: still the same drop
    warnings = await _warnings(flow)
    assert [_about(w)[2:] for w in warnings] == [(1, 3), (2, 3)]
    assert len(await _warnings(flow, "S01")) == 0


async def test_nobody_to_tell_leaves_the_drop_to_the_next_change_and_leavers_vans_are_not_watched(
    flow: Flow, tmp_path: Path
) -> None:
    async with flow.store.unit_of_work() as uow:
        await uow.staff.set_active("K01", False)  # no storekeeper left
        await uow.commit()
    await _import(flow, tmp_path, "SH01,P002,1,3")
    async with flow.store.unit_of_work() as uow:
        await uow.staff.set_active("K01", True)
        await uow.commit()
    assert await _warnings(flow) == []
    await _import(flow, tmp_path, "SH01,P002,0,")
    assert [_about(w)[2:] for w in await _warnings(flow)] == [(0, 3)]
    # The van of someone who left is not watched (nobody refills it).
    async with flow.store.unit_of_work() as uow:
        await uow.staff.set_active("T03", False)
        await uow.commit()
    await _import(flow, tmp_path, "van:T03,P004,0,2")
    assert len(await _warnings(flow)) == 1


async def test_a_page_of_stock_lists_those_below_their_minimum_first(
    flow: Flow, tmp_path: Path
) -> None:
    await _import(flow, tmp_path, "van:T01,P036,1,2", "van:T01,P035,10,4")
    found = await flow.read(lambda uow: stock_page(uow, "van:T01", 1, size=5))
    assert (found.total, found.below, found.pages, found.next_page) == (12, 1, 3, 2)
    assert [(line.part, line.quantity, line.minimum, line.below) for line in found.lines] == [
        ("P036", 1, 2, True),
        ("P004", 0, None, False),
        ("P005", 2, None, False),
        ("P006", 4, None, False),
        ("P007", 3, None, False),
    ]
    last = await flow.read(lambda uow: stock_page(uow, "van:T01", 3, size=5))
    assert [line.part for line in last.lines] == ["P035", "P037"]
    assert last.lines[0].minimum == 4 and last.next_page is None

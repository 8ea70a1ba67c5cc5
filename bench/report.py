"""The table: both runs in absolute figures, and fieldbot's figures as ratios to the floor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.table import Table

from bench.load import RunResult


@dataclass(frozen=True, slots=True)
class Ratios:
    """fieldbot / floor. Throughput: below 1 is slower. Latency: above 1 is slower."""

    throughput: float
    p50: float
    p99: float


def ratios(bot: RunResult, floor: RunResult) -> Ratios:
    return Ratios(
        throughput=bot.throughput / floor.throughput,
        p50=bot.p50 / floor.p50,
        p99=bot.p99 / floor.p99,
    )


def table(floor: RunResult, bot: RunResult, caption: str) -> Table:
    result = Table(title="fieldbot against the floor", caption=caption, caption_justify="left")
    for column in ("run", "phones", "messages", "seconds", "updates/s", "p50 ms", "p99 ms", "429s"):
        result.add_column(column, justify="left" if column == "run" else "right")
    for run in (floor, bot):
        result.add_row(
            run.name,
            str(run.phones),
            str(run.messages),
            f"{run.seconds:.2f}",
            f"{run.throughput:.1f}",
            f"{run.p50 * 1000:.1f}",
            f"{run.p99 * 1000:.1f}",
            str(run.rejected),
        )
    r = ratios(bot, floor)
    result.add_section()
    result.add_row(
        "fieldbot / floor", "", "", "", f"{r.throughput:.2f}x", f"{r.p50:.2f}x", f"{r.p99:.2f}x", ""
    )
    return result


def as_json(floor: RunResult, bot: RunResult, conditions: str) -> dict[str, Any]:
    def run(r: RunResult) -> dict[str, Any]:
        return {
            "name": r.name,
            "phones": r.phones,
            "messages": r.messages,
            "seconds": r.seconds,
            "updates_per_s": r.throughput,
            "p50_ms": r.p50 * 1000,
            "p99_ms": r.p99 * 1000,
            "rejected_429": r.rejected,
        }

    r = ratios(bot, floor)
    return {
        "conditions": conditions,
        "floor": run(floor),
        "fieldbot": run(bot),
        "ratio": {"throughput": r.throughput, "p50": r.p50, "p99": r.p99},
    }

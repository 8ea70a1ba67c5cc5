"""``python -m bench [--quick]``: the floor, then fieldbot, then the table.
``python -m bench reports [--quick]``: the end-of-day reports of one branch with 2,000
technicians against bare openpyxl + matplotlib (:mod:`bench.daily_report`).

Exit 0 whatever the figures are (nothing is judged); 1 when a run crashes or a bot does not
answer; 2 on wrong usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import sys
from pathlib import Path

import telegram
from rich.console import Console

from bench import daily_report
from bench.report import as_json, table
from bench.scenarios import (
    STAFF_CODES,
    Conditions,
    compare,
    relaxed_limits,
    telegram_limits,
)

QUICK_MESSAGES = 30
FULL_MESSAGES = 300
DEFAULT_PHONES = 6
QUICK_ROUNDS = 2
FULL_ROUNDS = 6


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="fieldbot against a bare python-telegram-bot echo bot on the same sandbox",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_MESSAGES} messages a run (CI)"
    )
    parser.add_argument(
        "--messages",
        type=int,
        help=f"messages a run (default {FULL_MESSAGES}; quick {QUICK_MESSAGES})",
    )
    parser.add_argument(
        "--phones",
        type=int,
        default=DEFAULT_PHONES,
        help=f"phones sending at once, one message in flight each (1-{len(STAFF_CODES)})",
    )
    parser.add_argument(
        "--limits",
        choices=("relaxed", "telegram"),
        default="relaxed",
        help="relaxed: sandbox limits and fieldbot's send rate far above both bots (default); "
        "telegram: Telegram's limits and fieldbot's default send rate",
    )
    parser.add_argument(
        "--db",
        help="fieldbot's database URL (a PostgreSQL server URL: a fresh "
        "database on it); default a temporary SQLite file",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help=f"alternating rounds the messages are split into (default {FULL_ROUNDS}; "
        f"quick {QUICK_ROUNDS})",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.phones <= len(STAFF_CODES):
        parser.error(f"--phones must be 1-{len(STAFF_CODES)}")
    if args.messages is None:
        args.messages = QUICK_MESSAGES if args.quick else FULL_MESSAGES
    if args.rounds is None:
        args.rounds = QUICK_ROUNDS if args.quick else FULL_ROUNDS
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.messages < args.phones * args.rounds:
        parser.error("--messages must be at least --phones times --rounds")
    return args


async def bench(args: argparse.Namespace, console: Console) -> int:
    conditions: Conditions = (relaxed_limits if args.limits == "relaxed" else telegram_limits)(
        args.db
    )
    console.print(
        f"floor and fieldbot: {args.messages} messages each from {args.phones} phones, "
        f"in {args.rounds} alternating rounds ..."
    )
    floor, bot = await compare(args.messages, args.phones, conditions, args.rounds)
    caption = (
        "floor: a bare python-telegram-bot echo bot; fieldbot: the real bot answering /help "
        f"from bound staff.\n{conditions.describe()}.\nOne message in flight per phone; "
        "latency: a phone's message to the bot's reply in the sandbox, real time; "
        "429s: sends the sandbox refused during the load.\n"
        f"Python {platform.python_version()}, python-telegram-bot {telegram.__version__}."
    )
    console.print(table(floor, bot, caption))
    if args.json is not None:
        args.json.write_text(json.dumps(as_json(floor, bot, conditions.describe()), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    reports = argv[:1] == ["reports"]
    args = daily_report.parse_args(argv[1:]) if reports else parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    console = Console()
    if not console.is_terminal:  # CI logs: wide enough for the table without wrapping
        console = Console(width=100)
    try:
        if reports:
            return daily_report.main(args, console)
        return asyncio.run(bench(args, console))
    except Exception:
        console.print_exception()
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""Running the bot: run, worker, sweep, invite, the sandbox and the demo."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from typing import Annotated

import typer

from fieldbot.cli.common import clock_for, open_store, refuse, run, settings
from fieldbot.settings import Settings


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_(
        webhook: Annotated[
            str | None,
            typer.Option("--webhook", help="public URL: webhook mode instead of polling"),
        ] = None,
    ) -> None:
        """The bot: updates (long polling, or webhook), the sweep and the sender."""
        _serve(poll=True, webhook=webhook)

    @app.command()
    def worker() -> None:
        """The sweep and the sender only (no updates)."""
        _serve(poll=False, webhook=None)

    @app.command()
    def sweep() -> None:
        """One pass of the deadline sweep and the outbox, for cron."""
        from fieldbot.bot.runtime import BotRuntime

        config = settings()

        async def go() -> None:
            runtime = BotRuntime(config, clock_for(config), poll=False, send=False)
            await runtime.start()
            try:
                await runtime.run_due()
            finally:
                await runtime.stop()

        run(go)

    @app.command()
    def invite(staff_code: Annotated[str, typer.Argument(help="the staff record's code")]) -> None:
        """Print a single-use invite: payload, deep link and a QR code."""
        from fieldbot.rendering import qr_terminal
        from fieldbot.services.registration import RegistrationRefused, create_staff_invite

        config = settings()

        async def go() -> tuple[str, str]:
            username = config.bot_username or await _ask_username(config)
            async with open_store(config) as store, store.unit_of_work() as uow:
                created = await create_staff_invite(
                    uow,
                    staff_code,
                    now=clock_for(config).now(),
                    hours=config.invite_hours,
                    actor="admin:cli",
                )
                await uow.commit()
            return created.payload, username

        try:
            payload, username = run(go)
        except RegistrationRefused as exc:
            refuse(str(exc))
        link = f"https://t.me/{username}?start={payload}"
        print(payload)
        print(link)
        print(qr_terminal(link))

    @app.command()
    def sandbox(
        port: Annotated[int, typer.Option(help="0: a free port")] = 0,
        web: Annotated[
            bool,
            typer.Option(
                help="the phones side by side in a browser page, with the bot on the sample "
                "company (prints the page's URL first)"
            ),
        ] = False,
        host: Annotated[
            str, typer.Option(help="--web: where the page listens (a test tool: keep it local)")
        ] = "127.0.0.1",
    ) -> None:
        """The Bot API sandbox on 127.0.0.1, standalone; prints its base URL and token."""
        if web:
            _serve_web(host, port)
            return
        from fieldbot.sandbox.server import run_standalone

        run_standalone(port=port)

    @app.command()
    def demo(
        out: Annotated[str, typer.Option(help="where the demo leaves its files")] = "demo-output",
        lang: Annotated[
            str, typer.Option("--lang", help="zh_CN or en: the narration's language")
        ] = "zh_CN",
        quick: Annotated[bool, typer.Option(help="a few bulk calls instead of all")] = False,
    ) -> None:
        """The simulated working day on the sandbox, narrated; files in demo-output/."""
        from fieldbot.cli.demo import run_demo
        from fieldbot.domain.model import Language

        if lang not in {language.value for language in Language}:
            raise typer.BadParameter("zh_CN or en", param_hint="--lang")
        asyncio.run(run_demo(out, lang, quick=quick))


def _serve_web(host: str, port: int) -> None:
    from fieldbot.cli.web import serve
    from fieldbot.domain.model import Language
    from fieldbot.i18n import N_, Catalogs

    # The terminal's lines follow FIELDBOT_LANGUAGE when it names a language; nothing else
    # of the configuration is read (the sandbox makes its own database and key).
    wanted = os.environ.get("FIELDBOT_LANGUAGE", Language.ZH_CN.value)
    known = {language.value for language in Language}
    tr = Catalogs.load().translator(wanted if wanted in known else Language.ZH_CN)

    def ready(url: str) -> None:
        print(url, flush=True)
        print(
            tr.gettext(
                N_("Listening on {host} only: a test and training tool, not the product's UI."),
                host=host,
            ),
            flush=True,
        )
        print(tr.gettext(N_("Ctrl+C stops the sandbox.")), flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host=host, port=port, ready=ready))


async def _ask_username(config: Settings) -> str:
    from telegram import Bot

    api = config.bot_api_url
    async with Bot(config.token(), base_url=f"{api}/bot") as bot:
        return bot.username


def _serve(*, poll: bool, webhook: str | None) -> None:
    from fieldbot.bot.runtime import BotRuntime
    from fieldbot.logs import configure_logging
    from fieldbot.metrics import Metrics

    config = settings()
    configure_logging(config.log_format)

    async def go() -> None:
        runtime = BotRuntime(
            config,
            clock_for(config),
            poll=poll,
            webhook_url=webhook,
            sweep_every=config.sweep_seconds,
            metrics=Metrics() if config.health_port else None,
        )
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        await runtime.start()
        try:
            await stopping.wait()
            logging.getLogger("fieldbot").info("stopping: the send in flight finishes first")
        finally:
            await runtime.stop()

    with contextlib.suppress(KeyboardInterrupt):
        run(go)

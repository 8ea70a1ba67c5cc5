"""``fieldbot demo``: one working day of the sample company on the Bot API sandbox, narrated.

Everything is real: the sandbox serves the Bot API over HTTP, the bot is the same runtime
``fieldbot run`` starts, the database is an SQLite file in the output directory, and the
simulated phones press the same buttons people press (the scripted steps of
:mod:`fieldbot.sandbox.steps` that the tests use too). :mod:`.day` is the order of the day;
:mod:`.stage` the narration and its files; the scenes live in :mod:`.office`, :mod:`.field`,
:mod:`.feedback` and :mod:`.reports`.
"""

from fieldbot.cli.demo.day import run_demo

__all__ = ["run_demo"]

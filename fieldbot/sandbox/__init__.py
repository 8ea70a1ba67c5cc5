"""The Bot API sandbox: a local imitation of Telegram's Bot API with simulated phones.

The test driver of DESIGN.md §9 is :mod:`fieldbot.sandbox.driver`; the HTTP server is
:mod:`fieldbot.sandbox.server`; :mod:`fieldbot.sandbox.harness` runs the real bot inside it
(its settings, databases and the cached company template); a bot in another process follows
the simulated time through :class:`fieldbot.sandbox.clock.SandboxClock`. Only the command line
(``fieldbot demo``, ``fieldbot sandbox``) and the tests use this package.
"""

from fieldbot.sandbox.clock import SandboxClock
from fieldbot.sandbox.faults import Faults
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.server import SandboxServer, run_standalone, serve

__all__ = ["Faults", "Limits", "SandboxClock", "SandboxServer", "run_standalone", "serve"]

"""``fieldbot sandbox --web``: the sandbox's phones side by side in a browser page (issue 16).

A test and training tool, not the product's UI: it binds to 127.0.0.1 unless told otherwise.
"""

from fieldbot.cli.web.console import WebConsole, serve

__all__ = ["WebConsole", "serve"]

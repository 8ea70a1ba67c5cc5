"""``python -m fieldbot`` is the ``fieldbot`` command."""

from fieldbot.cli import main

main()

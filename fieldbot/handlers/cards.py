"""What a card is: a message the bot shows, built apart from the handler that sends it.

A card is its template (``@lines`` for a card of several lines), the template's arguments,
its buttons (label, action, payload: the action is a route's key), the extra parameters of
the outbox row (a reply keyboard, a QR code) and what its buttons are for (``key``, e.g.
:func:`fieldbot.services.workflow.card_key`: a card shown with a key is remembered like a
pushed one and loses its keyboard once that is done). The cards of each audience are built in
``handlers/<audience>/cards.py``; a handler shows one with :meth:`Turn.show`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldbot.services.workflow import ButtonSpec

Keyboard = list[list[ButtonSpec]]


@dataclass(frozen=True, slots=True)
class Card:
    template: str
    args: Mapping[str, Any] = field(default_factory=dict)
    buttons: Sequence[Sequence[ButtonSpec]] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    key: str | None = None  # what the buttons are for (None: nothing to retire them)


def lines_card(
    lines: Sequence[Mapping[str, Any]],
    buttons: Sequence[Sequence[ButtonSpec]] = (),
    *,
    key: str | None = None,
) -> Card:
    """A card of several lines, each ``{"t": template, "args": {...}}``."""
    return Card("@lines", buttons=buttons, extra={"lines": list(lines)}, key=key)

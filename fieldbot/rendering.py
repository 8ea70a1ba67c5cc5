"""Outbox messages are stored as a template key and parameters; they become text here, at
send time, in the recipient's language.

The template key is the message's gettext id (marked with ``N_`` where it is enqueued), or
``@lines`` for a message made of several texts. Parameters are JSON:

- ``args``: the placeholders. A plain value is used as is; a dict is typed:
  ``{"money": fen}``, ``{"dt": iso, "tz": name}``, ``{"t": msgid, "args": {...}}`` (a nested
  translated text) or ``{"customer": id, "field": "name"|"phone"|"address"}`` — personal data
  is never copied into the outbox, only looked up when the message is rendered; likewise
  ``{"staff": id, "field": "name"}`` for a member of staff.
  ``{"roles": [role, ...]}`` (role names in the reader's language).
- ``lines``: for ``@lines``, a list of ``{"t": msgid, "args": {...}}``.
- ``buttons``: rows of ``{"label": msgid, "token": callback token}`` or
  ``{"label": msgid, "url": url}``; ``label_args`` optional; ``raw: true`` for a label that is
  not to be translated (a name, a language's own name).
- ``reply``: ``{"contact": msgid}`` or ``{"location": msgid}`` for a one-button reply keyboard,
  or ``{"remove": true}``.
- ``qr``: a URL rendered as a QR code photo, the text becoming its caption.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fieldbot.domain.money import Money, format_money
from fieldbot.i18n import N_, Translator

LINES = "@lines"
LOCATION = "@location"  # params {"location": [latitude, longitude]}: a location pin, no text

ROLE_NAMES = {
    "technician": N_("technician"),
    "supervisor": N_("supervisor"),
    "manager": N_("manager"),
    "deputy_gm": N_("deputy general manager"),
    "clerk": N_("follow-up clerk"),
    "accountant": N_("accountant"),
    "storekeeper": N_("storekeeper"),
    "admin": N_("administrator"),
}

# (customer id, field) -> plain text; the store decrypts.
CustomerLookup = Callable[[int, str], Awaitable[str]]
# (staff id, field) -> plain text.
StaffLookup = Callable[[int, str], Awaitable[str]]


@dataclass(frozen=True)
class Button:
    label: str
    token: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    reply_request: str | None = None  # "contact" or "location"
    reply_label: str | None = None
    remove_reply_keyboard: bool = False
    qr_png: bytes | None = None
    location: tuple[float, float] | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)


class Renderer:
    def __init__(
        self,
        customer_lookup: CustomerLookup | None = None,
        staff_lookup: StaffLookup | None = None,
    ) -> None:
        self._customer_lookup = customer_lookup
        self._staff_lookup = staff_lookup

    async def render(self, t: Translator, template: str, params: Mapping[str, Any]) -> Rendered:
        if template == LOCATION:
            latitude, longitude = params["location"]
            return Rendered(text="", location=(float(latitude), float(longitude)))
        if template == LINES:
            parts = [
                await self._text(t, line["t"], line.get("args", {})) for line in params["lines"]
            ]
            text = "\n".join(parts)
        else:
            text = await self._text(t, template, params.get("args", {}))
        buttons: list[tuple[Button, ...]] = []
        for row in params.get("buttons", ()):
            buttons.append(tuple([await self._button(t, spec) for spec in row]))
        reply = params.get("reply") or {}
        request = next((kind for kind in ("contact", "location") if kind in reply), None)
        qr = params.get("qr")
        return Rendered(
            text=text,
            buttons=tuple(buttons),
            reply_request=request,
            reply_label=t.gettext(reply[request]) if request else None,
            remove_reply_keyboard=bool(reply.get("remove")),
            qr_png=qr_png(qr) if qr else None,
        )

    async def _button(self, t: Translator, spec: Mapping[str, Any]) -> Button:
        if spec.get("raw"):
            label = str(spec["label"])
        else:
            label = await self._text(t, spec["label"], spec.get("label_args", {}))
        return Button(label=label, token=spec.get("token"), url=spec.get("url"))

    async def _text(self, t: Translator, msgid: str, args: Mapping[str, Any]) -> str:
        resolved = {name: await self._value(t, value) for name, value in args.items()}
        return t.gettext(msgid, **resolved) if resolved else t.gettext(msgid)

    async def _value(self, t: Translator, value: Any) -> object:
        if not isinstance(value, Mapping):
            return value
        if "money" in value:
            return format_money(Money(int(value["money"])))
        if "dt" in value:
            instant = datetime.fromisoformat(value["dt"])
            return t.datetime(instant, value.get("tz", "Asia/Shanghai"), value.get("fmt", "short"))
        if "t" in value:
            return await self._text(t, value["t"], value.get("args", {}))
        if "roles" in value:
            names = [t.gettext(ROLE_NAMES.get(role, role)) for role in value["roles"]]
            return t.gettext(", ").join(names)
        if "customer" in value:
            if self._customer_lookup is None:
                raise LookupError("rendering a customer's data needs a customer lookup")
            return await self._customer_lookup(int(value["customer"]), str(value["field"]))
        if "staff" in value:
            if self._staff_lookup is None:
                raise LookupError("rendering a staff member's name needs a staff lookup")
            return await self._staff_lookup(int(value["staff"]), str(value.get("field", "name")))
        raise ValueError(f"unknown typed parameter {sorted(value)}")


def qr_png(url: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def qr_terminal(url: str) -> str:
    import segno

    buffer = io.StringIO()
    segno.make(url, error="m").terminal(out=buffer, compact=True)
    return buffer.getvalue()


def text_lines(lines: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """Parameters for an ``@lines`` message."""
    return {"lines": [{"t": msgid, "args": dict(args)} for msgid, args in lines]}

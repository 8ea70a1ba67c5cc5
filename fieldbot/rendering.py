"""Outbox messages are stored as a template key and parameters; they become text here, at
send time, in the recipient's language.

The template key is the message's gettext id (marked with ``N_`` where it is enqueued), or
``@lines`` for a message made of several texts. Parameters are JSON:

- ``args``: the placeholders. A plain value is used as is; a dict is typed:
  ``{"money": fen}``, ``{"dt": iso, "tz": name, "fmt": ...}`` (an instant in that timezone;
  ``fmt`` one of :data:`fieldbot.i18n.FORMATS`, default ``datetime``: ``2026-09-14 16:00``),
  ``{"day": iso date, "fmt": "date"|"date_weekday"}`` (a calendar date: ``2026-09-14``),
  ``{"t": msgid, "args": {...}}`` (a nested translated text) or
  ``{"customer": id, "field": "name"|"phone"|"address"}`` — personal data is never copied
  into the outbox, only looked up when the message is rendered; likewise
  ``{"staff": id, "field": "name"}`` for a member of staff, ``{"staff_list": [id, ...]}``
  for several (their names, joined).
  ``{"roles": [role, ...]}`` (role names in the reader's language).
- ``lines``: for ``@lines``, a list of ``{"t": msgid, "args": {...}}``.
- ``buttons``: rows of ``{"label": msgid, "token": callback token}`` or
  ``{"label": msgid, "url": url}``; ``label_args`` optional; ``raw: true`` for a label that is
  not to be translated (a name, a language's own name).
- ``reply``: ``{"contact": msgid}`` or ``{"location": msgid}`` for a one-button reply keyboard,
  or ``{"remove": true}``.
- ``qr``: a URL rendered as a QR code photo, the text becoming its caption.
- ``file``: the id of a stored file (a report's XLSX or PNG), sent as a document or a photo
  with the text as its caption; its bytes are read at send time, so it survives a restart.

``@keyboard`` is an edit of a sent message's keyboard alone (its text stays): ``buttons`` as
above, none to take the keyboard away (:func:`fieldbot.services.workflow.retire_cards`).

Whatever the parameters, what is sent fits Telegram: :func:`deliveries` turns a rendered
message into the Bot API calls that carry it — a text longer than 4,096 characters is split
into several messages at line boundaries (the keyboard on the last one), an edit (which cannot
be split) is shortened, and a caption over 1,024 characters keeps the lines that fit while the
rest follows as messages. The bot sends plain text (no ``parse_mode``), so no entity can be
broken; a cut never falls inside a character (Python strings hold whole code points) nor
before a combining mark, a variation selector or a zero-width joiner.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from fieldbot.domain.money import Money, format_money
from fieldbot.i18n import DATE, DATETIME, N_, Translator

LINES = "@lines"
LOCATION = "@location"  # params {"location": [latitude, longitude]}: a location pin, no text
KEYBOARD = "@keyboard"  # an edit of a message's keyboard only; no buttons: the keyboard goes

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

# Telegram's sizes (Bot API: "1-4096 characters after entities parsing", captions 0-1024).
# Lengths are counted in UTF-16 code units, as Telegram counts its entities: never fewer than
# the characters, so a text within the limit in code units is within it however counted.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes of UTF-8
BUTTON_LABEL_LIMIT = 64  # characters: longer labels are shortened (a name on a button)
ELLIPSIS = "…"
MORE = N_("… and {count} more")

# (customer id, field) -> plain text; the store decrypts.
CustomerLookup = Callable[[int, str], Awaitable[str]]
# (staff id, field) -> plain text.
StaffLookup = Callable[[int, str], Awaitable[str]]


@dataclass(frozen=True)
class Attachment:
    """A stored file to send: ``media`` is ``document`` or ``photo``."""

    name: str
    media: str
    content: bytes


# file id -> the file (None: it is gone).
FileLookup = Callable[[int], Awaitable[Attachment | None]]


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
    file: Attachment | None = None


class Renderer:
    def __init__(
        self,
        customer_lookup: CustomerLookup | None = None,
        staff_lookup: StaffLookup | None = None,
        file_lookup: FileLookup | None = None,
    ) -> None:
        self._customer_lookup = customer_lookup
        self._staff_lookup = staff_lookup
        self._file_lookup = file_lookup

    async def render(self, t: Translator, template: str, params: Mapping[str, Any]) -> Rendered:
        if template == LOCATION:
            latitude, longitude = params["location"]
            return Rendered(text="", location=(float(latitude), float(longitude)))
        if template == KEYBOARD:
            text = ""
        elif template == LINES:
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
        attachment = None
        if params.get("file") is not None:
            if self._file_lookup is None:
                raise LookupError("rendering a file needs a file lookup")
            attachment = await self._file_lookup(int(params["file"]))
            if attachment is None:
                raise LookupError(f"file {params['file']} is gone")
        return Rendered(
            text=text,
            buttons=tuple(buttons),
            reply_request=request,
            reply_label=t.gettext(reply[request]) if request else None,
            remove_reply_keyboard=bool(reply.get("remove")),
            qr_png=qr_png(qr) if qr else None,
            file=attachment,
        )

    async def _button(self, t: Translator, spec: Mapping[str, Any]) -> Button:
        if spec.get("raw"):
            label = str(spec["label"])
        else:
            label = await self._text(t, spec["label"], spec.get("label_args", {}))
        label = clip(label, BUTTON_LABEL_LIMIT)
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
            return t.datetime(instant, value.get("tz", "Asia/Shanghai"), value.get("fmt", DATETIME))
        if "day" in value:
            return t.date(date.fromisoformat(value["day"]), value.get("fmt", DATE))
        if "t" in value:
            return await self._text(t, value["t"], value.get("args", {}))
        if "lines" in value:
            lines = [
                await self._text(t, line["t"], line.get("args", {})) for line in value["lines"]
            ]
            return "\n".join(lines)
        if "roles" in value:
            names = [t.gettext(ROLE_NAMES.get(role, role)) for role in value["roles"]]
            return t.gettext(", ").join(names)
        if "customer" in value:
            if self._customer_lookup is None:
                raise LookupError("rendering a customer's data needs a customer lookup")
            return await self._customer_lookup(int(value["customer"]), str(value["field"]))
        if "staff_list" in value:
            if self._staff_lookup is None:
                raise LookupError("rendering a staff member's name needs a staff lookup")
            names = [await self._staff_lookup(int(i), "name") for i in value["staff_list"]]
            return t.gettext(", ").join(names)
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


def more_line(hidden: int) -> dict[str, Any]:
    """The ``@lines`` line that closes a list shown in part: "… and N more"."""
    return {"t": MORE, "args": {"count": hidden}}


# --- Telegram's limits ---------------------------------------------------------------------


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _joins(text: str, at: int) -> bool:
    """Whether cutting ``text`` before index ``at`` would split one visible character: a
    combining mark, a variation selector, an emoji modifier or a zero-width joiner belongs to
    what precedes it, and a joiner to what follows it too."""
    if at <= 0 or at >= len(text):
        return False
    after, before = text[at], text[at - 1]
    if before == "\u200d" or after == "\u200d":
        return True
    if unicodedata.combining(after) or unicodedata.category(after) in ("Mn", "Me"):
        return True
    code = ord(after)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or 0x1F3FB <= code <= 0x1F3FF:
        return True
    if 0xDC00 <= code <= 0xDFFF and 0xD800 <= ord(before) <= 0xDBFF:
        return True  # a surrogate pair that arrived unpaired (lone surrogates kept as is)
    flags = 0x1F1E6 <= code <= 0x1F1FF and 0x1F1E6 <= ord(before) <= 0x1F1FF
    if flags:
        run = 0
        while at - run - 1 >= 0 and 0x1F1E6 <= ord(text[at - run - 1]) <= 0x1F1FF:
            run += 1
        return run % 2 == 1  # inside a flag (a pair of regional indicators)
    return False


def _cut(text: str, limit: int) -> int:
    """Where to cut a line longer than ``limit``: the most that fits, moved back to the last
    space when one is not too far back, and never inside a character."""
    end = 0
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
        end = index + 1
    space = max(text.rfind(" ", 0, end), text.rfind("\u3000", 0, end))
    if space > end // 2 and not text[:space].isspace():
        return space + 1
    at = end
    while at > 0 and _joins(text, at):
        at -= 1
    return at if at > 0 else max(end, 1)


def split_text(text: str, limit: int = TEXT_LIMIT, *, first_limit: int | None = None) -> list[str]:
    """``text`` as parts of at most ``limit`` (the first at most ``first_limit``), cut at line
    breaks where possible; a single line longer than a part is cut at a space or, failing one,
    between two characters. Nothing is lost but the line breaks the cuts fall on; a part that
    would be blank is left out. A text that fits comes back whole."""
    first = limit if first_limit is None else first_limit
    if telegram_length(text) <= first:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    used = 0

    def flush() -> None:
        nonlocal used
        part = "\n".join(current).strip("\n")
        if part.strip():
            parts.append(part)
        current.clear()
        used = 0

    for line in text.split("\n"):
        while True:
            room = limit if parts else first
            extra = telegram_length(line) + (1 if current else 0)
            if used + extra <= room:
                current.append(line)
                used += extra
                break
            if current:
                flush()
                continue
            at = _cut(line, room)
            current.append(line[:at])
            flush()
            line = line[at:]
    flush()
    return parts or [text[: _cut(text, first)]]


def shorten_text(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut to at most ``limit``, ending with "…" when anything was left out: for an
    edit, a caption, a label — things that cannot be split."""
    if telegram_length(text) <= limit:
        return text
    return split_text(text, limit - 2)[0].rstrip() + "\n" + ELLIPSIS


def clip(text: str, limit: int) -> str:
    """A one-line value cut to at most ``limit`` characters, "…" marking the cut."""
    if telegram_length(text) <= limit:
        return text
    return split_text(text.replace("\n", " "), limit - 1)[0].rstrip() + ELLIPSIS


@dataclass(frozen=True)
class Delivery:
    """One Bot API call of a rendered message: its text (a caption for the photo) and whether
    it carries the message's keyboard."""

    kind: Literal["message", "photo", "document", "edit", "location"]
    text: str
    markup: bool


def deliveries(rendered: Rendered, *, edit: bool = False) -> list[Delivery]:
    """The calls that deliver ``rendered`` within Telegram's limits, in order; the keyboard
    rides on the last one (the message later edits go to)."""
    if edit:
        return [Delivery("edit", shorten_text(rendered.text, TEXT_LIMIT), True)]
    if rendered.location is not None:
        return [Delivery("location", "", False)]
    if rendered.qr_png is not None or rendered.file is not None:
        head, *rest = split_text(rendered.text, TEXT_LIMIT, first_limit=CAPTION_LIMIT)
        kind: Literal["photo", "document"] = "photo"
        if rendered.file is not None and rendered.file.media == "document":
            kind = "document"
        photo = Delivery(kind, head, not rest)
        return [photo, *[Delivery("message", p, i == len(rest) - 1) for i, p in enumerate(rest)]]
    parts = split_text(rendered.text, TEXT_LIMIT)
    return [Delivery("message", p, i == len(parts) - 1) for i, p in enumerate(parts)]

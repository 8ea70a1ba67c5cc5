"""What a phone shows the person, as the driver returns it: a :class:`Message` the bot sent
(edits applied) and an :class:`Alert`, the bot's answer to a button press. The driver
re-exports both."""

from __future__ import annotations

from dataclasses import dataclass

from fieldbot.sandbox.models import StoredMessage

__all__ = ["Alert", "Message"]


@dataclass(frozen=True, slots=True)
class Message:
    """One message the bot sent to a phone, as it looked when read (edits applied)."""

    id: int
    text: str  # the caption for media; "" when there is none
    buttons: list[list[str]]  # inline keyboard rows: labels of callback and URL buttons
    reply_buttons: list[list[str]]  # the reply keyboard sent with it
    photo: bytes | None
    document: bytes | None
    document_name: str | None
    location: tuple[float, float] | None
    edited: bool
    html: str | None  # the text or caption as the bot sent it, before its parse mode
    chat_id: int

    @classmethod
    def of(cls, stored: StoredMessage) -> Message:
        location = None
        if stored.location is not None:
            location = (stored.location["latitude"], stored.location["longitude"])
        reply_rows = (stored.reply_keyboard or {}).get("keyboard", [])
        return cls(
            id=stored.message_id,
            text=stored.text if stored.text is not None else (stored.caption or ""),
            buttons=[[str(b.get("text", "")) for b in row] for row in stored.inline_keyboard or []],
            reply_buttons=[
                [str(b["text"]) if isinstance(b, dict) else str(b) for b in row]
                for row in reply_rows
            ],
            photo=stored.photo.data if stored.photo is not None else None,
            document=stored.document.data if stored.document is not None else None,
            document_name=stored.document.file_name if stored.document is not None else None,
            location=location,
            edited=stored.edited,
            html=stored.raw_text,
            chat_id=stored.chat.id,
        )

    def __str__(self) -> str:
        parts = [f"#{self.id}{' (edited)' if self.edited else ''}: {self.text!r}"]
        if self.buttons:
            parts.append(f"buttons={self.buttons}")
        if self.reply_buttons:
            parts.append(f"reply_buttons={self.reply_buttons}")
        if self.photo is not None:
            parts.append(f"photo={len(self.photo)} bytes")
        if self.document is not None:
            parts.append(f"document={self.document_name!r} ({len(self.document)} bytes)")
        if self.location is not None:
            parts.append(f"location={self.location}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Alert:
    """The bot's answer to a button press that the person's app shows: a short notice at the
    top of the chat, or a pop-up to dismiss when ``show_alert``."""

    text: str
    show_alert: bool

    def __str__(self) -> str:
        return self.text

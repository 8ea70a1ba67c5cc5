"""A phone's chat as a text transcript: what the person sent and pressed, what the bot sent
(edits applied, marked), in the order the messages were sent."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.sandbox.models import StoredMessage

__all__ = ["chat_transcript"]


def chat_transcript(sb: Sandbox, phone: Phone, tz: tzinfo = UTC) -> list[str]:
    """One line (or block) per message and button press, oldest first: ``>`` the person,
    ``<`` the bot; a bot message's buttons follow it in brackets."""
    chat = sb.server.world.chats.get(phone.chat_id)
    entries: list[tuple[float, str]] = []
    if chat is not None:
        for message in chat.messages.values():
            if not message.deleted:
                entries.append((float(message.message_id), _line(message, tz)))
    for newest, label in phone.pressed:
        entries.append((newest + 0.5, f"> [{label}]"))
    return [line for _, line in sorted(entries, key=lambda entry: entry[0])]


def _line(message: StoredMessage, tz: tzinfo) -> str:
    at = datetime.fromtimestamp(message.edit_date or message.date, UTC).astimezone(tz)
    stamp = at.strftime("%H:%M")
    if message.location is not None:
        body = f"(location {message.location['latitude']}, {message.location['longitude']})"
    elif message.contact is not None:
        body = "(contact shared)"
    elif message.photo is not None and not message.caption:
        body = "(photo)"
    elif message.document is not None and not message.caption:
        body = f"(document {message.document.file_name})"
    else:
        body = message.text if message.text is not None else (message.caption or "")
    if not message.from_bot:
        return f"{stamp} > {body}"
    edited = " (edited)" if message.edited else ""
    lines = [f"{stamp} <{edited} {body}"]
    buttons = [str(b.get("text", "")) for row in message.inline_keyboard or [] for b in row]
    if buttons:
        lines.append("        " + "  ".join(f"[{label}]" for label in buttons))
    return "\n".join(lines)

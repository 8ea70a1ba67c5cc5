"""How the page shows a chat: the sandbox's stored messages as JSON for ``app.js``, their text
with Telegram's entities as escaped HTML."""

from __future__ import annotations

import html
from typing import Any

from fieldbot.sandbox.models import StoredMessage

__all__ = ["message_json", "render_html", "reply_button"]


def reply_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        return {"text": str(button), "contact": False, "location": False}
    return {
        "text": str(button.get("text", "")),
        "contact": bool(button.get("request_contact")),
        "location": bool(button.get("request_location")),
    }


def message_json(message: StoredMessage) -> dict[str, Any]:
    text = message.text if message.text is not None else message.caption
    entities = message.entities if message.text is not None else message.caption_entities
    data: dict[str, Any] = {
        "id": message.message_id,
        "mine": not message.from_bot,
        "html": render_html(text or "", entities or []),
        "edited": message.edited,
        "buttons": [
            [
                {"text": str(b.get("text", "")), "url": b.get("url")}
                for b in row
                if isinstance(b, dict)
            ]
            for row in message.inline_keyboard or []
        ],
    }
    base = f"/api/files/{message.chat.id}/{message.message_id}"
    if message.photo is not None:
        data["photo"] = base
    if message.document is not None:
        data["document"] = {"url": base, "name": message.document.file_name or "file"}
    if message.location is not None:
        data["location"] = [message.location["latitude"], message.location["longitude"]]
    if message.contact is not None:
        data["contact"] = str(message.contact.get("phone_number", ""))
    return data


_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
}


def render_html(text: str, entities: list[dict[str, Any]]) -> str:
    """The text with its Telegram entities as HTML (offsets count UTF-16 code units)."""
    units = text.encode("utf-16-le")
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        kind = entity.get("type")
        if kind == "text_link":
            tags = (f'<a href="{html.escape(str(entity.get("url", "")))}" target="_blank">', "</a>")
        elif kind == "url":
            start, end = 2 * entity["offset"], 2 * (entity["offset"] + entity["length"])
            link = html.escape(units[start:end].decode("utf-16-le"))
            tags = (f'<a href="{link}" target="_blank">', "</a>")
        elif kind in _TAGS:
            tags = _TAGS[str(kind)]
        else:
            continue
        opens.setdefault(entity["offset"], []).append(tags[0])
        closes.setdefault(entity["offset"] + entity["length"], []).insert(0, tags[1])
    cuts = sorted({0, len(units) // 2, *opens, *closes})
    out: list[str] = []
    for here, there in zip(cuts, [*cuts[1:], None], strict=True):
        out.extend(closes.get(here, []))
        out.extend(opens.get(here, []))
        if there is not None:
            out.append(html.escape(units[2 * here : 2 * there].decode("utf-16-le")))
    return "".join(out)

"""Text and entities as Telegram makes them: HTML parse mode, and commands in what people type.

Entity offsets and lengths count UTF-16 code units, as the Bot API does; message length limits
count characters (code points), as Telegram measures them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

JSONDict = dict[str, Any]

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_URL = re.compile(r"\bhttps?://[^\s<>\"]+")


class EntityParseError(ValueError):
    """The text does not parse in its parse mode (Telegram: "can't parse entities")."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.units = 0  # UTF-16 units so far
        self.entities: list[JSONDict] = []
        self.stack: list[tuple[str, int, JSONDict]] = []

    def _where(self) -> str:
        line, column = self.getpos()
        return f"line {line}, column {column}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        entity: JSONDict
        if tag == "a":
            href = attributes.get("href", "")
            if not href:
                raise EntityParseError(
                    f'Can\'t find "href" attribute of tag "a" at {self._where()}'
                )
            entity = {"type": "text_link", "url": href}
        elif tag == "span" and attributes.get("class") == "tg-spoiler":
            entity = {"type": "spoiler"}
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": attributes.get("emoji-id", "")}
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = attributes.get("class", "")
            if language.startswith("language-"):
                self.stack[-1][2]["language"] = language.removeprefix("language-")
            entity = {"type": "_nested_code"}
        elif tag == "blockquote" and "expandable" in attributes:
            entity = {"type": "expandable_blockquote"}
        elif tag in _SIMPLE_TAGS:
            entity = {"type": _SIMPLE_TAGS[tag]}
        else:
            raise EntityParseError(f'Unsupported start tag "{tag}" at {self._where()}')
        self.stack.append((tag, self.units, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise EntityParseError(f'Unsupported start tag "{tag}" at {self._where()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise EntityParseError(f'Unexpected end tag "{tag}" at {self._where()}')
        open_tag, start, entity = self.stack.pop()
        if open_tag != tag:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{open_tag}" at {self._where()}'
            )
        if entity["type"] == "_nested_code" or self.units == start:
            return
        self.entities.append({**entity, "offset": start, "length": self.units - start})

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.units += utf16_len(data)

    def handle_comment(self, data: str) -> None:
        raise EntityParseError(f"Unsupported comment at {self._where()}")


def parse_html(markup: str) -> tuple[str, list[JSONDict]]:
    """Plain text and entities of Telegram-flavoured HTML; raises :class:`EntityParseError`."""
    parser = _TelegramHTML()
    parser.feed(markup)
    parser.close()
    if parser.stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"'
        )
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def detect_entities(text: str) -> list[JSONDict]:
    """The entities Telegram adds to what a person types: bot commands and URLs."""
    found: list[JSONDict] = []
    for kind, pattern in (("bot_command", _COMMAND), ("url", _URL)):
        for match in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group()),
                }
            )
    return sorted(found, key=lambda e: e["offset"])

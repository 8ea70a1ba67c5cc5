"""What Telegram checks in what a bot sends: the chat may be written to, the text after its
parse mode and within its length, the keyboard's shape, its buttons' data and URLs."""

from __future__ import annotations

import re
from typing import Any

from fieldbot.sandbox.formatting import EntityParseError, parse_html
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.models import ApiError, Chat, JSONDict, bad_request


def check_can_write(chat: Chat) -> None:
    if chat.user is not None:
        if chat.user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not chat.user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")


def render_text(
    limits: Limits, text: str | None, parse_mode: str | None, entities: Any, *, caption: bool
) -> tuple[str | None, list[JSONDict]]:
    """Text after the parse mode, and its entities; checks Telegram's length limits."""
    if text is None or text == "":
        if caption:
            return None, []
        raise bad_request("message text is empty")
    if parse_mode:
        if parse_mode.lower() != "html":
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        try:
            plain, found = parse_html(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        plain = text
        found = list(entities) if isinstance(entities, list) else []
    if not plain.strip() and not caption:
        raise bad_request("message text is empty")
    limit = limits.caption_chars if caption else limits.text_chars
    if len(plain) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain, found


def check_markup(
    limits: Limits, markup: Any
) -> tuple[list[list[JSONDict]] | None, JSONDict | None]:
    """Inline keyboard rows and/or the reply keyboard, checked as Telegram checks them."""
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _check_inline_button(limits, button)
        return [[dict(b) for b in row] for row in rows if row] or None, None
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
            )
        return None, dict(markup)
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return None, None
    raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline_button(limits: Limits, button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None:
        size = len(str(data).encode("utf-8"))
        if size == 0 or size > limits.callback_data_bytes:
            raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
        raise bad_request("BUTTON_URL_INVALID")
    actions = {
        "callback_data",
        "url",
        "login_url",
        "switch_inline_query",
        "web_app",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "callback_game",
        "pay",
        "copy_text",
    }
    if not actions & button.keys():
        raise bad_request(
            "can't parse inline keyboard button: "
            "InlineKeyboardButton must have exactly one optional field"
        )

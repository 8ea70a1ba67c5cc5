"""Telegram-flavoured HTML, entities in what people type, image sizes, send rates."""

from __future__ import annotations

import struct

import pytest

from fieldbot.sandbox.formatting import EntityParseError, detect_entities, parse_html, utf16_len
from fieldbot.sandbox.limits import Limits, SendRates
from fieldbot.sandbox.models import image_size


def test_html_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_html(
        '😀 <a href="https://t.me/x">link</a> <tg-spoiler>s</tg-spoiler> '
        '<span class="tg-spoiler">t</span> <u>u</u><s>x</s> '
        '<pre><code class="language-python">p = 1</code></pre>'
        "<blockquote expandable>q</blockquote>"
    )
    assert text == "😀 link s t ux p = 1q"
    assert entities == [
        {"type": "text_link", "url": "https://t.me/x", "offset": 3, "length": 4},
        {"type": "spoiler", "offset": 8, "length": 1},
        {"type": "spoiler", "offset": 10, "length": 1},
        {"type": "underline", "offset": 12, "length": 1},
        {"type": "strikethrough", "offset": 13, "length": 1},
        {"type": "pre", "language": "python", "offset": 15, "length": 5},
        {"type": "expandable_blockquote", "offset": 20, "length": 1},
    ]
    assert utf16_len("😀") == 2


@pytest.mark.parametrize(
    "markup",
    ["<b>x</i>", "</b>", "<br/>", "<a>no href</a>", "<!-- c -->", "<b>open"],
)
def test_html_telegram_cannot_parse_is_refused(markup: str) -> None:
    with pytest.raises(EntityParseError):
        parse_html(markup)


def test_commands_and_urls_in_typed_text_are_marked() -> None:
    entities = detect_entities("/start abc, see http://x.cn/a and a/b /jobs@bot_name")
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bot_command", 0, 6),
        ("url", 16, 13),
        ("bot_command", 38, 14),
    ]


def test_image_sizes_are_read_from_png_gif_and_jpeg_headers() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", 640, 480)
    gif = b"GIF89a" + struct.pack("<HH", 32, 16)
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", 4)
        + b"\x00\x00"
        + b"\xff\xc0"
        + struct.pack(">HBHH", 11, 8, 1080, 1920)
        + b"\x00" * 8
    )
    assert image_size(png) == (640, 480)
    assert image_size(gif) == (32, 16)
    assert image_size(jpeg) == (1920, 1080)
    assert image_size(b"not an image") == (0, 0)


def test_group_sends_are_limited_per_minute() -> None:
    now = [0.0]
    rates = SendRates(Limits(group_per_minute=2), monotonic=lambda: now[0])
    assert rates.acquire(-1, group=True) == 0
    assert rates.acquire(-1, group=True) == 0
    assert rates.acquire(-1, group=True) == 30  # one more send in 30 s
    now[0] = 30.0
    assert rates.acquire(-1, group=True) == 0


def test_per_chat_rate_refills_over_real_time() -> None:
    now = [0.0]
    rates = SendRates(Limits(per_chat_burst=1, per_chat_rate=1), monotonic=lambda: now[0])
    assert rates.acquire(7) == 0
    assert rates.acquire(7) == 1
    assert rates.acquire(8) == 0  # another chat has its own bucket
    now[0] = 1.0
    assert rates.acquire(7) == 0

"""The CJK font shipped as package data, so a chart renders Chinese on a fresh machine.

``fonts/FieldbotCJK.ttf`` is a subset of WenQuanYi Micro Hei (Apache License 2.0 or GPLv3
with the font exception; ``fonts/LICENSE-WenQuanYi.txt``): ASCII, Latin-1, GB2312 and every
Chinese character of the catalogs (``tools/subset_font.py`` makes it again).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

FONT_FILE = "FieldbotCJK.ttf"


def font_path() -> Path:
    return Path(str(resources.files("fieldbot.documents") / "fonts" / FONT_FILE))


@cache
def font_family() -> str:
    """Register the shipped font with matplotlib (once per process) and return its family
    name."""
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()

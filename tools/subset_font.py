"""Make fieldbot/documents/fonts/FieldbotCJK.ttf: a subset of WenQuanYi Micro Hei (Apache 2.0)
holding ASCII, Latin-1, general punctuation, GB2312, full-width forms and every character of
the catalogs and the sample company, so charts render Chinese on a fresh machine.

    apt-get install -y fonts-wqy-microhei
    .venv/bin/python tools/subset_font.py [SOURCE.ttc]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
TARGET = ROOT / "fieldbot" / "documents" / "fonts" / "FieldbotCJK.ttf"


def gb2312() -> set[str]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def wanted() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    chars |= {chr(c) for c in range(0x2000, 0x2070)}  # general punctuation
    chars |= {chr(c) for c in range(0x3000, 0x3040)}  # CJK symbols and punctuation
    chars |= {chr(c) for c in range(0xFF00, 0xFFF0)}  # full-width forms
    chars |= gb2312()
    for pattern in ("locales/*/LC_MESSAGES/*.po", "examples/*.csv"):
        for path in ROOT.glob(pattern):
            chars |= set(path.read_text(encoding="utf-8-sig"))
    return {c for c in chars if c.isprintable()}


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    font = TTCollection(str(source)).fonts[0] if source.suffix == ".ttc" else TTFont(source)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    cmap = font.getBestCmap()
    subsetter.populate(unicodes=[ord(c) for c in wanted() if ord(c) in cmap])
    subsetter.subset(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    print(f"{TARGET.relative_to(ROOT)}: {TARGET.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()

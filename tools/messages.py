"""Keep the gettext catalogs in step with the code.

    python tools/messages.py update   # add new texts, drop obsolete ones
    python tools/messages.py check    # exit 1 on a text missing, obsolete or untranslated

The source language is English: the ``en`` catalog repeats each text, so an English reader
never depends on a fallback.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
LANGUAGES = ("zh_CN", "en")


def extract() -> dict[str, tuple[str, str | None]]:
    """msgid -> (first location, plural) for every marked text under fieldbot/."""
    found: dict[str, tuple[str, str | None]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "fieldbot"),
        method_map=[("sandbox/**.py", "ignore"), ("**.py", "python")],
        keywords=KEYWORDS,
    ):
        if isinstance(message, tuple):
            msgid, plural = message[0], message[1]
        else:
            msgid, plural = message, None
        if msgid:
            found.setdefault(msgid, (f"fieldbot/{filename}:{lineno}", plural))
    return found


def po_path(language: str) -> Path:
    return ROOT / "locales" / language / "LC_MESSAGES" / "fieldbot.po"


def load(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain="fieldbot", project="fieldbot")
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain="fieldbot")


def update() -> None:
    texts = extract()
    for language in LANGUAGES:
        old = load(language)
        new = Catalog(locale=language, domain="fieldbot", project="fieldbot", version="0.1")
        for msgid, (location, plural) in sorted(texts.items()):
            key: str | tuple[str, str] = (msgid, plural) if plural else msgid
            previous = old.get(msgid)
            string: str | tuple[str, ...]
            if previous is not None and previous.string:
                string = previous.string
            elif language == "en":
                string = (msgid, plural) if plural else msgid
            else:
                string = ("", "") if plural else ""
            path, _, line = location.rpartition(":")
            new.add(key, string, locations=[(path, int(line))])
        po_path(language).parent.mkdir(parents=True, exist_ok=True)
        with po_path(language).open("wb") as handle:
            write_po(handle, new, width=100, omit_header=False, sort_output=True)


def check() -> list[str]:
    texts = extract()
    problems: list[str] = []
    for language in LANGUAGES:
        catalog = load(language)
        present = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
        for msgid, (location, _plural) in sorted(texts.items()):
            message = present.get(msgid)
            if message is None:
                problems.append(f"{language}: missing {msgid!r} ({location})")
            elif not message.string or (
                isinstance(message.string, tuple) and not all(message.string)
            ):
                problems.append(f"{language}: untranslated {msgid!r} ({location})")
        for msgid in sorted(set(present) - set(texts)):
            problems.append(f"{language}: obsolete {msgid!r}")
    return problems


def main(argv: list[str]) -> int:
    if argv[1:] == ["update"]:
        update()
        return 0
    if argv[1:] == ["check"]:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run `make messages` and translate the empty zh_CN entries", file=sys.stderr)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

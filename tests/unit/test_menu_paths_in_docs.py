"""The menu paths the README, the AnkiWeb page, config.md and the add-on's own messages tell users
to open exist as written: Tools → Media Fill is a submenu, so a path into it names its item."""

from __future__ import annotations

import re
from pathlib import Path

from addon.ui.auto_fill import LAST_RUN_ACTION_TEXT
from addon.ui.controller import IMPORT_ACTION_TEXT, JOBS_ACTION_TEXT, MENU_TITLE, SETTINGS_ACTION_TEXT

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", REPO / "config.md", REPO / "docs" / "ankiweb.md"]
MENU_PATH = re.compile(r"Tools → " + re.escape(MENU_TITLE) + r"(?P<rest>[^*\n\"]*)")


def _texts() -> list[tuple[Path, str]]:
    sources = [*DOCUMENTS, *sorted((REPO / "addon").rglob("*.py"))]
    return [(path, path.read_text(encoding="utf-8")) for path in sources if "vendor" not in path.parts]


def test_every_path_into_the_media_fill_menu_names_one_of_its_items() -> None:
    items = {SETTINGS_ACTION_TEXT, IMPORT_ACTION_TEXT, JOBS_ACTION_TEXT, LAST_RUN_ACTION_TEXT}
    wrong = []
    found = 0
    for path, text in _texts():
        for match in MENU_PATH.finditer(text):
            found += 1
            rest = match.group("rest")
            if not rest.startswith(" menu") and not any(rest.startswith(f" → {item}") for item in items):
                wrong.append(f"{path.relative_to(REPO)}: Tools → {MENU_TITLE}{rest[:30]}")
    assert found >= 5, "the documents no longer name the menu at all"
    assert wrong == []

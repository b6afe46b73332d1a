"""Where things are in the checkout."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDON_SOURCE = REPO / "addon"
ADDON_PACKAGE = "media_fill"
# Files that live at the top of the repository and are copied (or linked) into the add-on.
TOP_LEVEL_ADDON_FILES = ("manifest.json", "config.json", "config.md")

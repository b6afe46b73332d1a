"""Which Anki versions Media Fill runs on, and what the user of another version is told.

Media Fill supports Anki 25.07 (point version 250700) and every later release; since 25.07 Anki
starts through a launcher that runs add-ons on Python 3.13. ``manifest.json``'s
``min_point_version`` makes Anki itself refuse to install or load Media Fill on an older release.
This module is the second guard, for a copy that reaches an older Anki another way (a folder copied
by hand): `refusal` explains in one sentence, naming the fix, instead of a traceback from code that
needs a newer Python.

This is the one module that knows Anki's versions. None of the APIs Media Fill uses differs between
25.07 and 26.9 (the test matrix runs the collection, CLI and GUI tiers on 25.07.5, 25.09.5 and
26.9.3), so nothing else checks a version; a difference found later is bridged here, with the
versions it concerns.

Kept to Python 3.9 syntax and the standard library: ``addon/__init__.py`` imports it before the rest
of the add-on. Thread safety: pure functions; the caller shows the message on the main thread.
"""

from __future__ import annotations

import sys

MIN_POINT_VERSION = 250700
MIN_PYTHON = (3, 10)
DOWNLOAD_PAGE = "https://apps.ankiweb.net"


def version_text(point_version: int) -> str:
    """Anki's version as users see it: 250705 -> "25.07.5", 260900 -> "26.09", and 66 (before
    23.10 point versions counted 2.1.x releases) -> "2.1.66"."""
    if point_version < 1000:
        return f"2.1.{point_version}"
    year, month, patch = point_version // 10000, point_version // 100 % 100, point_version % 100
    return f"{year}.{month:02d}.{patch}" if patch else f"{year}.{month:02d}"


def refusal(*, point_version: int, python: tuple[int, int]) -> str | None:
    """Why Media Fill does not start on this Anki (a sentence that names the fix), or None when it
    runs here."""
    if point_version < MIN_POINT_VERSION:
        return (
            f"Media Fill needs Anki {version_text(MIN_POINT_VERSION)} or newer, and this is Anki "
            f"{version_text(point_version)}. Update Anki from {DOWNLOAD_PAGE} (its launcher lets you "
            "choose the version), or remove Media Fill in Tools → Add-ons."
        )
    if python < MIN_PYTHON:
        return (
            f"Media Fill needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer, and this Anki runs Python "
            f"{python[0]}.{python[1]}. Install Anki {version_text(MIN_POINT_VERSION)} or newer from "
            f"{DOWNLOAD_PAGE}, whose launcher brings its own Python."
        )
    return None


def running_point_version() -> int:
    """The running Anki's point version (``anki.utils.point_version``; ``pointVersion`` before 2.1.50)."""
    import anki.utils

    reader = getattr(anki.utils, "point_version", None) or getattr(anki.utils, "pointVersion", None)
    return int(reader()) if reader is not None else 0


def refusal_here() -> str | None:
    """`refusal` for the Anki and Python this runs in."""
    return refusal(point_version=running_point_version(), python=(sys.version_info[0], sys.version_info[1]))

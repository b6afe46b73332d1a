"""Helpers for the GUI tests (their fixtures are in tests/gui/conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

ADDON = "media_fill"


class UiProblems:
    """Collects what would have been a pop-up or a crash report in Anki."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.expected: list[str] = []

    def take(self) -> list[str]:
        items, self.items = self.items, []
        return items


def pump(app: Any, until: Callable[[], bool], *, timeout: float = 30.0, what: str = "condition") -> None:
    """Process Qt events until ``until()`` is true."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        app.processEvents()
        time.sleep(0.005)


def set_addon_config(mw: Any, config: dict[str, Any]) -> None:
    mw.addonManager.writeConfig(ADDON, config)

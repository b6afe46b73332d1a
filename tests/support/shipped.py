"""The shipped defaults (config.json) of one provider, for tests that build a provider the way the
add-on does: never a copy of config.json in a test, which would drift from it."""

from __future__ import annotations

import copy
from typing import Any

from addon.core.config.files import load_default_config


def shipped_slice(kind: str, name: str) -> dict[str, Any]:
    """A fresh copy of ``providers.<kind>.<name>`` from config.json."""
    return copy.deepcopy(load_default_config()["providers"][kind][name])

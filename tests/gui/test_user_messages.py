"""The sentences users read when a job or a preview stops: each names the fix, none is a traceback,
none holds a key."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import pytest
from anki.errors import DBError

from tests.support.harness import ADDON


def loaded(name: str) -> ModuleType:
    return sys.modules[f"{ADDON}.{name}"]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (lambda e: DBError("database is locked", None, None, None), ("collection is busy", "Nothing was changed")),
        (
            lambda e: e.ConfigError("rules[0].mode: 'x' is not one of"),
            ("settings need fixing", "Tools → Media Fill → Settings…"),
        ),
        (
            lambda e: e.AuthError("the key was refused (HTTP 401)", provider="openai"),
            ("openai did not accept the API key", "press Test"),
        ),
        (lambda e: e.QuotaError("insufficient_quota", provider="runware"), ("runware says", "Top it up")),
        (lambda e: e.TransientError("HTTP 503", provider="forvo"), ("forvo cannot be reached", "fallback provider")),
        (lambda e: e.ProviderUnavailableError("refused", provider="sdwebui"), ("sdwebui cannot be reached",)),
        (lambda e: OSError(28, "No space left on device"), ("No space left on device", "disk is not full")),
        (lambda e: KeyError("flds"), ("Something went wrong inside Media Fill (KeyError)", "media_fill.log")),
    ],
)
def test_each_stop_is_a_sentence_with_its_fix(addon: ModuleType, error: Any, expected: tuple[str, ...]) -> None:
    text = loaded("ui.user_messages").explain(error(loaded("core.base.errors")))
    for part in expected:
        assert part in text, text
    assert "Traceback" not in text and "\n" not in text


def test_a_key_in_an_error_never_reaches_the_user(addon: ModuleType) -> None:
    key = "sk-test-secret-for-messages-0001"
    loaded("core.base.log").remember_secrets(key)
    errors = loaded("core.base.errors")
    for exc in (errors.AuthError(f"bad key {key}", provider="openai"), RuntimeError(f"boom {key}")):
        assert key not in loaded("ui.user_messages").explain(exc)

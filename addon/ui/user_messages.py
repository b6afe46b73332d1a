"""What a user reads when something stops a job or a preview: a sentence with the fix, never a
Python traceback. The details go to the add-on's log. A setting is named as the settings window
names it ("openai → API key"), not by its key path (`settings.links`): `explain` gives plain text,
`explain_html` rich text where each such name is a link that opens the settings at that field.

Thread safety: pure functions; call from any thread.
"""

from __future__ import annotations

from anki.errors import DBError

from ..core.base.errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    MediaFillError,
    ProviderError,
    ProviderUnavailableError,
    QuotaError,
    TransientError,
)
from ..core.base.log import LOG_FILE_NAME, redact_secrets
from .settings.links import settings_html, settings_plain

SETTINGS = "Tools → Media Fill → Settings…"


def explain(exc: BaseException) -> str:
    """One or two sentences for ``exc``: what happened and what to do about it (plain text)."""
    return settings_plain(_explain(exc))


def explain_html(exc: BaseException) -> str:
    """`explain` as rich text: escaped, each setting a ``settings:`` link named by its label."""
    return settings_html(_explain(exc))


def _explain(exc: BaseException) -> str:
    if isinstance(exc, DBError) or "database is locked" in str(exc).lower():
        return (
            "The collection is busy (a sync, a check or another add-on is using it). Nothing was changed; "
            "wait a moment and start Fill Media again."
        )
    if isinstance(exc, ConfigError):
        return f"Media Fill's settings need fixing: {_text(exc)}. Open {SETTINGS} to fix them."
    who = exc.provider if isinstance(exc, ProviderError) and exc.provider else "The provider"
    if isinstance(exc, AuthError):
        return f"{who} did not accept the API key: {_text(exc)}. Enter a valid key in {SETTINGS} and press Test."
    if isinstance(exc, QuotaError):
        return f"{who} says the account's quota or credit is spent: {_text(exc)}. Top it up, or tick another provider."
    if isinstance(exc, (ProviderUnavailableError, TransientError, CircuitOpenError)):
        return f"{who} cannot be reached or is not working right now: {_text(exc)}. Try again later, or tick a fallback provider."
    if isinstance(exc, MediaFillError):
        return _text(exc)
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return f"A file could not be read or written ({reason}). Check that the disk is not full and try again."
    return (
        f"Something went wrong inside Media Fill ({type(exc).__name__}). What was already made is kept. "
        f"The add-on's {LOG_FILE_NAME} (in its user_files folder) has the details for a bug report."
    )


def _text(exc: BaseException) -> str:
    text = exc.message if isinstance(exc, ProviderError) else str(exc)
    return redact_secrets(text).rstrip(". ")

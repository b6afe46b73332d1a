"""What the speech providers check of every request before they send it.

Thread safety: pure functions.
"""

from __future__ import annotations

from ...core.base.errors import PermanentError


def text_to_speak(text: str, *, provider: str) -> str:
    """``text`` without the white space around it; `PermanentError` naming the rule's source field
    when nothing is left (a request with no text is never sent, nor paid for)."""
    spoken = text.strip()
    if not spoken:
        raise PermanentError("there is no text to speak; check the rule's source field", provider=provider)
    return spoken

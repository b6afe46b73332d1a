"""The markup Media Fill puts in a field: a sound tag or a picture, a picture's credit as an HTML
comment, appended or overwriting per fill mode, and the tag of notes filled by a provider.

Thread safety: pure functions.
"""

from __future__ import annotations

import dataclasses
import html

from ..core.config.rules import FillMode
from ..core.media.types import Attribution, MediaKind
from ..core.text.cleaning import printable_text

# With ``tag_notes`` on, a filled note gets this tag plus the name of the provider that made its media.
PROVIDER_TAG_PREFIX = "media_fill::"


def provider_tag(provider: str) -> str:
    """The tag of notes filled by ``provider`` (``media_fill::openai_tts``)."""
    return PROVIDER_TAG_PREFIX + provider


def media_reference(kind: MediaKind, file_name: str) -> str:
    """The field markup that shows or plays a media file; a transcript's text, HTML-escaped (kind
    text keeps its cleaned text where the others keep a file's name)."""
    if kind is MediaKind.TEXT:
        return html.escape(file_name, quote=False)
    if kind is MediaKind.IMAGE:
        return f'<img src="{html.escape(file_name, quote=True)}">'
    return f"[sound:{file_name}]"


def attribution_comment(credit: str) -> str:
    """An image's credit as an HTML comment to put after it (nothing in it can end the comment)."""
    safe = credit.replace("--", "–").replace("<", "‹").replace(">", "›")
    return f"<!-- {safe} -->"


def printable_attribution(attribution: Attribution | None) -> Attribution | None:
    """``attribution`` with every part made printable (`printable_text`)."""
    if attribution is None:
        return None
    parts = {field.name: printable_text(getattr(attribution, field.name)) for field in dataclasses.fields(attribution)}
    return Attribution(**parts)


def apply_mode(current: str, reference: str, mode: FillMode) -> str:
    if mode is FillMode.OVERWRITE or not current.strip():
        return reference
    return f"{current} {reference}"

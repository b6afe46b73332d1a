"""Media file names: readable, safe on every platform and sync target, and never secret.

Thread safety: pure functions.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^\w-]+", re.UNICODE)
_MAX_SLUG = 40


def media_file_name(*, text: str, provider: str, cache_key: str, extension: str) -> str:
    """``mf_<provider>_<slug>_<hash>.<ext>``: the slug keeps the words readable, the hash keeps
    different requests for the same words apart. Path separators, dots and control characters
    never survive into the slug."""
    slug = _UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip("_")[:_MAX_SLUG].strip("_")
    parts = ["mf", _UNSAFE.sub("_", provider)] + ([slug] if slug else []) + [cache_key[:10]]
    suffix = _UNSAFE.sub("", extension).lower() or "bin"
    return "_".join(parts) + "." + suffix

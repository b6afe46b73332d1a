"""Media file names: readable, safe on every platform and sync target, and never secret.

Thread safety: pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_UNSAFE = re.compile(r"[^\w-]+", re.UNICODE)
_NOT_ASCII_WORD = re.compile(r"[^A-Za-z0-9_]+")
_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_HEX = re.compile(r"[^0-9a-f]+")
_MAX_SLUG = 40
_MAX_PROVIDER = 40
_MAX_EXTENSION = 8
_HASH_CHARS = 10
# Anki keeps a media file name of up to 119 UTF-8 bytes (it cuts longer ones, the hash first), and
# when the name already holds other bytes it adds "-<SHA-1 in hex>" (41 bytes). A name of at most
# 78 bytes leaves room for that too, so Anki never cuts a name made here.
MAX_NAME_BYTES = 119 - 41
# Anki drops from a name every character its Unicode tables (10.0) call unassigned: a letter added
# to Unicode since would vanish from the name Anki writes. Only characters Unicode 3.2 (the oldest
# table Python has) already assigned stay in the slug; newer ones become "_" (the hash keeps names
# apart).
_OLD_UNICODE = unicodedata.ucd_3_2_0


def media_file_name(*, text: str, provider: str, cache_key: str, extension: str) -> str:
    """``mf_<provider>_<slug>_<hash>.<ext>``: the slug keeps the words readable, the hash keeps
    different requests for the same words apart. Path separators, dots and control characters
    never survive into the slug; the provider, hash and extension parts are plain ASCII; the whole
    name is NFC, lower case and at most `MAX_NAME_BYTES` bytes of UTF-8 (the slug is cut to fit),
    of characters Anki knows: a name Anki's ``write_data`` stores as it is (it lower-cases names and
    drops characters it does not know), so the name the job journals before the write is the name
    written."""
    provider_part = _provider_part(provider)
    hash_part = _NOT_HEX.sub("", cache_key.lower())[:_HASH_CHARS]
    suffix = _NOT_ASCII_ALNUM.sub("", extension.lower())[:_MAX_EXTENSION] or "bin"
    room = MAX_NAME_BYTES - len(f"mf_{provider_part}__{hash_part}.{suffix}")
    slug = _UNSAFE.sub("_", unicodedata.normalize("NFC", text).lower()).strip("_")[:_MAX_SLUG]
    slug = "".join(ch if _OLD_UNICODE.category(ch) != "Cn" else "_" for ch in slug)
    slug = slug.encode("utf-8")[:room].decode("utf-8", "ignore").strip("_")
    parts = ["mf", provider_part] + ([slug] if slug else []) + [hash_part]
    return "_".join(parts) + "." + suffix


# A name `media_file_name` made, or Anki's rename of one (``<stem>-<SHA-1>.<ext>``, when the
# folder already held other bytes under it): how Media Fill's own files are told from a user's.
_OWN_NAME = re.compile(r"mf_(?P<body>[^/\\]+)_[0-9a-f]{10}(?:-[0-9a-f]{40})?\.[a-z0-9]{1,8}")


def is_own_media_name(name: str) -> bool:
    """Whether ``name`` is a file name Media Fill gives the media it stores (`media_file_name`)."""
    return _OWN_NAME.fullmatch(name) is not None


def provider_of_media_name(name: str, providers: Iterable[str]) -> str | None:
    """Which of ``providers`` made the Media Fill file ``name`` (the longest whose name part the
    file name starts with: ``mf_openai_tts_…`` is openai_tts's, not openai's), or None."""
    match = _OWN_NAME.fullmatch(name)
    if match is None:
        return None
    body = match.group("body")
    found = [p for p in providers if (part := _provider_part(p)) and (body == part or body.startswith(part + "_"))]
    return max(found, key=lambda p: len(_provider_part(p)), default=None)


def _provider_part(provider: str) -> str:
    return _NOT_ASCII_WORD.sub("_", provider.lower())[:_MAX_PROVIDER]

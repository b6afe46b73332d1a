"""Media file names: readable, safe on every platform and sync target, and never secret.

Thread safety: pure functions.
"""

from __future__ import annotations

import re
import unicodedata

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
    provider_part = _NOT_ASCII_WORD.sub("_", provider.lower())[:_MAX_PROVIDER]
    hash_part = _NOT_HEX.sub("", cache_key.lower())[:_HASH_CHARS]
    suffix = _NOT_ASCII_ALNUM.sub("", extension.lower())[:_MAX_EXTENSION] or "bin"
    room = MAX_NAME_BYTES - len(f"mf_{provider_part}__{hash_part}.{suffix}")
    slug = _UNSAFE.sub("_", unicodedata.normalize("NFC", text).lower()).strip("_")[:_MAX_SLUG]
    slug = "".join(ch if _OLD_UNICODE.category(ch) != "Cn" else "_" for ch in slug)
    slug = slug.encode("utf-8")[:room].decode("utf-8", "ignore").strip("_")
    parts = ["mf", provider_part] + ([slug] if slug else []) + [hash_part]
    return "_".join(parts) + "." + suffix

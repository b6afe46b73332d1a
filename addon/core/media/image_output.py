"""How pictures are stored: the longest side (``image_max_px``), the format (``image_format``:
``keep``, ``jpeg`` or ``webp``) and the lossy quality (``image_quality``), so a deck of thousands of
pictures stays small enough for AnkiWeb and phones.

The settings travel with each picture request as its options (`ImageOutput.options`), so they are
part of the request's cache key and of the reuse key: a picture made at another size or in another
format is not reused. Fitting the bytes themselves needs an image codec and lives above the core
(``addon.pictures``); this module only holds the settings and what can be read from bytes alone.

Thread safety: immutable data and pure functions; call from any thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

IMAGE_FORMATS = ("keep", "jpeg", "webp")
DEFAULT_MAX_PX = 800
DEFAULT_FORMAT = "jpeg"
DEFAULT_QUALITY = 85
MIN_MAX_PX = 16
MAX_MAX_PX = 16384

_KEYS = ("image_max_px", "image_format", "image_quality")
# The extension each stored format gets (checks.sniff_image's names).
_EXTENSIONS = {"jpeg": "jpg", "webp": "webp"}
# Where an extended WebP keeps its flags (RIFF header, "WEBP", the VP8X chunk header), and the
# flag that says the file is animated.
_VP8X_FLAGS = 20
_ANIMATION_FLAG = 0x02


@dataclass(frozen=True)
class ImageOutput:
    """What the user wants pictures stored as: at most ``max_px`` on the longer side, in
    ``format`` (``keep``: the format they came in), lossy formats at ``quality`` (1-100)."""

    max_px: int = DEFAULT_MAX_PX
    format: str = DEFAULT_FORMAT
    quality: int = DEFAULT_QUALITY

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImageOutput:
        """The config's ``image_max_px``, ``image_format`` and ``image_quality`` (defaults where
        missing)."""
        return cls(
            max_px=int(config.get("image_max_px", DEFAULT_MAX_PX)),
            format=str(config.get("image_format", DEFAULT_FORMAT)).lower(),
            quality=int(config.get("image_quality", DEFAULT_QUALITY)),
        )

    def to_config(self) -> dict[str, Any]:
        """The settings as the config writes them (``image_max_px``, ``image_format``, ``image_quality``)."""
        return {"image_max_px": self.max_px, "image_format": self.format, "image_quality": self.quality}

    def options(self) -> dict[str, Any]:
        """These settings as a picture request's options (they change what is stored)."""
        return {"image_max_px": self.max_px, "image_format": self.format, "image_quality": self.quality}

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ImageOutput | None:
        """The settings a request's options carry (`options`), or None when they carry none."""
        if not any(key in options for key in _KEYS):
            return None
        return cls.from_config(options)

    def wants(self, source: str) -> bool:
        """Whether a picture that arrived as ``source`` (an extension) is in the wanted format."""
        return self.format == "keep" or _EXTENSIONS.get(self.format) == source

    def extension_for(self, source: str) -> str:
        """The extension a picture that arrived as ``source`` (``png``, ``jpg``, ``gif``, ``webp``)
        is stored under once it is encoded anew: ``keep`` keeps it, except GIF, which no bundled encoder
        writes (PNG then)."""
        if self.format == "keep":
            return "png" if source == "gif" else source
        return _EXTENSIONS.get(self.format, source)


def is_animated_webp(data: bytes) -> bool:
    """Whether ``data`` is an extended WebP whose VP8X header sets the animation flag."""
    if len(data) <= _VP8X_FLAGS or data[:4] != b"RIFF" or data[8:16] != b"WEBPVP8X":
        return False
    return bool(data[_VP8X_FLAGS] & _ANIMATION_FLAG)

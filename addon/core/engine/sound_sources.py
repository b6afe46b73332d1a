"""The sounds transcript targets (kind ``text``) hear: the first ``[sound:…]`` file of a note's
source field, read from the media folder, as an `AudioInput` a transcription request carries.

`SoundFiles` hashes each file once per job (however many notes name it) and reads its duration
(for the per-minute price) once; a file that is not in the media folder is `None`, which the
planner turns into a failure of that note naming the field, the file and the fix.

Thread safety: a `SoundFiles` belongs to one job and is used by the thread that plans it; not
safe to share between threads.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable

from ..media.types import AudioInput

# The file of a sound tag; a name holds no "]" (Anki's own tag pattern).
_SOUND_FILE = re.compile(r"\[sound:([^\]]+)\]")
_HASH_CHUNK = 1 << 20

# The length in seconds of the sound file at a path, None when it cannot be told.
Duration = Callable[[str], "float | None"]


def first_sound(value: str) -> str:
    """The file name of the first sound tag in a field's value ("" when it has none)."""
    match = _SOUND_FILE.search(value)
    return match.group(1).strip() if match else ""


class SoundFiles:
    """The sound files of one media folder (``media_dir``; None: no media folder, so every file
    is missing), each hashed once; ``duration`` reads a file's length."""

    def __init__(self, media_dir: str | None, *, duration: Duration | None = None) -> None:
        self.media_dir = media_dir
        self._duration = duration
        self._known: dict[str, AudioInput | None] = {}

    def audio(self, name: str) -> AudioInput | None:
        """The sound ``name`` of the media folder, or None when no such file is there."""
        if name not in self._known:
            self._known[name] = self._read(name)
        return self._known[name]

    def _read(self, name: str) -> AudioInput | None:
        if self.media_dir is None or os.path.basename(name) != name or name in ("", ".", ".."):
            return None
        path = os.path.join(self.media_dir, name)
        digest = hashlib.sha1()
        try:
            with open(path, "rb") as file:
                while chunk := file.read(_HASH_CHUNK):
                    digest.update(chunk)
        except OSError:
            return None
        extension = os.path.splitext(name)[1].lstrip(".").lower()
        seconds = self._duration(path) if self._duration is not None else None
        return AudioInput(extension=extension, sha1=digest.hexdigest(), path=path, duration_s=seconds)

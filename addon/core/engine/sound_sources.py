"""The sounds transcript targets (kind ``text``) hear: the first ``[sound:…]`` file of a note's
source field, read from the media folder, as an `AudioInput` a transcription request carries.

`SoundFiles` reads each file once per job (however many notes name it), for its hash and its
duration (for the per-minute price; `audio_duration`, from its headers); the request reads it
again only when it is sent; a file that is not in the media folder is `None`, which the
planner turns into a failure of that note naming the field, the file and the fix.

Thread safety: a `SoundFiles` belongs to one job and is used by the thread that plans it; not
safe to share between threads.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Callable

from ..media.audio_duration import audio_duration
from ..media.types import AudioInput

# The file of a sound tag; a name holds no "]" (Anki's own tag pattern).
_SOUND_FILE = re.compile(r"\[sound:([^\]]+)\]")

# The length in seconds of a sound (its bytes; its file's extension as a hint), None when it
# cannot be told (`audio_duration`).
Duration = Callable[..., "float | None"]


def first_sound(value: str) -> str:
    """The file name of the first sound tag in a field's value ("" when it has none). A field is
    HTML: Anki's editor writes a file "a & b.mp3" as ``[sound:a &amp; b.mp3]``, so the name is
    unescaped, as Anki reads it."""
    match = _SOUND_FILE.search(value)
    return html.unescape(match.group(1)).strip() if match else ""


class SoundFiles:
    """The sound files of one media folder (``media_dir``; None: no media folder, so every file
    is missing), each read once; ``duration`` tells a sound's length."""

    def __init__(self, media_dir: str | None, *, duration: Duration = audio_duration) -> None:
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
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError:
            return None
        extension = os.path.splitext(name)[1].lstrip(".").lower()
        sha1 = hashlib.sha1(data).hexdigest()
        return AudioInput(
            extension=extension, sha1=sha1, path=path, duration_s=self._duration(data, extension=extension)
        )

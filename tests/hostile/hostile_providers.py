"""Third-party audio providers of the hostile-input tests, loaded the way a user's own providers
are: by module path in the config's ``provider_modules`` (see `MODULES`).

* `CorpusSpeech` answers every request at once with MP3 bytes made from the text (`speech_for`),
  and records the texts it was sent, so a test can check what reached a provider.
* `HostilePictures` answers with a picture whose credit line is the hostile one the word names
  (``credit-markup``, ``credit-controls``): a found image's credit goes into a field of its own.
* `HostileSpeech` is a careless or malicious provider: what it hands back is chosen by the word
  it is asked for (see `HOSTILE_WORDS`): an extension with a path in it, a result claiming to be
  for another request, a lying provider name, an HTML page labelled MP3, an error message full of
  markup, a credit line with markup, control characters or a lone surrogate.

Neither needs a key or the network.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any, ClassVar

from addon.core.base.errors import PermanentError
from addon.core.media.types import Attribution, MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, ImageProvider, KeyUse
from tests.support.media_samples import png_bytes
from tests.support.streaming_fakes import MP3_FRAME_HEADER, MP3_MIN_BYTES

MODULES = {
    "audio": {
        "corpus_speech": "tests.hostile.hostile_providers:CorpusSpeech",
        "hostile_speech": "tests.hostile.hostile_providers:HostileSpeech",
    },
    "image": {"hostile_pictures": "tests.hostile.hostile_providers:HostilePictures"},
}

FAST: dict[str, Any] = {"max_concurrency": 4, "requests_per_minute": 100_000, "retry_attempts": 0}

MARKUP_ERROR = "<script>alert(1)</script>[sound:../../evil.mp3]<img src=x onerror=alert(2)>"
CREDIT_MARKUP = Attribution(
    title="<script>alert(1)</script>",
    author="--><img src=x onerror=alert(2)><!--",
    license="CC <b>BY</b>",
    source_url="javascript:alert(3)",
)
CREDIT_CONTROLS = Attribution(title="\x00\x1b[31mred\x1b[0m\u202eevil\u202c", author="a\ud800b\r\nc\x85d")


def speech_for(text: str) -> bytes:
    """The MP3 bytes `CorpusSpeech` and `HostileSpeech` make for ``text``: an MPEG frame header, the
    text's SHA-1 and zero padding (`require_media` takes them for MP3)."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest().encode()
    return MP3_FRAME_HEADER + digest + b"\x00" * (MP3_MIN_BYTES - len(MP3_FRAME_HEADER) - len(digest))


class CorpusSpeech(AudioProvider):
    """Speech for any text at once; ``texts`` lists what it was sent (thread-safe)."""

    name = "corpus_speech"
    description = "Test speech made in process; records the texts it is sent."
    capabilities = Capabilities(key=KeyUse.NONE)
    default_settings: ClassVar[dict[str, Any]] = FAST

    def __init__(self, settings: Any, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self._lock = threading.Lock()
        self._texts: list[str] = []

    @property
    def texts(self) -> list[str]:
        with self._lock:
            return list(self._texts)

    def generate(self, request: MediaRequest) -> MediaResult:
        with self._lock:
            self._texts.append(request.text)
        return MediaResult(
            request=request, provider=self.name, data=speech_for(request.text), extension="mp3", mime_type="audio/mpeg"
        )

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0, "ok")


# The word a note holds -> what HostileSpeech does for it, and whether the job must store media.
HOSTILE_WORDS: dict[str, tuple[str, bool]] = {
    "extension-traversal": ("extension 'mp3/../../evil'", False),
    "extension-dotdot": ("extension '../../x'", False),
    "extension-absolute": ("extension '/etc/passwd'", False),
    "extension-long": ("an extension of 3,000 characters", False),
    "html-as-mp3": ("an HTML page with a script labelled MP3", False),
    "image-for-audio": ("a PNG for an audio request", False),
    "error-markup": ("an error whose message is markup and a sound tag", False),
    "request-swap": ("a result claiming to be for the request '../../etc/passwd'", True),
    "provider-name": ("a result naming the provider '../../evil'", True),
    "mime-lie": ("MP3 bytes with a MIME type holding a path", True),
    "credit-markup": ("a credit line full of markup", True),
    "credit-controls": ("a credit line with controls, bidi overrides and a lone surrogate", True),
}


class HostileSpeech(AudioProvider):
    """Hands back what `HOSTILE_WORDS` says for the word asked for; plain speech for other words."""

    name = "hostile_speech"
    description = "Test speech provider that hands back hostile names, URLs and texts."
    capabilities = Capabilities(key=KeyUse.NONE)
    default_settings: ClassVar[dict[str, Any]] = FAST

    def generate(self, request: MediaRequest) -> MediaResult:
        word = request.text
        speech = speech_for(word)
        extension, data, mime = "mp3", speech, "audio/mpeg"
        answered, provider, attribution = request, self.name, None
        if word == "extension-traversal":
            extension = "mp3/../../evil"
        elif word == "extension-dotdot":
            extension = "../../x"
        elif word == "extension-absolute":
            extension = "/etc/passwd"
        elif word == "extension-long":
            extension = "mp3" * 1000
        elif word == "html-as-mp3":
            data = b"<!DOCTYPE html><html><script>alert(1)</script>" + b" " * 300 + b"</html>"
        elif word == "image-for-audio":
            data, extension, mime = png_bytes(), "png", "image/png"
        elif word == "error-markup":
            raise PermanentError(MARKUP_ERROR, provider=self.name)
        elif word == "request-swap":
            answered = MediaRequest(kind=MediaKind.IMAGE, text="../../etc/passwd", language="xx")
        elif word == "provider-name":
            provider = "../../evil"
        elif word == "mime-lie":
            mime = "text/html; name=../../evil.sh"
        elif word == "credit-markup":
            attribution = CREDIT_MARKUP
        elif word == "credit-controls":
            attribution = CREDIT_CONTROLS
        return MediaResult(
            request=answered,
            provider=provider,
            data=data,
            extension=extension,
            mime_type=mime,
            attribution=attribution,
        )

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0, "ok")


class HostilePictures(ImageProvider):
    """A picture for any prompt, credited with `CREDIT_MARKUP` or `CREDIT_CONTROLS` when the prompt
    is ``credit-markup`` or ``credit-controls``."""

    name = "hostile_pictures"
    description = "Test image provider whose credit lines are hostile."
    capabilities = Capabilities(key=KeyUse.NONE)
    default_settings: ClassVar[dict[str, Any]] = FAST

    def generate(self, request: MediaRequest) -> MediaResult:
        credit = {"credit-markup": CREDIT_MARKUP, "credit-controls": CREDIT_CONTROLS}.get(request.text)
        return MediaResult(
            request=request,
            provider=self.name,
            data=png_bytes(rgb=(len(request.text) % 256, 0, 0)),
            extension="png",
            mime_type="image/png",
            attribution=credit,
        )

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0, "ok")

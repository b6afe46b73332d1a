"""Yandex SpeechKit's API v3 over REST (``POST {base_url}/tts/v3/utteranceSynthesis``), used by
``yandex_tts`` for the voices API v1 does not serve (Hebrew ``naomi``, the newer Russian, Kazakh and
Uzbek voices, any voice outside `yandex_tts.VOICE_LANGUAGES`).

Wire format (Yandex Cloud's API reference "SpeechKit Synthesis Service API v3, REST:
Synthesizer.UtteranceSynthesis", and its "Synthesis options" table comparing v1 and v3): a JSON body
``{"text", "hints": [{"voice"}, {"role"}?, {"speed"}], "outputAudioSpec": {"containerAudio":
{"containerAudioType": "MP3" | "OGG_OPUS" | "WAV"}}}``; the language follows the voice (v3 takes no
``lang``). The same ``Authorization`` header as API v1; the folder goes in the ``x-folder-id``
header. The answer streams one JSON object per line, each ``{"result": {"audioChunk": {"data":
<base64>}, …}}`` (the REST gateway's wrapping of the gRPC stream; a bare ``{"audioChunk": …}`` is
read too); the audio is all the chunks joined in order ("the API v3 may return multiple audio
fragments … a complete response is a result of merging all the received fragments"). A line
``{"error": {…}}`` is a failure reported after the 200 began.

Thread safety: pure functions; nothing is kept between calls.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from ...core.base.errors import InvalidResponseError, PermanentError

V3_PATH = "/tts/v3/utteranceSynthesis"
# The ``output_format`` setting → v3's container type.
CONTAINER_TYPES: Mapping[str, str] = {"mp3": "MP3", "oggopus": "OGG_OPUS"}


def v3_body(text: str, *, voice: str, role: str | None, speed: float, output_format: str) -> dict[str, Any]:
    """The JSON body of one v3 synthesis; ``role`` (the ``emotion`` setting) only when given."""
    hints: list[dict[str, Any]] = [{"voice": voice}]
    if role:
        hints.append({"role": role})
    hints.append({"speed": round(float(speed), 2)})
    return {
        "text": text,
        "hints": hints,
        "outputAudioSpec": {"containerAudio": {"containerAudioType": CONTAINER_TYPES[output_format]}},
    }


def v3_headers(*, authorization: str, folder_id: str) -> dict[str, str]:
    """The headers of one v3 request: the credential and, when set, the folder."""
    headers = {"Authorization": authorization, "Content-Type": "application/json", "Accept": "application/json"}
    if folder_id:
        headers["x-folder-id"] = folder_id
    return headers


def v3_audio(answer: str, *, provider: str) -> bytes:
    """The audio of a v3 answer: every ``audioChunk`` joined in order. Raises `PermanentError` for
    an error line, `InvalidResponseError` for a line that is not such JSON or an answer without audio."""
    chunks: list[bytes] = []
    for line in answer.splitlines():
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError:
            raise InvalidResponseError(
                "answered with something that is not SpeechKit's JSON lines (check base_url)", provider=provider
            ) from None
        if not isinstance(message, Mapping):
            raise InvalidResponseError("answered with a JSON line that is not an object", provider=provider)
        error = message.get("error")
        if isinstance(error, Mapping):
            said = str(error.get("message") or "no reason given")[:200]
            raise PermanentError(f"Yandex SpeechKit stopped the synthesis: {said}", provider=provider)
        result = message.get("result", message)
        chunk = result.get("audioChunk") if isinstance(result, Mapping) else None
        data = chunk.get("data") if isinstance(chunk, Mapping) else None
        if isinstance(data, str) and data:
            try:
                chunks.append(base64.b64decode(data, validate=True))
            except (binascii.Error, ValueError):
                raise InvalidResponseError("answered with audio that is not valid base64", provider=provider) from None
    if not chunks:
        raise InvalidResponseError("answered without any audio (no audioChunk)", provider=provider)
    return b"".join(chunks)

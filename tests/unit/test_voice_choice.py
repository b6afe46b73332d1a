"""`requested_voice`: the target's voice a sound request names for one provider."""

from __future__ import annotations

from typing import Any

import pytest

from addon.core.base.errors import PermanentError
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.media.voice_choice import checked_voice, requested_voice


def request(**options: Any) -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text="casa", language="es", options=options)


def test_the_voice_for_the_provider_is_read_stripped() -> None:
    asked = request(voice={"openai_tts": "  nova ", "google_tts": "es-ES-Neural2-A"})
    assert requested_voice(asked, "openai_tts") == "nova"
    assert requested_voice(asked, "google_tts") == "es-ES-Neural2-A"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"voice": {}},
        {"voice": {"google_tts": "es-ES-Neural2-A"}},  # another provider's
        {"voice": {"openai_tts": ""}},
        {"voice": {"openai_tts": "   "}},
        {"voice": {"openai_tts": None}},
        {"voice": {"openai_tts": 7}},
        {"voice": "nova"},  # not a mapping
        {"voice": ["openai_tts", "nova"]},
        {"image_max_px": 800},
    ],
)
def test_no_voice_when_the_request_names_none_for_the_provider(options: dict[str, Any]) -> None:
    assert requested_voice(request(**options), "openai_tts") is None


def test_a_voice_that_does_not_fit_fails_this_request_naming_the_targets_voice() -> None:
    assert checked_voice("nova", provider="openai_tts", pattern=r"\S+", what="a voice") == "nova"
    with pytest.raises(PermanentError) as caught:
        checked_voice("two words", provider="openai_tts", pattern=r"\S+", what="an OpenAI voice name")
    error = caught.value
    assert error.provider == "openai_tts" and not error.provider_wide
    assert "the target's voice for openai_tts is 'two words', which is not an OpenAI voice name" in error.message
    assert "change the voice in the rule's target" in error.message
    with pytest.raises(PermanentError, match=r"'x{77}\.\.\.'"):
        checked_voice("x" * 1001, provider="espeak", pattern=r"x+", what="a voice")

"""The settings GUI tests use to fill the sample deck's English notes against the OpenAI picture
and speech fakes: both providers on, pointed at the fakes, fast, no retries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY

FAST = {"requests_per_minute": 6000, "retry_attempts": 0}


def openai_fill_config(images: Any, speech: Any, rules: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``rules`` with the OpenAI picture and speech providers set up against the running fakes;
    the fakes' switches are reset first."""
    images.reset()
    speech.reset()
    return {
        "rules": [dict(rule) for rule in rules],
        "providers": {
            "image": {"openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": images.url, **FAST}},
            "audio": {"openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": speech.url, **FAST}},
        },
    }

"""Helpers of the contract tests: the four providers built against their fakes, and real exchanges edited.

`providers` builds each provider from its shipped settings (config.json) pointed at its fake;
`with_body` gives a recorded request with its JSON body changed (a field dropped, say), and
`answer_of` asks a fake for its answer to a request without a socket (the same `handle` the server
calls), so a test can edit the answer the fake really gives.

Thread safety: used from the test thread only.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

from addon.core.media.types import MediaKind, MediaRequest
from addon.providers.audio.elevenlabs import ElevenLabsSpeech
from addon.providers.audio.google_tts import GoogleSpeech
from addon.providers.audio.openai_tts import OpenAISpeech
from addon.providers.image.openai import OpenAIImages
from tests.contracts.checker import Checked, check_exchange
from tests.fakes import elevenlabs_fake, google_tts_fake, openai_fake, openai_tts_fake
from tests.support.fake_http import Recorded, Reply
from tests.support.shipped import shipped_slice

_COMMON = {"enabled": True, "requests_per_minute": 60000, "retry_attempts": 0}


def openai_tts(fake: openai_tts_fake.OpenAITTSFake) -> OpenAISpeech:
    settings = {**shipped_slice("audio", "openai_tts"), **_COMMON, "api_key": openai_tts_fake.TEST_KEY}
    return OpenAISpeech({**settings, "base_url": fake.url}, environ={})


def openai_images(fake: openai_fake.OpenAIFake) -> OpenAIImages:
    settings = {**shipped_slice("image", "openai"), **_COMMON, "api_key": openai_fake.TEST_KEY, "api_key_env": ""}
    return OpenAIImages({**settings, "base_url": fake.url}, environ={})


def elevenlabs(fake: elevenlabs_fake.ElevenLabsFake) -> ElevenLabsSpeech:
    settings = {**shipped_slice("audio", "elevenlabs"), **_COMMON, "api_key": elevenlabs_fake.TEST_KEY}
    return ElevenLabsSpeech({**settings, "base_url": fake.url}, environ={})


def google_tts(fake: google_tts_fake.GoogleTTSFake) -> GoogleSpeech:
    settings = {**shipped_slice("audio", "google_tts"), **_COMMON, "api_key": google_tts_fake.TEST_KEY}
    return GoogleSpeech({**settings, "base_url": fake.url}, environ={})


def speech(text: str = "Guten Morgen", language: str = "de") -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language=language)


def picture(text: str = "A flashcard illustration of a red apple") -> MediaRequest:
    return MediaRequest(kind=MediaKind.IMAGE, text=text, language="en")


def with_body(request: Recorded, change: Callable[[dict[str, Any]], None]) -> Recorded:
    """``request`` with its JSON body passed through ``change`` (which edits it in place)."""
    body = copy.deepcopy(request.json())
    change(body)
    return dataclasses.replace(request, body=json.dumps(body).encode())


def answer_of(handle: Callable[[Recorded], Reply], request: Recorded) -> Reply:
    """The fake's answer to ``request`` (its ``handle``, as the server calls it)."""
    return handle(request)


def json_answer(reply: Reply) -> Any:
    return json.loads(reply.body)


def with_json_answer(reply: Reply, change: Callable[[Any], None]) -> Reply:
    """``reply`` with its JSON body passed through ``change`` (which edits it in place)."""
    body = json_answer(reply)
    change(body)
    return dataclasses.replace(reply, body=json.dumps(body).encode())


def check(api: str, request: Recorded, reply: Reply) -> Checked:
    """`check_exchange` of a request and a `Reply`."""
    content_type = next((v for k, v in reply.headers.items() if k.lower() == "content-type"), "")
    return check_exchange(api, request, status=reply.status, content_type=content_type, body=reply.body)


def violations_text(result: Checked) -> str:
    return "\n".join(result.violations)

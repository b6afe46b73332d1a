"""A fake of ElevenLabs' text-to-speech API on 127.0.0.1, for the ``elevenlabs`` audio provider's tests.

``with serve_elevenlabs() as fake:`` starts it; point the provider's ``base_url`` at ``fake.url`` (the
server's root: the API paths start with ``/v1``) and use ``TEST_KEY`` as its key. ``fake.requests``
records every request (method, path, query, lower-case headers, body).

Where each shape comes from (``../shared/provider_apis.md`` §5):

* ``POST /v1/text-to-speech/{voice_id}?output_format=…`` — §5.1 (``xi-api-key`` header, JSON body),
  §5.2 (the ``output_format`` values; ``mp3_44100_128`` when none is given), §5.3 (``text`` required;
  ``model_id`` defaults to ``eleven_multilingual_v2``; ``language_code`` only for Turbo/Flash v2.5,
  any other model answers 400 to it (the API reference; status name and wording [UNCONFIRMED]);
  ``voice_settings``), character limits per model (§5.3: multilingual v2 10,000, flash/turbo v2.5
  40,000).
* Success — §5.4: the audio bytes, ``Content-Type: audio/mpeg`` for MP3, headers ``request-id``,
  ``character-cost``, ``x-trace-id``, ``current-concurrent-requests``, ``maximum-concurrent-requests``.
* Errors — §5.5: ``{"detail": {"status", "message"}}`` with 400 ``max_character_limit_exceeded``,
  401 ``invalid_api_key``, 401 ``quota_exceeded`` (with the §5.5 wording, counted against ``credits``),
  404 ``voice_not_found`` (wording [OBS] from elevenlabs/elevenlabs-docs#1317), 429
  ``too_many_concurrent_requests`` / ``system_busy`` (``Retry-After`` optional), and 500 with the
  bare ``{"status", "message"}`` body; FastAPI's 422 ``{"detail": [{"loc", "msg", "type"}]}``
  (§5.5, shape from the SDK's HTTPValidationError) for a missing/empty ``text``, a body that is not
  JSON, an unknown ``output_format`` and ``voice_settings`` out of range (messages in pydantic's
  words, [UNCONFIRMED]).
* Not in provider_apis.md, marked [UNCONFIRMED]/[OBS] in the code: the 401 ``needs_authorization``
  answer to a request without a key [OBS, issue threads], 401 ``missing_permissions`` for a key
  restricted from an endpoint [OBS, issue threads], the unknown-model 400 ("A model with model ID …
  does not exist." [OBS]; status code and ``status`` [UNCONFIRMED]), ``GET /v1/voices/{voice_id}``
  (the SDK's ``voices.get``), FastAPI's 404 ``{"detail": "Not Found"}`` and 405 ``{"detail":
  "Method Not Allowed"}``.
* ``GET /v1/voices`` — §5.8 [SDK]: ``{"voices": [Voice]}``, each voice with ``voice_id``,
  ``name``, ``category``, ``labels`` (``gender``, ``accent``, ``age``…), ``description``,
  ``preview_url`` (here a URL on the fake, ``/previews/{voice_id}.mp3``, served without a key as
  the vendor's public sample files are), ``verified_languages``
  (``{"language", "model_id", "accent", "locale", "preview_url"}``), ``available_for_tiers``,
  ``settings``, ``high_quality_base_model_ids``; the same voice object answers
  ``GET /v1/voices/{voice_id}``. The voices' labels and languages are `VOICE_DETAILS`.

What the fake can be told (attributes and methods of `ElevenLabsFake`):

* ``voices``: the voice IDs the account has ({id: name}), described by ``voice_details`` ({id:
  (gender, accent, [locale…])}, `VOICE_DETAILS`; a voice without an entry has no labels and no
  verified language); ``models``: the model IDs it knows;
* ``credits``: characters left (None: unlimited); a text longer than that gets 401 ``quota_exceeded``;
* ``restricted``: endpoints ("tts", "voices") the key may not use → 401 ``missing_permissions``;
* `fail` (a `Failure`, ``times=N``), `fail_always`, `stop_failing`; ``on="tts"`` (default),
  ``"voices"`` or ``"any"`` says which requests the failure answers. Ready-made failures:
  `invalid_api_key`, `quota_exceeded`, `too_many_concurrent_requests`, `system_busy`,
  `voice_not_found`, `max_character_limit_exceeded`, `validation_error`, `server_error`,
  `html_gateway_error`;
* `hang` (``times=N`` or always): no answer until ``hang_s`` passes or the fake stops;
* ``payload``: serve these exact bytes (e.g. an HTML page) with ``payload_type`` as Content-Type
  instead of the audio; ``audio``: the bytes served per container ("mp3", "wav") — pass real MP3
  (the ``mp3_bytes`` fixture) to serve real speech;
* `reset`: back to the state ``serve_elevenlabs`` gave, for one server shared by several tests.

Thread safety: the server answers on its own daemon threads; the switches may be set from the test
thread at any time (the failure queue and the credits are guarded by a lock).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tests.contracts.checker import ELEVENLABS, observe_reply
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.media_samples import silent_mp3, silent_wav

TEST_KEY = "sk-test-elevenlabs-7d2e9f41b6a3"

GEORGE = "JBFqnCBsd6RMkjVDRZzb"  # §5.7's voice
DEFAULT_VOICES: Mapping[str, str] = {
    GEORGE: "George",
    "21m00Tcm4TlvDq8ikWAM": "Rachel",
    "pNInz6obpgDQGcFmaJgB": "Adam",
}
# §5.8: (gender label, accent label, verified locales) of the default voices ([UNCONFIRMED] values).
VOICE_DETAILS: Mapping[str, tuple[str, str, tuple[str, ...]]] = {
    GEORGE: ("male", "british", ("en-GB",)),
    "21m00Tcm4TlvDq8ikWAM": ("female", "american", ("en-US", "es-ES")),
    "pNInz6obpgDQGcFmaJgB": ("male", "american", ("en-US",)),
}
DEFAULT_MODELS = (
    "eleven_multilingual_v2", "eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_v3",
    "eleven_turbo_v2", "eleven_flash_v2", "eleven_multilingual_v1",
)  # fmt: skip
DEFAULT_MODEL = "eleven_multilingual_v2"  # §5.3 [3P]
DEFAULT_OUTPUT_FORMAT = "mp3_44100_128"  # §5.2 [3P]
TTS_PREFIX = "/v1/text-to-speech/"
PREVIEW_PREFIX = "/previews/"  # where this fake serves the voices' preview_url (§5.8), without a key

# §5.2
OUTPUT_FORMATS = frozenset(
    [f"mp3_{r}" for r in ("22050_32", "24000_48", "44100_32", "44100_64", "44100_96", "44100_128", "44100_192")]
    + [f"opus_48000_{b}" for b in (32, 64, 96, 128, 192)]
    + [f"pcm_{r}" for r in (8000, 16000, 22050, 24000, 32000, 44100, 48000)]
    + [f"wav_{r}" for r in (8000, 16000, 22050, 24000, 32000, 44100, 48000)]
    + ["ulaw_8000", "alaw_8000"]
)
# §5.3: per-request character limits; models not listed get the multilingual v2 limit.
CHARACTER_LIMITS = {"eleven_multilingual_v2": 10_000, "eleven_flash_v2_5": 40_000, "eleven_turbo_v2_5": 40_000}
_DEFAULT_CHARACTER_LIMIT = 10_000
# The models that take language_code (§5.3; ElevenLabs' API reference: "Currently only Turbo v2.5
# supports language enforcement. For other models, an error will be returned if language code is
# provided", later pages add Flash v2.5 and say multilingual v2 does not support it).
LANGUAGE_CODE_MODELS = frozenset({"eleven_turbo_v2_5", "eleven_flash_v2_5"})
_ID = re.compile(r"^[A-Za-z0-9]+$")
_QUOTA = 10_000  # §5.5's example quota


# --- Media ----------------------------------------------------------------------------------------


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    b"</center><hr><center>cloudflare</center></body></html>\n"
)


# --- Failures -------------------------------------------------------------------------------------


_JSON = {"Content-Type": "application/json"}


def detail_failure(status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None) -> Failure:
    """§5.5's envelope ``{"detail": {"status", "message"}}``."""
    body = json.dumps({"detail": {"status": code, "message": message}}).encode()
    return Failure(status, body, {**_JSON, **(headers or {})})


def validation_error(*entries: tuple[list[Any], str, str]) -> Failure:
    """FastAPI's 422 ``{"detail": [{"loc", "msg", "type"}]}`` (§5.5)."""
    detail = [{"loc": loc, "msg": msg, "type": kind} for loc, msg, kind in entries]
    return Failure(422, json.dumps({"detail": detail}).encode(), _JSON)


def invalid_api_key() -> Failure:
    return detail_failure(401, "invalid_api_key", "Invalid API key")  # §5.5


def needs_authorization() -> Failure:
    # [OBS] issue threads (e.g. griptape-ai/ComfyUI-Griptape#144): no key sent at all.
    return detail_failure(
        401, "needs_authorization", "Neither authorization header nor xi-api-key received, please provide one."
    )


def missing_permissions(permission: str) -> Failure:
    # [OBS] issue threads (danielmiessler/LifeOS#667, VapiAI/docs#1198): a key restricted per endpoint.
    return detail_failure(
        401,
        "missing_permissions",
        f"The API key you used is missing the permission {permission} to execute this operation.",
    )


def quota_exceeded(*, remaining: int = 0, required: int = 91, quota: int = _QUOTA) -> Failure:
    """§5.5: 401, not 429."""
    return detail_failure(
        401,
        "quota_exceeded",
        f"This request exceeds your quota of {quota}. You have {remaining} credits remaining, while {required} "
        "credits are required for this request.",
    )


def too_many_concurrent_requests(*, retry_after: str | None = None, maximum: int = 2) -> Failure:
    """§5.5 [OBS]; ``Retry-After`` only when given (§5.5 does not say the API sends one)."""
    return detail_failure(
        429,
        "too_many_concurrent_requests",
        f"Too many concurrent requests. Your current subscription is associated with a maximum of {maximum} "
        "concurrent requests (running in parallel). Please upgrade your subscription or reduce the number of "
        "concurrent requests.",
        headers={"Retry-After": retry_after} if retry_after is not None else None,
    )


def system_busy(*, retry_after: str | None = None) -> Failure:
    """§5.5 [3P]: server overload."""
    return detail_failure(
        429,
        "system_busy",
        "We are currently experiencing a heavy volume of requests. Please try again in a few moments.",
        headers={"Retry-After": retry_after} if retry_after is not None else None,
    )


def voice_not_found(voice_id: str) -> Failure:
    return detail_failure(404, "voice_not_found", f"A voice with the voice_id {voice_id} was not found.")


def max_character_limit_exceeded(length: int = 627, limit: int = 333) -> Failure:
    """§5.5 [OFFICIAL] (the example is the anonymous limit; signed-in limits are per model)."""
    return detail_failure(
        400,
        "max_character_limit_exceeded",
        f"This request's text has {length} characters and exceeds the character limit of {limit} characters.",
    )


def model_not_found(model_id: str) -> Failure:
    # Message [OBS] (C-Nedelcu/talk-to-chatgpt#182); the 400 and the status name [UNCONFIRMED].
    return detail_failure(400, "model_not_found", f"A model with model ID {model_id} does not exist.")


def server_error(status: int = 500) -> Failure:
    """§5.5 [OBS]: the body comes without the "detail" wrapper."""
    body = {
        "status": "internal_server_error",
        "message": "Internal Server error. All such crashes are reported to us automatically.",
    }
    return Failure(status, json.dumps(body).encode(), _JSON)


def html_gateway_error(status: int = 502) -> Failure:
    return Failure(status, HTML_PAGE, {"Content-Type": "text/html"})


HANG = Failure(hang=True)


# --- The fake -------------------------------------------------------------------------------------


class ElevenLabsFake(ScriptedFailures):
    """The state and answers of the fake; see the module docstring for the switches."""

    failing_endpoint = "tts"  # failure endpoints: "tts", "voices"

    def __init__(
        self,
        *,
        key: str,
        voices: Mapping[str, str],
        models: tuple[str, ...],
        credits: int | None,
        hang_s: float,
        audio: Mapping[str, bytes] | None,
    ) -> None:
        self.key = key
        self._initial_voices = dict(voices)
        self._initial_models = tuple(models)
        self._initial_credits = credits
        self._initial_audio = {"mp3": silent_mp3(), "wav": silent_wav(), **(audio or {})}
        self.hang_s = hang_s
        self._lock = threading.Lock()
        self._server: FakeServer | None = None
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(504).reply())
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.voices: dict[str, str] = dict(self._initial_voices)
        self.voice_details: dict[str, tuple[str, str, tuple[str, ...]]] = dict(VOICE_DETAILS)
        self.models: list[str] = list(self._initial_models)
        self.credits: int | None = self._initial_credits
        self.audio: dict[str, bytes] = dict(self._initial_audio)
        self.restricted: set[str] = set()
        self.payload: bytes | None = None
        self.payload_type = "audio/mpeg"
        self._failures.stop_failing()

    def reset(self) -> None:
        """Back to a fresh fake on the same port: switches off, failures forgotten, hanging requests
        released, recorded requests cleared."""
        self._set_defaults()
        self._failures.reset()
        if self._server is not None:
            self._server.requests.clear()

    # --- what tests use ---

    @property
    def url(self) -> str:
        """The base URL for the provider (the server's root; API paths start with /v1)."""
        assert self._server is not None, "the fake is not serving"
        return self._server.url

    @property
    def requests(self) -> list[Recorded]:
        assert self._server is not None, "the fake is not serving"
        return self._server.requests

    def tts_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(TTS_PREFIX)]

    # --- serving ---

    def handle(self, request: Recorded) -> Reply:
        """The answer to ``request`` (checked against ElevenLabs' OpenAPI document by tests.contracts)."""
        reply = self._answer(request)
        observe_reply(ELEVENLABS, request, reply)
        return reply

    def _answer(self, request: Recorded) -> Reply:
        if request.path.startswith(PREVIEW_PREFIX) and request.method == "GET":  # public, like the real ones
            voice_id = request.path.removeprefix(PREVIEW_PREFIX).removesuffix(".mp3")
            if voice_id not in self.voices:
                return Reply(404, b"", {})
            return Reply(200, self.audio["mp3"], {"Content-Type": "audio/mpeg"})
        if request.path.startswith(TTS_PREFIX):
            endpoint, method = "tts", "POST"
        elif request.path == "/v1/voices" or request.path.startswith("/v1/voices/"):
            endpoint, method = "voices", "GET"
        else:
            return Reply.of_json({"detail": "Not Found"}, status=404)  # FastAPI [UNCONFIRMED]
        if request.method != method:
            return Reply.of_json({"detail": "Method Not Allowed"}, status=405)  # FastAPI [UNCONFIRMED]
        auth = self._check_auth(request, endpoint)
        if auth is not None:
            return auth.reply()
        failure = self._failures.next_failure(endpoint)
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        return self._speak(request) if endpoint == "tts" else self._voices(request)

    def _check_auth(self, request: Recorded, endpoint: str) -> Failure | None:
        key = request.headers.get("xi-api-key")
        if key is None:
            return needs_authorization()
        if key != self.key:
            return invalid_api_key()
        if endpoint in self.restricted:
            return missing_permissions("text_to_speech" if endpoint == "tts" else "voices_read")
        return None

    def _voices(self, request: Recorded) -> Reply:
        """[UNCONFIRMED, not in provider_apis.md] the SDK's ``voices.get_all`` / ``voices.get``."""
        if request.path == "/v1/voices":
            return Reply.of_json({"voices": [self._voice_object(v) for v in self.voices]})
        voice_id = request.path.removeprefix("/v1/voices/")
        if voice_id not in self.voices:
            return voice_not_found(voice_id).reply()
        return Reply.of_json(self._voice_object(voice_id))

    def _voice_object(self, voice_id: str) -> dict[str, Any]:
        """A voice as §5.8 describes it (the SDK's ``Voice``: only ``voice_id`` is required)."""
        gender, accent, locales = self.voice_details.get(voice_id, ("", "", ()))
        preview = f"{self.url}{PREVIEW_PREFIX}{voice_id}.mp3"
        return {
            "voice_id": voice_id,
            "name": self.voices[voice_id],
            "samples": None,
            "category": "premade",
            "fine_tuning": None,
            "labels": {"accent": accent, "gender": gender, "age": "middle_aged"} if gender else {},
            "description": "",
            "preview_url": preview,
            "available_for_tiers": [],
            "settings": None,
            "sharing": None,
            "high_quality_base_model_ids": ["eleven_multilingual_v2", "eleven_flash_v2_5"],
            "verified_languages": [
                {
                    "language": locale.split("-")[0],
                    "model_id": "eleven_multilingual_v2",
                    "accent": accent,
                    "locale": locale,
                    "preview_url": preview,
                }
                for locale in locales
            ],
            "is_owner": False,
            "is_legacy": False,
        }

    def _speak(self, request: Recorded) -> Reply:
        voice_id = request.path.removeprefix(TTS_PREFIX)
        if "/" in voice_id:  # /stream, /with-timestamps: not served here
            return Reply.of_json({"detail": "Not Found"}, status=404)
        output_format = request.query.get("output_format", [DEFAULT_OUTPUT_FORMAT])[-1]
        if output_format not in OUTPUT_FORMATS:
            return validation_error(
                (
                    ["query", "output_format"],
                    f"value is not a valid enumeration member; permitted: {', '.join(sorted(OUTPUT_FORMATS))}",
                    "type_error.enum",
                )
            ).reply()
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            return validation_error((["body", 0], f"Expecting value: {exc}", "value_error.jsondecode")).reply()
        if not isinstance(body, dict):
            return validation_error((["body"], "value is not a valid dict", "type_error.dict")).reply()
        problem = self._validate(body, voice_id=voice_id)
        if problem is not None:
            return problem.reply()
        text = body["text"]
        with self._lock:
            if self.credits is not None:
                if len(text) > self.credits:
                    return quota_exceeded(remaining=self.credits, required=len(text)).reply()
                self.credits -= len(text)
        if self.payload is not None:
            data, content_type = self.payload, self.payload_type
        elif output_format.startswith("wav_"):
            data, content_type = self.audio["wav"], "audio/wav"
        elif output_format.startswith("mp3_"):
            data, content_type = self.audio["mp3"], "audio/mpeg"
        else:  # opus, pcm, ulaw, alaw: raw streams this fake does not make
            data, content_type = b"\x00" * 4096, "application/octet-stream"
        return Reply(
            200,
            data,
            {
                "Content-Type": content_type,
                "request-id": uuid.uuid4().hex[:20],
                "character-cost": str(len(text)),
                "x-trace-id": uuid.uuid4().hex,
                "current-concurrent-requests": "1",
                "maximum-concurrent-requests": "2",
            },
        )

    def _validate(self, body: dict[str, Any], *, voice_id: str) -> Failure | None:
        """What the real API rejects (§5.3, §5.5)."""
        if "text" not in body:
            return validation_error((["body", "text"], "field required", "value_error.missing"))
        text = body["text"]
        if not isinstance(text, str):
            return validation_error((["body", "text"], "str type expected", "type_error.str"))
        if not text.strip():  # [UNCONFIRMED] wording
            return validation_error(
                (["body", "text"], "ensure this value has at least 1 characters", "value_error.any_str.min_length")
            )
        model = body.get("model_id") or DEFAULT_MODEL
        if not isinstance(model, str) or not _ID.match(model.replace("_", "").replace(".", "")):
            return detail_failure(  # [OBS] elevenlabs/elevenlabs-python#163 (status name [UNCONFIRMED])
                400, "invalid_uid", f"An invalid ID has been received: '{model}'. Make sure to provide a correct one."
            )
        if model not in self.models:
            return model_not_found(model)
        if not _ID.match(voice_id):
            return detail_failure(
                400,
                "invalid_uid",
                f"An invalid ID has been received: '{voice_id}'. Make sure to provide a correct one.",
            )
        if voice_id not in self.voices:
            return voice_not_found(voice_id)
        if body.get("language_code") is not None and model not in LANGUAGE_CODE_MODELS:
            return detail_failure(
                400,
                "unsupported_language_code",
                f"The model {model} does not support language_code; only {', '.join(sorted(LANGUAGE_CODE_MODELS))} do.",
            )
        settings = body.get("voice_settings")
        if settings is not None:
            if not isinstance(settings, dict):
                return validation_error((["body", "voice_settings"], "value is not a valid dict", "type_error.dict"))
            for name in ("stability", "similarity_boost", "style"):
                value = settings.get(name)
                if value is None:
                    continue
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    return validation_error(
                        (["body", "voice_settings", name], "value is not a valid float", "type_error.float")
                    )
                if not 0 <= value <= 1:  # [UNCONFIRMED] wording
                    bound = "greater than or equal to 0" if value < 0 else "less than or equal to 1"
                    kind = "value_error.number.not_ge" if value < 0 else "value_error.number.not_le"
                    return validation_error((["body", "voice_settings", name], f"ensure this value is {bound}", kind))
        limit = CHARACTER_LIMITS.get(model, _DEFAULT_CHARACTER_LIMIT)
        if len(text) > limit:
            return max_character_limit_exceeded(len(text), limit)
        return None

    def _release(self) -> None:
        self._failures.release()


@contextmanager
def serve_elevenlabs(
    *,
    key: str = TEST_KEY,
    voices: Mapping[str, str] = DEFAULT_VOICES,
    models: tuple[str, ...] = DEFAULT_MODELS,
    credits: int | None = None,
    hang_s: float = 30.0,
    audio: Mapping[str, bytes] | None = None,
) -> Iterator[ElevenLabsFake]:
    """Serve the fake until the block ends; hanging requests are released then. ``audio`` replaces
    the silent MP3/WAV served for "mp3"/"wav" formats (e.g. ``{"mp3": mp3_bytes}``)."""
    fake = ElevenLabsFake(key=key, voices=voices, models=models, credits=credits, hang_s=hang_s, audio=audio)
    with serve(fake.handle) as server:
        fake._server = server
        try:
            yield fake
        finally:
            fake._release()

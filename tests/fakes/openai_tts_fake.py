"""A fake of OpenAI's text-to-speech API on 127.0.0.1, for the ``openai_tts`` provider's tests.

``with serve_openai_tts() as fake:`` starts it; point the provider's ``base_url`` at ``fake.url``
(which ends in ``/v1``) and use ``TEST_KEY`` as its key. ``fake.requests`` records every request
(method, path, query, lower-case headers, body) as `fake_http.Recorded`.

It is built on ``http.server`` directly (not on ``fake_http.serve``) because the real answer is
chunked (``Transfer-Encoding: chunked``, §2.3), which also lets it cut a body short or stall in it.

Where each shape comes from (``../shared/provider_apis.md``):

* ``POST /v1/audio/speech`` — §2.1 (Bearer auth, JSON body), §2.2 (``model``, ``input``, ``voice``
  required; ``input`` ≤ 4096 characters; the built-in voices, a custom voice as ``{"id": "voice_…"}``;
  ``tts-1``/``tts-1-hd`` know only nine voices [3P] and take no ``instructions`` (whether they
  ignore or reject them is [UNCONFIRMED]: this fake rejects them, the stricter choice);
  ``response_format`` mp3/opus/aac/flac/wav/pcm; ``speed`` 0.25-4.0; ``stream_format`` audio/sse,
  sse not for tts-1; ``additionalProperties: false`` → 400 ``unknown_parameter`` [UNCONFIRMED]).
* Success — §2.3: 200, the raw audio, chunked, ``Content-Type: audio/mpeg`` for mp3 and
  ``audio/aac`` for aac [OBS]; ``audio/ogg``/``audio/flac``/``audio/wav``/``audio/pcm`` for the
  others [UNCONFIRMED]; ``pcm`` is bare 24 kHz 16-bit mono samples, ``opus`` is Ogg Opus. Headers
  ``x-request-id``, ``openai-processing-ms``, ``openai-version`` (§1.1 [OBS]). ``stream_format: sse``
  is not described by the spec and is not served (400 here).
* Errors — §2.4 → §1.4 envelope ``{"error": {"message", "type", "param", "code"}}`` and §1.5's cases:
  `invalid_api_key` (401), `insufficient_quota` (429), `rate_limited` (429 + ``Retry-After``,
  ``retry-after-ms`` optional, §1.6), `server_error` (500/502/503), `model_not_found` ("404 (or 400)").
  The 400s for ``input`` too long or an unknown voice are §2.4's; their wording, the 401 for a missing
  key, the 400 for a body that is not JSON, the 403s (`forbidden`: a restricted key's missing
  scope; `unsupported_country`) and the 404 "Invalid URL" for unknown routes are [UNCONFIRMED],
  modelled on commonly seen OpenAI answers.
* ``GET /v1/models/{model}`` (and ``/v1/models``) — not in provider_apis.md; OpenAI's OpenAPI file
  [UNCONFIRMED]: the model object ``{"id", "object": "model", "created", "owned_by"}``.

What the fake can be told (attributes and methods of `OpenAITTSFake`):

* `fail` (a `Failure`, ``times=N``), `fail_always`, `stop_failing`; ``on="speech"`` (default),
  ``"models"`` or ``"any"`` says which requests the failure answers. Ready failures:
  `server_error` (500/502/503), `rate_limited` (429 + ``Retry-After`` / ``retry-after-ms``),
  `insufficient_quota` (429), `invalid_api_key` (401), `bad_request` (400, any param),
  `forbidden` / `unsupported_country` (403), `model_not_found`, `html_gateway_error` (a proxy's 502);
* `hang` (``times=N`` or always): no answer at all until ``hang_s`` passes or the fake stops;
  ``stall``: send the headers and the first chunk of audio, then nothing more (same release);
  ``cut_short``: send the first chunk, then close the connection without ending the body;
* ``text_payloads``: per input text, the bytes served for it (before ``voice_payloads``: a voice that
  answers one word with another word's sound, for the checked-sound tests);
* ``voice_payloads``: per voice name, the bytes served for it (before ``payload``; other voices as usual);
* ``payload``: serve these exact bytes as the audio (e.g. `HTML_PAGE`), with ``content_type``
  (default: the one of the format asked for); ``serve_format``: serve this format's audio
  (e.g. ``"wav"``) whatever was asked;
* ``audio``: the bytes served per format (``serve_openai_tts(audio={"mp3": real_mp3})``);
* ``models``: the model IDs it knows; ``unknown_model_status`` 404 (default) or 400;
  ``custom_voices``: the custom voice IDs it knows;
* ``latency_s``: every API answer waits this long first (a slow server; tests of responsiveness);
* `reset`: back to the state ``serve_openai_tts`` gave, for one server shared by several tests.

Thread safety: the server answers on its own daemon threads; the switches may be set from the test
thread at any time (the failure queue and the record are guarded by locks).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.contracts.checker import OPENAI, observe, observe_reply
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import Recorded, Reply
from tests.support.media_samples import LIBFLAC_FLAC, SNDFILE_OPUS, adts_aac_bytes, raw_pcm, silent_mp3, silent_wav

TEST_KEY = "sk-test-openai-tts-7d1e3b9a52c4"

SPEECH_PATH = "/v1/audio/speech"
MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15")
# §2.2: the built-in voices; tts-1 and tts-1-hd know only the first nine [3P].
VOICES = (
    "alloy",
    "ash",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "ballad",
    "verse",
    "marin",
    "cedar",
)
TTS1_VOICES = VOICES[:9]
FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
_FIELDS = frozenset({"model", "input", "voice", "instructions", "response_format", "speed", "stream_format"})
MAX_INPUT_CHARS = 4096

# --- Media ----------------------------------------------------------------------------------------


CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "aac": "audio/aac",
    "opus": "audio/ogg",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Access denied</title></head><body><h1>Access denied</h1>"
    b"<p>Your network administrator blocked this site. Sign in to continue.</p></body></html>\n"
)


def default_audio() -> dict[str, bytes]:
    return {
        "mp3": silent_mp3(),
        "opus": SNDFILE_OPUS,
        "aac": adts_aac_bytes(),  # no test decodes it: the provider never asks for aac
        "flac": LIBFLAC_FLAC,
        "wav": silent_wav(),
        "pcm": raw_pcm(),
    }


# --- Failures -------------------------------------------------------------------------------------


def error_body(message: str, *, type: str, param: str | None = None, code: str | None = None) -> bytes:
    """OpenAI's error envelope (§1.4): all four keys always present."""
    return json.dumps({"error": {"message": message, "type": type, "param": param, "code": code}}).encode()


def api_failure(
    status: int,
    message: str,
    *,
    type: str,
    param: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Failure:
    return Failure(
        status,
        error_body(message, type=type, param=param, code=code),
        {"Content-Type": "application/json", "x-request-id": f"req_{uuid.uuid4().hex}", **(headers or {})},
    )


def server_error(status: int = 500) -> Failure:
    """§1.5 500/502/503 (wording [UNCONFIRMED])."""
    return api_failure(
        status, "The server had an error while processing your request. Sorry about that!", type="server_error"
    )


def html_gateway_error(status: int = 502) -> Failure:
    """A proxy's HTML error page in front of the API (5xx, not JSON)."""
    page = f"<html><head><title>{status} Bad Gateway</title></head><body><h1>{status} Bad Gateway</h1></body></html>"
    return Failure(status, page.encode(), {"Content-Type": "text/html"})


def rate_limited(*, retry_after: str | None = "1", retry_after_ms: str | None = None) -> Failure:
    """§1.5/§1.6: 429 ``rate_limit_exceeded`` with ``Retry-After`` (and ``retry-after-ms`` when given)."""
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if retry_after_ms is not None:
        headers["retry-after-ms"] = retry_after_ms
    return api_failure(
        429,
        "Rate limit reached for gpt-4o-mini-tts in organization org-test on requests per min (RPM): Limit 50, "
        "Used 50, Requested 1. Please try again in 1.2s. Visit https://platform.openai.com/account/rate-limits "
        "to learn more.",
        type="requests",
        code="rate_limit_exceeded",
        headers=headers,
    )


def insufficient_quota() -> Failure:
    """§1.5: 429 ``insufficient_quota`` — spent, not busy; never to be retried."""
    return api_failure(
        429,
        "You exceeded your current quota, please check your plan and billing details. For more information on this "
        "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        type="insufficient_quota",
        code="insufficient_quota",
    )


def _masked(key: str) -> str:
    return f"{key[:3]}****{key[-4:]}" if len(key) > 8 else "****"


def invalid_api_key(sent_key: str = "sk-wrong-key-0000") -> Failure:
    """§1.5: 401 ``invalid_api_key``; the key is quoted masked, as OpenAI does."""
    return api_failure(
        401,
        f"Incorrect API key provided: {_masked(sent_key)}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        type="invalid_request_error",
        code="invalid_api_key",
    )


def missing_api_key() -> Failure:
    """401 without any key (wording [UNCONFIRMED], commonly seen)."""
    return api_failure(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
        "auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from "
        "https://platform.openai.com/account/api-keys.",
        type="invalid_request_error",
    )


def forbidden() -> Failure:
    """403 for a restricted key without the scope (wording [UNCONFIRMED], seen on other endpoints)."""
    return api_failure(
        403,
        "You have insufficient permissions for this operation. Missing scopes: api.model.audio.request. Check that "
        "you have the correct role in your organization (Reader, Writer, Owner) and project (Member, Owner), and if "
        "you're using a restricted API key, that it has the necessary scopes.",
        type="invalid_request_error",
    )


def unsupported_country() -> Failure:
    """403 ``unsupported_country_region_territory`` (wording [UNCONFIRMED], commonly seen)."""
    return api_failure(
        403,
        "Country, region, or territory not supported",
        type="request_forbidden",
        code="unsupported_country_region_territory",
    )


def bad_request(message: str, *, param: str | None = None, code: str | None = "invalid_value") -> Failure:
    """§2.4: 400 ``invalid_request_error`` about ``param``."""
    return api_failure(400, message, type="invalid_request_error", param=param, code=code)


def model_not_found(model: str, *, status: int = 404) -> Failure:
    """§1.5: an unknown or retired model ("404 (or 400)", ``model_not_found``)."""
    return api_failure(
        status,
        f"The model `{model}` does not exist or you do not have access to it.",
        type="invalid_request_error",
        param="model",
        code="model_not_found",
    )


def _missing(name: str) -> Failure:
    return bad_request(f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")


def _invalid_value(value: object, supported: tuple[str, ...], *, param: str) -> Failure:
    listed = [f"'{v}'" for v in supported]
    choices = ", ".join(listed[:-1]) + f", and {listed[-1]}" if len(listed) > 1 else listed[0]
    return bad_request(f"Invalid value: '{value}'. Supported values are: {choices}.", param=param)


HANG = Failure(hang=True)


# --- The fake -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Audio:
    """A success: audio sent chunked."""

    data: bytes
    content_type: str


class OpenAITTSFake(ScriptedFailures):
    """The state and answers of the fake; see the module docstring for the switches."""

    failing_endpoint = "speech"  # failure endpoints: "speech", "models"

    def __init__(self, *, key: str, models: tuple[str, ...], audio: Mapping[str, bytes] | None, hang_s: float) -> None:
        self.key = key
        self.hang_s = hang_s
        self._initial_models = tuple(models)
        self._initial_audio = {**default_audio(), **(audio or {})}
        self._lock = threading.Lock()
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(504).reply())
        self._requests: list[Recorded] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.models: list[str] = list(self._initial_models)
        self.audio: dict[str, bytes] = dict(self._initial_audio)
        self.custom_voices: list[str] = ["voice_1234"]
        self.unknown_model_status = 404
        self.payload: bytes | None = None
        self.voice_payloads: dict[str, bytes] = {}
        self.text_payloads: dict[str, bytes] = {}
        self.content_type: str | None = None
        self.serve_format: str | None = None
        self.stall = False
        self.cut_short = False
        # Seconds each API answer waits, as a busy real server does (a slow server, not a hang).
        self.latency_s = 0.0
        self._failures.stop_failing()

    def reset(self) -> None:
        """Back to a fresh fake on the same port: switches off, failures forgotten, hanging requests
        released, recorded requests cleared."""
        self._set_defaults()
        self._failures.reset()
        with self._lock:
            self._requests.clear()

    # --- what tests use ---

    @property
    def root(self) -> str:
        assert self._httpd is not None, "the fake is not serving"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The base URL for the provider, ending in ``/v1``."""
        return f"{self.root}/v1"

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def speech_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == SPEECH_PATH]

    # --- serving ---

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self._requests.append(request)

    def _wait_released(self) -> None:
        self._failures.wait_released(self.hang_s)

    def handle(self, request: Recorded) -> Reply | _Audio:
        """The answer to ``request`` (checked against OpenAI's OpenAPI document by tests.contracts)."""
        answer = self._answer(request)
        if isinstance(answer, _Audio):
            observe(OPENAI, request, status=200, content_type=answer.content_type, body=answer.data)
        else:
            observe_reply(OPENAI, request, answer)
        return answer

    def _answer(self, request: Recorded) -> Reply | _Audio:
        if not request.path.startswith("/v1/"):
            return self._invalid_url(request)
        if self.latency_s:
            time.sleep(self.latency_s)
        auth = self._check_auth(request)
        if auth is not None:
            return auth.reply()
        if request.path == SPEECH_PATH and request.method == "POST":
            failure = self._failures.next_failure("speech")
            return self._failures.answer(failure, hang_s=self.hang_s) if failure else self._speech(request)
        if request.method == "GET" and (request.path == "/v1/models" or request.path.startswith("/v1/models/")):
            failure = self._failures.next_failure("models")
            return self._failures.answer(failure, hang_s=self.hang_s) if failure else self._models(request)
        return self._invalid_url(request)

    @staticmethod
    def _invalid_url(request: Recorded) -> Reply:
        """[UNCONFIRMED] OpenAI's answer for a route it does not have."""
        return api_failure(404, f"Invalid URL ({request.method} {request.path})", type="invalid_request_error").reply()

    def _check_auth(self, request: Recorded) -> Failure | None:
        header = request.headers.get("authorization", "")
        if not header:
            return missing_api_key()
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or token != self.key:
            return invalid_api_key(token or header)
        return None

    def _models(self, request: Recorded) -> Reply:
        if request.path == "/v1/models":
            return Reply.of_json({"object": "list", "data": [self._model_object(m) for m in self.models]})
        model = urllib.parse.unquote(request.path.removeprefix("/v1/models/"))
        if model not in self.models:
            return model_not_found(model).reply()
        return Reply.of_json(self._model_object(model))

    @staticmethod
    def _model_object(model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": 1745000000, "owned_by": "system"}

    def _speech(self, request: Recorded) -> Reply | _Audio:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self._not_json()
        try:
            body = json.loads(request.body)
        except ValueError:
            return self._not_json()
        if not isinstance(body, dict):
            return self._not_json()
        problem = self._validate(body)
        if problem is not None:
            return problem.reply()
        asked = str(body.get("response_format", "mp3"))
        served = self.serve_format or asked
        data = self.text_payloads.get(str(body.get("input")))
        if data is None:
            data = self.voice_payloads.get(str(body.get("voice")))
        if data is None:
            data = self.payload if self.payload is not None else self.audio[served]
        return _Audio(data, self.content_type or CONTENT_TYPES[served])

    @staticmethod
    def _not_json() -> Reply:
        """[UNCONFIRMED] wording of OpenAI's answer to a body that is not JSON."""
        return bad_request(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
            "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
            code=None,
        ).reply()

    def _validate(self, body: dict[str, Any]) -> Failure | None:
        """What the real API rejects (§2.2, §2.4)."""
        for name in body:
            if name not in _FIELDS:
                return bad_request(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
        for name in ("model", "input", "voice"):
            if name not in body:
                return _missing(name)
        model = body["model"]
        if not isinstance(model, str) or model not in self.models:
            return model_not_found(str(model), status=self.unknown_model_status)
        legacy = model.startswith("tts-1")
        text = body["input"]
        if not isinstance(text, str):
            return bad_request("Invalid type for 'input': expected a string.", param="input", code="invalid_type")
        if not text:  # [UNCONFIRMED]
            return bad_request("Invalid 'input': empty string.", param="input", code="empty_string")
        if len(text) > MAX_INPUT_CHARS:  # §2.4; wording [UNCONFIRMED]
            return bad_request(
                f"Invalid 'input': string too long. Expected a string with maximum length {MAX_INPUT_CHARS}, but got "
                f"a string with length {len(text)} instead.",
                param="input",
                code="string_above_max_length",
            )
        problem = self._voice_problem(body["voice"], legacy=legacy)
        if problem is not None:
            return problem
        if "instructions" in body:
            instructions = body["instructions"]
            if legacy:  # [UNCONFIRMED] whether tts-1 ignores or rejects them: rejected here
                return bad_request(
                    f"Instructions are not supported for the model '{model}'.", param="instructions", code=None
                )
            if not isinstance(instructions, str) or len(instructions) > MAX_INPUT_CHARS:
                return bad_request(
                    f"Invalid 'instructions': expected a string with maximum length {MAX_INPUT_CHARS}.",
                    param="instructions",
                    code="string_above_max_length",
                )
        if "response_format" in body and body["response_format"] not in FORMATS:
            return _invalid_value(body["response_format"], FORMATS, param="response_format")
        if "speed" in body:
            speed = body["speed"]
            if not isinstance(speed, (int, float)) or isinstance(speed, bool) or not 0.25 <= speed <= 4.0:
                return bad_request(
                    f"Invalid 'speed': expected a number between 0.25 and 4.0, but got {speed!r} instead.",
                    param="speed",
                    code="invalid_value",
                )
        if "stream_format" in body:
            stream_format = body["stream_format"]
            if stream_format not in ("audio", "sse"):
                return _invalid_value(stream_format, ("audio", "sse"), param="stream_format")
            if stream_format == "sse":  # not for tts-1 (§2.2); the SSE shape is not in the spec: not served
                return bad_request(
                    f"stream_format 'sse' is not supported for the model '{model}'.", param="stream_format"
                )
        return None

    def _voice_problem(self, voice: object, *, legacy: bool) -> Failure | None:
        if isinstance(voice, dict):
            voice_id = voice.get("id")
            if set(voice) != {"id"} or not isinstance(voice_id, str) or voice_id not in self.custom_voices:
                return bad_request(f"Invalid 'voice': unknown voice {voice_id!r}.", param="voice")
            if legacy:
                return bad_request("Custom voices are not supported for this model.", param="voice")
            return None
        allowed = TTS1_VOICES if legacy else VOICES
        if voice not in allowed:
            return _invalid_value(voice, allowed, param="voice")
        return None

    # --- the HTTP server ---

    def _make_server(self) -> ThreadingHTTPServer:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urllib.parse.urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=urllib.parse.parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                fake._record(recorded)
                answer = fake.handle(recorded)
                if isinstance(answer, _Audio):
                    self._send_audio(answer)
                else:
                    self._send_reply(answer)

            def _send_reply(self, reply: Reply) -> None:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def _send_audio(self, audio: _Audio) -> None:
                self.send_response(200)
                self.send_header("Content-Type", audio.content_type)
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
                self.send_header("openai-processing-ms", "312")
                self.send_header("openai-version", "2020-10-01")
                self.end_headers()
                data = audio.data
                chunks = [data[i : i + 1024] for i in range(0, len(data), 1024)] or [b""]
                for number, chunk in enumerate(chunks):
                    if chunk:
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                        self.wfile.flush()
                    if number == 0 and fake.cut_short:
                        self.close_connection = True
                        return
                    if number == 0 and fake.stall:
                        fake._wait_released()
                        self.close_connection = True
                        return
                self.wfile.write(b"0\r\n\r\n")

            do_GET = do_POST = _serve

        class _QuietServer(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                """A client that gave up (a timeout under test) is expected: not printed."""

        return _QuietServer(("127.0.0.1", 0), _Handler)

    def _start(self) -> None:
        self._httpd = self._make_server()
        threading.Thread(target=self._httpd.serve_forever, name="fake-openai-tts", daemon=True).start()

    def _stop(self) -> None:
        self._failures.release()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


@contextmanager
def serve_openai_tts(
    *,
    key: str = TEST_KEY,
    models: tuple[str, ...] = MODELS,
    audio: Mapping[str, bytes] | None = None,
    hang_s: float = 30.0,
) -> Iterator[OpenAITTSFake]:
    """Serve the fake until the block ends; hanging requests are released then. ``audio`` replaces
    the bytes served for some formats (e.g. ``{"mp3": real_mp3}``)."""
    fake = OpenAITTSFake(key=key, models=models, audio=audio, hang_s=hang_s)
    fake._start()
    try:
        yield fake
    finally:
        fake._stop()

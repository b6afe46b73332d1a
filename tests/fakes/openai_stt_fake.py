"""A fake of OpenAI's transcription API (``POST /v1/audio/transcriptions``) on 127.0.0.1, for the
``openai_stt`` provider's tests; also a local OpenAI-compatible server (whisper.cpp's
``whisper-server --inference-path /v1/audio/transcriptions``) with ``local=True``.

``with serve_openai_stt() as fake:`` starts it; point the provider's ``base_url`` at ``fake.url``
(ending in ``/v1``) and use ``TEST_KEY``. ``fake.requests`` records every request;
``fake.transcription_forms()`` gives each transcription request's form (`Form`: fields and the
file part's name, type and bytes).

Where each shape comes from (docs/speech_to_text.md §1, ../shared/provider_apis.md §11.1):

* [OFFICIAL] multipart/form-data only; ``file`` and ``model`` required; ``language`` ISO-639-1;
  ``response_format`` json (default) | text | srt | verbose_json | vtt, the gpt-4o models json or
  text only; ``additionalProperties: false``; the file's format from its name's extension (flac,
  mp3, mp4, mpeg, mpga, m4a, ogg, oga, wav, webm). Success ``{"text": …, "usage": …}`` (tokens for
  the gpt-4o models, ``{"type": "duration", "seconds": N}`` for whisper-1).
* [OBS] 400 "Invalid file format. Supported formats: [...]" (param/code null); 413 "Maximum content
  size limit (26214400) exceeded (N bytes read)"; 401/429/5xx in OpenAI's envelope (as
  openai_tts_fake); 400 "Audio file is too short. Minimum audio length is 0.1 seconds.".
* [UNCONFIRMED] the wording of the missing/unknown-field and bad-language 400s (§11.1's table).
* ``local=True`` (whisper.cpp, [3P]): no key asked, ``model`` ignored, WAV only (anything else
  400 "failed to read WAV file" [UNCONFIRMED wording]), no ``usage``, no ``/v1/models`` (404).

Switches: `fail` / `fail_always` / `hang` / `stop_failing` (`Failure`s; ready ones below; ``on``
``"transcriptions"``, the default, ``"models"`` or ``"any"``);
``transcripts`` (the SHA-1 of a sound's bytes → its text; others get ``transcript``);
``payload`` (these bytes as a 200 answer, ``payload_type`` its type: an HTML page, broken JSON);
``cut`` (close the connection without an answer); `reset`.

Thread safety: the server answers on its own daemon threads; switches are set from the test thread.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import uuid
import wave
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from tests.contracts.checker import OPENAI, observe_reply
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported for the tests)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import FakeServer, Recorded, Reply, serve

TEST_KEY = "sk-test-openai-stt-4b8e1f0c93a7"
TRANSCRIPTIONS_PATH = "/v1/audio/transcriptions"
MODELS = ("gpt-4o-mini-transcribe", "gpt-4o-transcribe", "whisper-1", "gpt-4o-mini-transcribe-2025-12-15")
EXTENSIONS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "oga", "wav", "webm")
FIELDS = frozenset(
    {
        "file",
        "model",
        "language",
        "prompt",
        "response_format",
        "temperature",
        "include[]",
        "stream",
        "chunking_strategy",
    }
)
MAX_CONTENT_BYTES = 26_214_400
DEFAULT_TRANSCRIPT = "hello world"
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Sign in to continue</h1></body></html>"
HANG = Failure(hang=True)


@dataclass(frozen=True)
class Form:
    """One multipart form: its text fields and its ``file`` part."""

    fields: Mapping[str, str]
    filename: str
    file_type: str
    file: bytes


def parse_form(recorded: Recorded) -> Form | None:
    """The form of a multipart request (None when the body is not one)."""
    content_type = recorded.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + recorded.body
    )
    if not message.is_multipart():
        return None
    fields: dict[str, str] = {}
    filename = file_type = ""
    file = b""
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        if not isinstance(name, str):
            continue
        if part.get_filename() is not None:
            filename, file_type, file = part.get_filename() or "", part.get_content_type(), payload
            fields[name] = "<file>"
        else:
            fields[name] = payload.decode("utf-8")
    return Form(fields=fields, filename=filename, file_type=file_type, file=file)


def error_body(message: str, *, type: str, param: str | None = None, code: str | None = None) -> bytes:
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


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> Failure:
    return api_failure(400, message, type="invalid_request_error", param=param, code=code)


def invalid_api_key() -> Failure:
    return api_failure(
        401,
        "Incorrect API key provided: sk-wr****0000. You can find your API key at https://platform.openai.com/account/api-keys.",
        type="invalid_request_error",
        code="invalid_api_key",
    )


def forbidden() -> Failure:
    return api_failure(
        403,
        "You have insufficient permissions for this operation. Missing scopes: api.model.audio.request.",
        type="invalid_request_error",
    )


def rate_limited(*, retry_after: str | None = "1") -> Failure:
    return api_failure(
        429,
        "Rate limit reached for gpt-4o-mini-transcribe in organization org-test on requests per min (RPM).",
        type="requests",
        code="rate_limit_exceeded",
        headers={"Retry-After": retry_after} if retry_after is not None else None,
    )


def insufficient_quota() -> Failure:
    return api_failure(
        429,
        "You exceeded your current quota, please check your plan and billing details.",
        type="insufficient_quota",
        code="insufficient_quota",
    )


def server_error(status: int = 500) -> Failure:
    return api_failure(
        status, "The server had an error while processing your request. Sorry about that!", type="server_error"
    )


def html_gateway_error(status: int = 502) -> Failure:
    page = f"<html><head><title>{status} Bad Gateway</title></head><body><h1>{status} Bad Gateway</h1></body></html>"
    return Failure(status, page.encode(), {"Content-Type": "text/html"})


def too_large(size: int) -> Failure:
    return api_failure(
        413, f"Maximum content size limit ({MAX_CONTENT_BYTES}) exceeded ({size} bytes read)", type="server_error"
    )


def _wav_seconds(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data)) as reader:
            return float(reader.getnframes() / reader.getframerate())
    except (wave.Error, EOFError):
        return None


class OpenAISTTFake(ScriptedFailures):
    """The state and answers of the fake; see the module docstring."""

    failing_endpoint = "transcriptions"

    def __init__(self, *, local: bool, hang_s: float) -> None:
        self.local = local
        self.hang_s = hang_s
        self._server: FakeServer | None = None
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(504).reply())
        self._lock = threading.Lock()
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.transcripts: dict[str, str] = {}
        self.transcript = DEFAULT_TRANSCRIPT
        self.payload: bytes | None = None
        self.payload_type = "application/json"
        self.cut = False
        self._failures.stop_failing()

    def reset(self) -> None:
        self._set_defaults()
        self._failures.reset()
        if self._server is not None:
            self._server.requests.clear()

    @property
    def url(self) -> str:
        assert self._server is not None, "the fake is not serving"
        return f"{self._server.url}/v1"

    @property
    def requests(self) -> list[Recorded]:
        assert self._server is not None, "the fake is not serving"
        return self._server.requests

    def transcription_forms(self) -> list[Form]:
        forms = [parse_form(r) for r in self.requests if r.path == TRANSCRIPTIONS_PATH]
        return [form for form in forms if form is not None]

    def say(self, audio: bytes, text: str) -> None:
        """Answer ``text`` for the sound ``audio``."""
        self.transcripts[hashlib.sha1(audio).hexdigest()] = text

    # --- serving ---

    def handle(self, request: Recorded) -> Reply:
        reply = self._answer(request)
        if not self.local:  # a local server is whisper.cpp's, not OpenAI's API
            observe_reply(OPENAI, request, reply, off_spec=self._off_spec(request, reply))
        return reply

    def _off_spec(self, request: Recorded, reply: Reply) -> str:
        """Why an answer is off OpenAI's spec on purpose (a switch of a test), else ""."""
        if self.payload is not None and request.path == TRANSCRIPTIONS_PATH:
            return "the payload switch"
        return ""

    def _answer(self, request: Recorded) -> Reply:
        models = request.path.startswith("/v1/models") and request.method == "GET"
        if not models and request.path != TRANSCRIPTIONS_PATH:
            return _not_found(request)
        failure = self._failures.next_failure("models" if models else "transcriptions")
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        if models:
            return self._models(request)
        if self.cut:
            raise ConnectionAbortedError("the fake cuts the connection")
        refused = self._auth(request)
        if refused is not None:
            return refused.reply()
        if len(request.body) > MAX_CONTENT_BYTES:
            return too_large(len(request.body)).reply()
        form = parse_form(request)
        if form is None:
            return bad_request("Could not parse multipart form").reply()
        problem = self._validate(form)
        if problem is not None:
            return problem.reply()
        if self.payload is not None:
            return Reply(200, self.payload, {"Content-Type": self.payload_type})
        text = self.transcripts.get(hashlib.sha1(form.file).hexdigest(), self.transcript)
        body: dict[str, Any] = {"text": text}
        if not self.local:
            model = form.fields["model"]
            body["usage"] = (
                {"type": "duration", "seconds": 1}
                if model == "whisper-1"
                else {"type": "tokens", "input_tokens": 14, "output_tokens": 3, "total_tokens": 17}
            )
        return Reply.of_json(body, headers={"x-request-id": f"req_{uuid.uuid4().hex}"})

    def _auth(self, request: Recorded) -> Failure | None:
        if self.local:
            return None
        header = request.headers.get("authorization", "")
        if not header:
            return api_failure(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization header using "
                "Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                type="invalid_request_error",
            )
        if header != f"Bearer {TEST_KEY}":
            return invalid_api_key()
        return None

    def _validate(self, form: Form) -> Failure | None:
        unknown = sorted(set(form.fields) - FIELDS)
        if unknown:
            return bad_request(f"Unknown parameter: '{unknown[0]}'.", param=unknown[0], code="unknown_parameter")
        if "file" not in form.fields:
            return bad_request("Missing required parameter: 'file'.", param="file", code="missing_required_parameter")
        if self.local:
            if _wav_seconds(form.file) is None:
                return Failure(400, b'{"error":"failed to read WAV file"}', {"Content-Type": "application/json"})
            return None
        model = form.fields.get("model")
        if not model:
            return bad_request("Missing required parameter: 'model'.", param="model", code="missing_required_parameter")
        if model not in MODELS:
            return bad_request(
                f"The model `{model}` does not exist or you do not have access to it.",
                param="model",
                code="model_not_found",
            )
        extension = form.filename.rpartition(".")[2].lower() if "." in form.filename else ""
        if extension not in EXTENSIONS:
            return bad_request(f"Invalid file format. Supported formats: {sorted(EXTENSIONS)!r}")
        language = form.fields.get("language")
        if language is not None and (len(language) != 2 or not language.isalpha() or not language.islower()):
            return bad_request(
                f"Invalid language '{language}'. Language parameter must be specified in ISO-639-1 format.",
                param="language",
                code="invalid_value",
            )
        response_format = form.fields.get("response_format", "json")
        if model.startswith("gpt-4o") and response_format not in ("json", "text"):
            return bad_request(
                f"response_format '{response_format}' is not compatible with model '{model}'. Use 'json' or 'text' instead.",
                param="response_format",
                code="unsupported_value",
            )
        seconds = _wav_seconds(form.file) if extension == "wav" else None
        if seconds is not None and seconds < 0.1:
            return bad_request(
                "Audio file is too short. Minimum audio length is 0.1 seconds.", param="file", code="audio_too_short"
            )
        return None

    def _models(self, request: Recorded) -> Reply:
        if self.local:
            return _not_found(request)
        refused = self._auth(request)
        if refused is not None:
            return refused.reply()
        model = request.path.removeprefix("/v1/models").strip("/")
        if model and model not in MODELS:
            return api_failure(
                404,
                f"The model '{model}' does not exist",
                type="invalid_request_error",
                param="model",
                code="model_not_found",
            ).reply()
        if model:
            return Reply.of_json({"id": model, "object": "model", "created": 1700000000, "owned_by": "system"})
        return Reply.of_json({"object": "list", "data": [{"id": m, "object": "model"} for m in MODELS]})


def _not_found(request: Recorded) -> Reply:
    return Reply(
        404,
        error_body(f"Invalid URL ({request.method} {request.path})", type="invalid_request_error"),
        {"Content-Type": "application/json"},
    )


@contextmanager
def serve_openai_stt(*, local: bool = False, hang_s: float = 5.0) -> Iterator[OpenAISTTFake]:
    """Serve the fake on 127.0.0.1 until the block ends (``local``: as a whisper.cpp server)."""
    fake = OpenAISTTFake(local=local, hang_s=hang_s)
    with serve(fake.handle) as server:
        fake._server = server
        try:
            yield fake
        finally:
            fake._failures.release()
            fake._server = None

"""A fake of Yandex SpeechKit's speech synthesis, API v1 (``POST /speech/v1/tts:synthesize``) and API
v3 over REST (``POST /tts/v3/utteranceSynthesis``), on 127.0.0.1, for the ``yandex_tts`` audio
provider's tests.

``with serve_yandex_tts(mp3=...) as fake:`` starts it; point the provider's ``base_url`` at
``fake.url`` and use ``TEST_KEY`` (an API key) or ``TEST_IAM_TOKEN`` (an IAM token) as its key.
``fake.requests`` records every request (method, path, query, lower-case headers, raw body);
``fake.synthesis_requests()`` keeps those to the synthesis path, ``Recorded.body`` decoded with
`form` gives the fields.

``../shared/provider_apis.md`` has no section on Yandex SpeechKit; every shape below comes from
Yandex Cloud's own documentation (the ``yandex-cloud/docs`` repository and yandex.cloud/docs, read
in 2026) or from answers users captured, tagged as in provider_apis.md:

* [OFFICIAL] ``speechkit/tts/request.md`` (API v1 method description): ``POST
  tts.api.cloud.yandex.net/speech/v1/tts:synthesize``; every parameter URL-encoded in the body
  (``application/x-www-form-urlencoded``), the body at most 15 KB; ``text`` (at most 5,000
  characters) or ``ssml``, one of the two; ``lang`` (``ru-RU`` by default); ``voice``;
  ``emotion`` (Russian voices only); ``speed`` 0.1-3.0 (1.0 by default); ``format`` ``lpcm`` |
  ``oggopus`` (default) | ``mp3``; ``sampleRateHertz`` 48000/16000/8000 for ``lpcm`` only;
  ``folderId`` (at most 50 characters; required for user accounts, not for service accounts).
  Success: the body is the audio file itself, in the ``format`` asked for (LPCM: raw samples, no
  header).
* [OFFICIAL] ``speechkit/tts/voices.md``: the voices of API v1 and their roles (`V1_VOICES`); the
  default voice is ``marina``. Hebrew (``naomi``) and the newer Russian, Kazakh and Uzbek voices
  are API v3 only, and API v1 has no Turkish voice any more.
* [OFFICIAL] ``_includes/authentication-ml-services.md``, ``speechkit/concepts/auth.md``:
  ``Authorization: Api-Key <API key>`` (service accounts) or ``Authorization: Bearer <IAM token>``;
  the FAQ (aistudio.yandex.ru/docs/en/speechkit/qa/all): under a service account ``folderId`` is not
  needed, "if you specify a different folder, the service will return an error"; under a user
  account it is required. 429 means the folder's quota (40 synthesis requests per second,
  ``_includes/speechkit-limits.md``) is exceeded.
* [OFFICIAL, older page] ``speechkit/concepts/response.md`` (2021 edition): errors are
  ``{"error_code": "<string>", "error_message": "<string>"}`` with 400 ``BAD_REQUEST``, 401
  ``UNAUTHORIZED``, 429 ``TOO_MANY_REQUESTS``, 500 ``INTERNAL_SERVER_ERROR``. The current page
  (``_includes/speechkit/response-format.md``) lists the gRPC statuses and their HTTP codes: 400
  INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 429 RESOURCE_EXHAUSTED, 500
  INTERNAL, 501 UNIMPLEMENTED, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED.
* [OBS] yandex-cloud/docs issue #683 (2024), a real v1 answer: HTTP 401 ``{"error_code":
  "UNAUTHORIZED", "error_message": "rpc error: code = Unauthenticated desc = You have to specify
  folder ID for user account"}`` — the v1 envelope carries the gRPC status in its message. This
  fake writes every error that way.
* [OBS, another Yandex Cloud ML API] gritaro/gigachain issue #15: ``PERMISSION_DENIED`` "The
  cloud '<id>' is inactive" (a cloud suspended for an unpaid balance) and ``INVALID_ARGUMENT``
  "Specified folder ID '<a>' does not match with service account folder ID '<b>'".
* [OBS, API v3] yandex-cloud/docs issue #734: "Unknown role '<role>' for '<voice>' voice".
* [OFFICIAL] API v3 REST (``speechkit/tts-v3/api-ref/Synthesizer/utteranceSynthesis``):
  ``POST /tts/v3/utteranceSynthesis`` with a JSON body ``{"text", "hints": [{"voice"} | {"role"} |
  {"speed"} …, one field each], "outputAudioSpec": {"containerAudio": {"containerAudioType": "WAV" |
  "OGG_OPUS" | "MP3"}}}``; the language follows the voice; the answer is a stream of
  ``{"audioChunk": {"data"}, "textChunk", "startMs", "lengthMs"}`` messages, "multiple audio
  fragments … merging all the received fragments" (``speechkit/tts/index``). This fake serves the
  voices of API v1 and those only v3 has (`V3_ONLY_VOICES`: Hebrew ``naomi`` and some newer ones),
  answers one JSON object per line wrapped as ``{"result": …}`` (the REST gateway's streaming form
  [UNCONFIRMED]), the audio split in two chunks, and takes the folder from the ``x-folder-id``
  header. Its errors use the gateway's ``{"error": {"grpcCode", "httpCode", "message",
  "httpStatus", "details"}}`` [UNCONFIRMED]; scripted failures keep the v1 envelope.
* [UNCONFIRMED] the ``error_code`` names of 403/503/504 (``FORBIDDEN``, ``SERVICE_UNAVAILABLE``,
  ``GATEWAY_TIMEOUT``, by analogy with 401's ``UNAUTHORIZED``), the ``desc`` wording of the
  invalid-argument, bad-key and missing-key answers, the success ``Content-Type`` values, the
  ``Retry-After`` header on 429 (the docs do not say whether it is sent), and Go's plain-text
  ``404 page not found`` for other paths. Response headers ``x-request-id`` and
  ``x-server-trace-id`` are [OFFICIAL] (``speechkit/concepts/support-headers.md``).

What the fake can be told (attributes and methods of `YandexTTSFake`):

* ``api_keys`` / ``iam_tokens``: the credentials it accepts; ``iam_tokens_are_users`` (True): IAM
  tokens belong to a user account, so they need ``folderId``; ``service_account_folder``: the
  folder of the API key's service account (another ``folderId`` with an API key is refused);
* ``voices``: the voices it knows and their roles (``V1_VOICES``; remove one to play a voice that
  was withdrawn);
* ``payload``: serve these exact bytes with status 200 (an HTML page, JSON, cut-short audio…) —
  the wrong-bytes case; ``payload_type`` its ``Content-Type``; ``serve_format``: serve this format
  (``mp3``/``oggopus``/``lpcm``) whatever was asked;
* `fail` (a `Failure`, ``times=N``), `fail_always`, `stop_failing`; ready-made failures:
  `bad_request`, `unknown_key`, `expired_iam_token`, `folder_required`, `permission_denied`,
  `cloud_inactive`, `rate_limited`, `server_error`, `html_gateway_error`;
* `hang` (``times=N`` or always): no answer until ``hang_s`` passes or the fake is reset/stopped;
* `reset`: back to the state `serve_yandex_tts` gave, for one server shared by several tests.

Thread safety: the server answers on its own daemon threads; the switches may be set from the test
thread at any time (the failure queue is guarded by a lock).
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from tests.support.failure_script import ANY, FailureScript, ScriptedFailures
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.media_samples import ogg_opus_bytes, raw_pcm, silent_mp3, silent_wav

TEST_KEY = "sk-test-yandex-7d1e0c4b9a62f3e8"
TEST_IAM_TOKEN = "sk-test-yandex-iam-t1.9euelZq0c2f8a"
SERVICE_ACCOUNT_FOLDER = "b1gtestfolder0sa00001"
SYNTHESIZE_PATH = "/speech/v1/tts:synthesize"
V3_PATH = "/tts/v3/utteranceSynthesis"

MAX_TEXT_CHARS = 5000  # request.md: "Maximum string length: 5,000 characters"
MAX_BODY_BYTES = 15 * 1024  # request.md: "The maximum size of the POST request body is 15 KB"
MAX_FOLDER_ID_CHARS = 50

# voices.md: the voices API v1 serves, their language and their roles (empty: the voice has none).
V1_VOICES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "lea": ("de-DE", ()),
    "john": ("en-US", ()),
    "amira": ("kk-KK", ()),
    "madi": ("kk-KK", ()),
    "alena": ("ru-RU", ("neutral", "good")),
    "filipp": ("ru-RU", ()),
    "ermil": ("ru-RU", ("neutral", "good")),
    "jane": ("ru-RU", ("neutral", "good", "evil")),
    "omazh": ("ru-RU", ("neutral", "evil")),
    "zahar": ("ru-RU", ("neutral", "good")),
    "marina": ("ru-RU", ("neutral", "whisper", "friendly")),
    "madi_ru": ("ru-RU", ()),
    "nigora": ("uz-UZ", ()),
}
# voices.md: voices API v1 does not serve (only API v3), their language and roles ([UNCONFIRMED]
# for the roles of the newer voices).
V3_ONLY_VOICES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "naomi": ("he-IL", ("modern", "classic")),
    "dasha": ("ru-RU", ("neutral", "friendly", "strict")),
    "saule": ("kk-KK", ()),
    "zamira": ("uz-UZ", ()),
}
V3_CONTAINERS = {"MP3": "mp3", "OGG_OPUS": "oggopus", "WAV": "wav"}
DEFAULT_VOICE = "marina"
# The language codes voices.md names ("kk-KK or kk-KZ").
V1_LANGUAGES = frozenset({"ru-RU", "en-US", "de-DE", "kk-KK", "kk-KZ", "uz-UZ"})
FORMATS = ("lpcm", "oggopus", "mp3")
SAMPLE_RATES = ("48000", "16000", "8000")
# [UNCONFIRMED] the Content-Type of each format's answer.
CONTENT_TYPES = {"mp3": "audio/mpeg", "oggopus": "audio/ogg", "lpcm": "application/octet-stream"}


# --- Audio ----------------------------------------------------------------------------------------


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Yandex Cloud</title></head><body><h1>Access restricted</h1>"
    b"<p>The page you requested is not available from your network.</p></body></html>\n"
)


# --- Failures -------------------------------------------------------------------------------------


def _trace_headers() -> dict[str, str]:
    return {"x-request-id": str(uuid.uuid4()), "x-server-trace-id": uuid.uuid4().hex}


def api_error(
    status: int, error_code: str, grpc_code: str, desc: str, *, headers: Mapping[str, str] | None = None
) -> Failure:
    """The v1 error envelope, the gRPC status inside its message (docs issue #683)."""
    body = {"error_code": error_code, "error_message": f"rpc error: code = {grpc_code} desc = {desc}"}
    return Failure(
        status,
        json.dumps(body).encode(),
        {"Content-Type": "application/json", **_trace_headers(), **(headers or {})},
    )


def bad_request(desc: str) -> Failure:
    """400 ``BAD_REQUEST`` / InvalidArgument (the ``desc`` wordings are [UNCONFIRMED])."""
    return api_error(400, "BAD_REQUEST", "InvalidArgument", desc)


def unknown_key() -> Failure:
    """401 for an API key or IAM token the service does not know (wording [UNCONFIRMED])."""
    return api_error(401, "UNAUTHORIZED", "Unauthenticated", "The token is invalid")


def missing_credentials() -> Failure:
    """401 without an ``Authorization`` header (wording [UNCONFIRMED])."""
    return api_error(401, "UNAUTHORIZED", "Unauthenticated", "Authorization header is missing")


def expired_iam_token() -> Failure:
    """401 for an IAM token past its 12 hours (wording [UNCONFIRMED])."""
    return api_error(401, "UNAUTHORIZED", "Unauthenticated", "The token has expired")


def folder_required() -> Failure:
    """401 for a user account's IAM token without ``folderId`` ([OBS] docs issue #683)."""
    return api_error(401, "UNAUTHORIZED", "Unauthenticated", "You have to specify folder ID for user account")


def folder_mismatch(sent: str, owner: str = SERVICE_ACCOUNT_FOLDER) -> Failure:
    """400 for an API key sent with a folder that is not its service account's ([OBS] gigachain#15)."""
    return bad_request(f"Specified folder ID '{sent}' does not match with service account folder ID '{owner}'")


def permission_denied() -> Failure:
    """403 PERMISSION_DENIED: the account lacks a SpeechKit role in the folder ([OFFICIAL] status;
    ``error_code`` and wording [UNCONFIRMED])."""
    return api_error(
        403, "FORBIDDEN", "PermissionDenied", "Permission to [resource-manager.folder b1gtestfolder0sa00001] denied"
    )


def cloud_inactive(cloud: str = "b1gtestcloud00000001") -> Failure:
    """403 for a cloud suspended for an unpaid balance ([OBS] gigachain#15 wording)."""
    return api_error(403, "FORBIDDEN", "PermissionDenied", f"The cloud '{cloud}' is inactive")


def rate_limited(*, retry_after: str | None = "1") -> Failure:
    """429 ``TOO_MANY_REQUESTS`` / ResourceExhausted: the folder's requests-per-second quota. Whether
    Yandex sends ``Retry-After`` is [UNCONFIRMED]; give None to leave it out."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return api_error(
        429,
        "TOO_MANY_REQUESTS",
        "ResourceExhausted",
        "Quota limit ai.speech.synthesizeRequests.rate exceeded",
        headers=headers,
    )


_SERVER_ERRORS = {
    500: ("INTERNAL_SERVER_ERROR", "Internal", "internal error"),
    501: ("NOT_IMPLEMENTED", "Unimplemented", "method not implemented"),
    503: ("SERVICE_UNAVAILABLE", "Unavailable", "service is temporarily unavailable"),
    504: ("GATEWAY_TIMEOUT", "DeadlineExceeded", "context deadline exceeded"),
}


def server_error(status: int = 500) -> Failure:
    """5xx in the v1 envelope (500's code [OFFICIAL, older page]; the others [UNCONFIRMED])."""
    error_code, grpc_code, desc = _SERVER_ERRORS.get(status, ("INTERNAL_SERVER_ERROR", "Internal", "internal error"))
    return api_error(status, error_code, grpc_code, desc)


def html_gateway_error(status: int = 502) -> Failure:
    """A proxy's HTML error page in front of the API (5xx, not JSON)."""
    page = f"<html><head><title>{status} Bad Gateway</title></head><body><h1>{status} Bad Gateway</h1></body></html>"
    return Failure(status, page.encode(), {"Content-Type": "text/html"})


HANG = Failure(hang=True)


def v3_error(status: int, grpc_code: str, message: str) -> Reply:
    """An API v3 REST error in the gateway's envelope ([UNCONFIRMED] field names and wording)."""
    codes = {"InvalidArgument": 3, "Unauthenticated": 16, "PermissionDenied": 7}
    body = {
        "error": {
            "grpcCode": codes.get(grpc_code, 2),
            "httpCode": status,
            "message": message,
            "httpStatus": {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}.get(status, "Error"),
            "details": [],
        }
    }
    return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json", **_trace_headers()})


def _not_found() -> Reply:
    """[UNCONFIRMED] Go's default answer for a path the server does not have."""
    return Reply(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})


def form(recorded: Recorded) -> dict[str, list[str]]:
    """The fields of a form-encoded body, each with every value sent."""
    return urllib.parse.parse_qs(recorded.body.decode("utf-8"), keep_blank_values=True)


# --- The fake -------------------------------------------------------------------------------------


class YandexTTSFake(ScriptedFailures):
    """The state and answers of the fake; see the module docstring for the switches."""

    failing_endpoint = ANY  # one failure endpoint: synthesis

    def __init__(self, *, mp3: bytes, hang_s: float) -> None:
        self._mp3 = mp3
        self.hang_s = hang_s
        self._server: FakeServer | None = None
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(504).reply())
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.api_keys: set[str] = {TEST_KEY}
        self.iam_tokens: set[str] = {TEST_IAM_TOKEN}
        self.iam_tokens_are_users = True
        self.service_account_folder = SERVICE_ACCOUNT_FOLDER
        self.voices: dict[str, tuple[str, tuple[str, ...]]] = dict(V1_VOICES)
        self.payload: bytes | None = None
        self.payload_type = "text/html; charset=utf-8"
        self.serve_format: str | None = None
        self._failures.stop_failing()

    def reset(self) -> None:
        """Back to a fresh fake on the same port: switches off, failures forgotten, hanging
        requests released, recorded requests cleared."""
        self._set_defaults()
        self._failures.reset()
        if self._server is not None:
            self._server.requests.clear()

    # --- what tests use ---

    @property
    def url(self) -> str:
        """The base URL for the provider (the server's root, as ``https://tts.api.cloud.yandex.net``)."""
        assert self._server is not None, "the fake is not serving"
        return self._server.url

    @property
    def requests(self) -> list[Recorded]:
        assert self._server is not None, "the fake is not serving"
        return self._server.requests

    def synthesis_requests(self) -> list[Recorded]:
        """The API v1 synthesis requests."""
        return [r for r in self.requests if r.path == SYNTHESIZE_PATH]

    def v3_requests(self) -> list[Recorded]:
        """The API v3 synthesis requests."""
        return [r for r in self.requests if r.path == V3_PATH]

    def audio(self, audio_format: str, *, sample_rate: int = 48000) -> bytes:
        """The bytes a successful synthesis in ``audio_format`` answers with."""
        if audio_format == "mp3":
            return self._mp3
        if audio_format == "oggopus":
            return ogg_opus_bytes()
        if audio_format == "wav":  # API v3's WAV container
            return silent_wav()
        return raw_pcm(rate=sample_rate)

    # --- serving ---

    def handle(self, request: Recorded) -> Reply:
        if request.path not in (SYNTHESIZE_PATH, V3_PATH):
            return _not_found()
        if request.method != "POST":
            # [UNCONFIRMED] the gateway's answer to another method on the synthesis path.
            return Reply(405, b"Method Not Allowed\n", {"Content-Type": "text/plain; charset=utf-8"})
        failure = self._failures.next_failure()
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        if request.path == V3_PATH:
            return self._v3(request)
        fields = self._fields(request)
        refused = self._check_auth(request, fields)
        if refused is not None:
            return refused.reply()
        problem = self._validate(request, fields)
        if problem is not None:
            return problem.reply()
        return self._synthesize(fields)

    @staticmethod
    def _fields(request: Recorded) -> dict[str, str]:
        """The form fields; a body that is not form-encoded has none (as issue #683 shows: a JSON
        body's ``folderId`` went unseen)."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return {}
        try:
            parsed = urllib.parse.parse_qs(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return {}
        return {name: values[-1] for name, values in parsed.items()}

    def _check_auth(self, request: Recorded, fields: Mapping[str, str]) -> Failure | None:
        header = request.headers.get("authorization", "")
        if not header:
            return missing_credentials()
        scheme, _, credential = header.partition(" ")
        folder = fields.get("folderId", "")
        if scheme == "Api-Key" and credential in self.api_keys:
            if folder and folder != self.service_account_folder:
                return folder_mismatch(folder, self.service_account_folder)
            return None
        if scheme == "Bearer" and credential in self.iam_tokens:
            if self.iam_tokens_are_users and not folder:
                return folder_required()
            if not self.iam_tokens_are_users and folder and folder != self.service_account_folder:
                return folder_mismatch(folder, self.service_account_folder)
            return None
        return unknown_key()

    def _validate(self, request: Recorded, fields: Mapping[str, str]) -> Failure | None:
        """What the real API rejects (request.md, voices.md); wordings [UNCONFIRMED]."""
        if len(request.body) > MAX_BODY_BYTES:
            return bad_request(f"request body is too large: {len(request.body)} bytes, the limit is 15 KB")
        text, ssml = fields.get("text", ""), fields.get("ssml", "")
        if text and ssml:
            return bad_request("only one of text and ssml may be given")
        if not text and not ssml:
            return bad_request("text or ssml must be specified")
        if len(text) > MAX_TEXT_CHARS:
            return bad_request(f"Too long text: {len(text)} characters, the limit is {MAX_TEXT_CHARS}")
        lang = fields.get("lang", "ru-RU")
        if lang not in V1_LANGUAGES:
            return bad_request(f"unsupported lang '{lang}'")
        voice = fields.get("voice", DEFAULT_VOICE)
        if voice not in self.voices:
            return bad_request(f"unsupported voice '{voice}'")
        emotion = fields.get("emotion", "")
        if emotion:
            roles = self.voices[voice][1]
            if emotion not in roles:
                return bad_request(f"Unknown role '{emotion}' for '{voice}' voice")
        speed = fields.get("speed", "1.0")
        try:
            speed_ok = 0.1 <= float(speed) <= 3.0
        except ValueError:
            speed_ok = False
        if not speed_ok:
            return bad_request(f"invalid speed '{speed}': must be a decimal number from 0.1 to 3.0")
        audio_format = fields.get("format", "oggopus")
        if audio_format not in FORMATS:
            return bad_request(f"unsupported format '{audio_format}'")
        rate = fields.get("sampleRateHertz")
        if rate is not None and rate not in SAMPLE_RATES:
            return bad_request(f"unsupported sampleRateHertz '{rate}'")
        if len(fields.get("folderId", "")) > MAX_FOLDER_ID_CHARS:
            return bad_request("folderId is longer than 50 characters")
        return None

    # --- API v3 ---

    def _v3(self, request: Recorded) -> Reply:
        """``utteranceSynthesis`` over REST: JSON in, the audio in base64 chunks out, one JSON per line."""
        refused = self._check_auth(request, {"folderId": request.headers.get("x-folder-id", "")})
        if refused is not None:
            return refused.reply()
        try:
            body = json.loads(request.body)
        except ValueError:
            return v3_error(400, "InvalidArgument", "Syntax error: the body is not JSON")
        problem = self._v3_problem(body) if isinstance(body, dict) else "the body is not a JSON object"
        if problem is not None:
            return v3_error(400, "InvalidArgument", problem)
        headers = {"Content-Type": "application/json", **_trace_headers()}
        if self.payload is not None:
            return Reply(200, self.payload, {**headers, "Content-Type": self.payload_type})
        container = body["outputAudioSpec"]["containerAudio"]["containerAudioType"]
        audio = self.audio(self.serve_format or V3_CONTAINERS[container])
        half = len(audio) // 2
        lines = [
            {"result": {"audioChunk": {"data": base64.b64encode(part).decode()}, "startMs": "0", "lengthMs": "0"}}
            for part in (audio[:half], audio[half:])
        ]
        return Reply(200, "\n".join(json.dumps(line) for line in lines).encode() + b"\n", headers)

    def _v3_problem(self, body: Mapping[str, object]) -> str | None:
        """What API v3 refuses in a synthesis body (wordings [UNCONFIRMED]), or None."""
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return "text must be specified"
        if len(text) > MAX_TEXT_CHARS:
            return f"Too long text: {len(text)} characters, the limit is {MAX_TEXT_CHARS}"
        hints = body.get("hints", [])
        if not isinstance(hints, list) or not all(isinstance(h, dict) and len(h) == 1 for h in hints):
            return "each hint must set exactly one field"
        given = {key: value for hint in hints for key, value in hint.items()}
        voice = given.get("voice", DEFAULT_VOICE)
        known = {**self.voices, **V3_ONLY_VOICES}
        if not isinstance(voice, str) or voice not in known:
            return f"Unknown voice '{voice}'"
        role = given.get("role")
        if role is not None and role not in known[voice][1]:
            return f"Unknown role '{role}' for '{voice}' voice"
        speed = given.get("speed", 1.0)
        if not isinstance(speed, (int, float, str)) or not 0.1 <= float(speed) <= 3.0:
            return f"invalid speed '{speed}': must be from 0.1 to 3.0"
        spec = body.get("outputAudioSpec")
        container = spec.get("containerAudio") if isinstance(spec, dict) else None
        kind = container.get("containerAudioType") if isinstance(container, dict) else None
        if kind not in V3_CONTAINERS:
            return f"unsupported containerAudioType '{kind}'"
        return None

    # --- API v1 ---

    def _synthesize(self, fields: Mapping[str, str]) -> Reply:
        headers = _trace_headers()
        if self.payload is not None:
            return Reply(200, self.payload, {"Content-Type": self.payload_type, **headers})
        audio_format = self.serve_format or fields.get("format", "oggopus")
        data = self.audio(audio_format, sample_rate=int(fields.get("sampleRateHertz", "48000")))
        return Reply(200, data, {"Content-Type": CONTENT_TYPES[audio_format], **headers})


@contextmanager
def serve_yandex_tts(*, mp3: bytes | None = None, hang_s: float = 5.0) -> Iterator[YandexTTSFake]:
    """Serve the fake on 127.0.0.1 until the block ends. ``mp3``: the MP3 bytes a synthesis in
    ``mp3`` answers with (silent frames when None; tests pass real speech)."""
    fake = YandexTTSFake(mp3=mp3 if mp3 is not None else silent_mp3(), hang_s=hang_s)
    with serve(fake.handle) as server:
        fake._server = server
        try:
            yield fake
        finally:
            fake._failures.release()
            fake._server = None

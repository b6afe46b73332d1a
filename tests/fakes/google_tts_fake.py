"""A fake of Google Cloud Text-to-Speech on 127.0.0.1, for the ``google_tts`` audio provider's tests.

``with serve_google_tts() as fake:`` starts it; point the provider's ``base_url`` at ``fake.url``
(the root: the provider adds ``/v1/…``) and use ``TEST_KEY`` as its API key (or ``TEST_TOKEN`` with
``auth: "bearer"``). ``fake.requests`` records every request (method, path, query, lower-case
headers, body).

Where each shape comes from (``../shared/provider_apis.md``):

* ``POST /v1/text:synthesize`` — §6.1 (the key as the ``key`` query parameter, or
  ``Authorization: Bearer <token>``; ``X-Goog-Api-Key`` accepted too, [UNCONFIRMED] for TTS),
  §6.2 (body ``input`` / ``voice`` / ``audioConfig``; exactly one of ``input.text``/``input.ssml``;
  at most 5,000 UTF-8 bytes; ``voice.languageCode`` required; ``audioConfig.audioEncoding`` required,
  ``AUDIO_ENCODING_UNSPECIFIED`` refused; ``speakingRate`` 0.25–4.0 (0 = default), ``pitch`` −20…20,
  ``volumeGainDb`` −96…16). Field names are accepted in camelCase and snake_case, as Google's
  JSON mapping of protobuf does; unknown names are refused with Google's "Unknown name" 400.
* Success — §6.3: ``200``, ``application/json; charset=UTF-8``, ``{"audioContent": <base64>}``. The
  bytes follow ``audioEncoding``: MP3 is MPEG-2 Layer III, 24 kHz, 32 kbps (what Google sends; its
  base64 starts ``//NExA`` as in §6.3), LINEAR16 a 16-bit WAV, OGG_OPUS a real Ogg Opus stream (20 ms
  silence frames), MULAW/ALAW G.711 in a WAV header (§6.2).
* Errors — §6.4 envelope ``{"error": {"code", "message", "status", "details"}}`` with
  ``google.rpc.ErrorInfo`` / ``RetryInfo`` / ``Help`` / ``BadRequest`` details: a wrong key is 400
  ``INVALID_ARGUMENT`` ``API_KEY_INVALID`` (§6.4, verbatim); `service_disabled`,
  `api_key_service_blocked`, `billing_disabled` are 403 ``PERMISSION_DENIED`` (§6.4 table; wording
  from real answers quoted in public issues [OBS]); `rate_limited` is 429 ``RESOURCE_EXHAUSTED``
  with ``RetryInfo`` (§6.4) and optionally ``Retry-After`` (not documented, §6.5); the unknown-voice
  message "Voice '…' does not exist. Is it misspelled?" and "This request contains sentences that
  are too long…" are [OBS]; `daily_quota_exhausted` is a user-set daily cap ([UNCONFIRMED]: §6.5
  documents only per-minute quotas); `server_error` 500 ``INTERNAL`` / `unavailable` 503
  ``UNAVAILABLE`` (§6.4). Wordings marked [UNCONFIRMED] in the code are plausible guesses.
* ``GET /v1/voices?languageCode=`` — §6.1; the answer ``{"voices": [{"languageCodes", "name",
  "ssmlGender", "naturalSampleRateHertz"}]}`` is Google's ListVoicesResponse; a language code
  matches every voice of its language (``no`` also ``nb``), as the API documents.

What the fake can be told (attributes and methods of `GoogleTTSFake`):

* `fail` (a `Failure`, ``times=N``), `fail_always`, `stop_failing`; ``on="synthesize"`` (default),
  ``"voices"`` or ``"any"`` says which requests the failure answers; the helpers below build every
  documented error shape;
* `hang` (``times=N`` or always): the request gets no answer until ``hang_s`` passes or the fake stops;
* ``bad_base64``: answer 200 with an ``audioContent`` that is not valid base64 (the audio's base64
  with ``!`` between its groups, which a lax decoder would silently skip);
* ``payload``: serve these bytes (base64-encoded) as the audio, e.g. an HTML page or a WAV when
  MP3 was asked for; ``audio``: the bytes per encoding (set ``audio["MP3"]`` to real speech);
* ``reply_instead``: answer synthesis with this raw `Reply` (a 200 that is not JSON, no audioContent…);
* ``voices``: the voice catalogue (names and language codes it knows);
* ``quota_projects``: when set, a bearer token is a user's own token, which Google bills to the
  project in ``x-goog-user-project``: a token request without that header is refused with Google's
  "requires a quota project" 403 [OBS, the answer gcloud users quote for user credentials], one
  naming a project not in the set with ``USER_PROJECT_DENIED`` 403 [UNCONFIRMED wording]; the
  header is documented in Google's "System parameters" page (``X-Goog-User-Project``);
* ``speak_per_voice``: MP3 asked of a named voice is that voice's own sound (`voice_mp3`: a
  different length per voice of the catalogue), so a test can tell which voice spoke;
* `reset`: back to the state ``serve_google_tts`` gave, for one server shared by several tests.

Thread safety: the server answers on its own daemon threads; the switches may be set from the test
thread at any time (the failure queue is guarded by a lock).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.contracts.checker import GOOGLE_TTS, observe_reply
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.media_samples import g711_wav_bytes, ogg_opus_bytes, silent_mp3_24k, silent_wav

TEST_KEY = "sk-test-google-tts-7d1f3a9c2b64"
TEST_TOKEN = "sk-test-google-token-5e8a0c4f9d21"
PROJECT = "123456789012"

SYNTHESIZE_PATH = "/v1/text:synthesize"
VOICES_PATH = "/v1/voices"
MAX_INPUT_BYTES = 5000
JSON_TYPE = "application/json; charset=UTF-8"


# --- Media ----------------------------------------------------------------------------------------


def default_audio() -> dict[str, bytes]:
    return {
        "MP3": silent_mp3_24k(),
        "LINEAR16": silent_wav(),
        "OGG_OPUS": ogg_opus_bytes(),
        "MULAW": g711_wav_bytes(format_tag=7),
        "ALAW": g711_wav_bytes(format_tag=6),
    }


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error 502 (Server Error)!!1</title>"
    b"<p><b>502.</b> <ins>That's an error.</ins><p>The server encountered a temporary error and could not "
    b"complete your request.<p>Please try again in 30 seconds. <ins>That's all we know.</ins></html>\n"
)


# --- Voices ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    name: str
    language_codes: tuple[str, ...]
    gender: str = "FEMALE"
    rate: int = 24000

    def to_json(self) -> dict[str, Any]:
        return {
            "languageCodes": list(self.language_codes),
            "name": self.name,
            "ssmlGender": self.gender,
            "naturalSampleRateHertz": self.rate,
        }


DEFAULT_VOICES: tuple[Voice, ...] = (
    Voice("en-US-Standard-C", ("en-US",)),
    Voice("en-US-Wavenet-D", ("en-US",), "MALE"),
    Voice("en-US-Neural2-F", ("en-US",)),
    Voice("en-US-Chirp3-HD-Charon", ("en-US",), "MALE"),
    Voice("en-GB-Standard-A", ("en-GB",)),
    Voice("de-DE-Standard-A", ("de-DE",)),
    Voice("de-DE-Wavenet-B", ("de-DE",), "MALE"),
    Voice("fr-FR-Standard-A", ("fr-FR",)),
    Voice("es-ES-Standard-A", ("es-ES",)),
    Voice("pt-BR-Standard-A", ("pt-BR",)),
    Voice("ja-JP-Standard-A", ("ja-JP",)),
    Voice("cmn-CN-Standard-A", ("cmn-CN",)),
    Voice("cmn-TW-Standard-A", ("cmn-TW",)),
    Voice("nb-NO-Standard-A", ("nb-NO",)),
)

_ENCODINGS = ("LINEAR16", "MP3", "OGG_OPUS", "MULAW", "ALAW")
_ALL_ENCODINGS = ("AUDIO_ENCODING_UNSPECIFIED", *_ENCODINGS)
_GENDERS = ("SSML_VOICE_GENDER_UNSPECIFIED", "MALE", "FEMALE", "NEUTRAL")
# Field names Google's JSON mapping accepts, camelCase and snake_case (§6.2, cloud_tts.proto).
_TOP_FIELDS = {"input", "voice", "audioConfig", "audio_config", "advancedVoiceOptions", "advanced_voice_options"}
_INPUT_FIELDS = {"text", "ssml", "customPronunciations", "custom_pronunciations"}
_VOICE_FIELDS = {"languageCode", "language_code", "name", "ssmlGender", "ssml_gender", "customVoice", "custom_voice"}
_AUDIO_FIELDS = {
    "audioEncoding", "audio_encoding", "speakingRate", "speaking_rate", "pitch", "volumeGainDb", "volume_gain_db",
    "sampleRateHertz", "sample_rate_hertz", "effectsProfileId", "effects_profile_id",
}  # fmt: skip
_PROTO_NAMES = {"input": "input", "voice": "voice", "audioConfig": "audio_config", "audio_config": "audio_config"}


def voice_mp3(voices: Sequence[Voice], name: str) -> bytes:
    """The MP3 the fake's voice ``name`` speaks with ``speak_per_voice`` (its own length)."""
    index = next(i for i, voice in enumerate(voices) if voice.name == name)
    return silent_mp3_24k(frames=41 + index)


def _primary(code: str) -> str:
    primary = code.split("-", maxsplit=1)[0].lower()
    return "nb" if primary == "no" else primary


def _matches_voice_code(asked: str, voice_code: str) -> bool:
    """A named voice takes its own language code, or its language alone (``en`` for en-US voices)."""
    if "-" not in asked:
        return _primary(asked) == _primary(voice_code)
    return asked.lower() == voice_code.lower()


# --- Failures -------------------------------------------------------------------------------------


def error_body(code: int, status: str, message: str, details: Sequence[Mapping[str, Any]] = ()) -> bytes:
    """Google's error envelope (§6.4); ``details`` is left out when empty, as Google does."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = list(details)
    return json.dumps({"error": error}, indent=2).encode()


def google_error(
    code: int,
    status: str,
    message: str,
    *,
    details: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> Failure:
    return Failure(code, error_body(code, status, message, details), {"Content-Type": JSON_TYPE, **(headers or {})})


def error_info(reason: str, **metadata: str) -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": "texttospeech.googleapis.com", **metadata},
    }


def help_link(description: str, url: str) -> dict[str, Any]:
    return {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"description": description, "url": url}]}


def bad_request(field_name: str, description: str) -> dict[str, Any]:
    violation = {"field": field_name, "description": description} if field_name else {"description": description}
    return {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]}


def invalid_argument(message: str, *, field_name: str | None = None) -> Failure:
    """400 ``INVALID_ARGUMENT`` (§6.4), with a ``BadRequest`` field violation when ``field_name`` is given."""
    details = [bad_request(field_name, message)] if field_name is not None else []
    return google_error(400, "INVALID_ARGUMENT", message, details=details)


def api_key_invalid() -> Failure:
    """§6.4, verbatim: a wrong key is a 400, not a 401."""
    return google_error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        details=[error_info("API_KEY_INVALID")],
    )


def missing_credentials() -> Failure:
    """No key and no token: 403 [UNCONFIRMED wording, Google's usual one]."""
    return google_error(
        403,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or "
        "other form of API consumer identity to call this API.",
    )


def invalid_token(reason: str = "ACCESS_TOKEN_TYPE_UNSUPPORTED") -> Failure:
    """401 ``UNAUTHENTICATED`` for a bearer token that is not (or no longer) valid [UNCONFIRMED details]."""
    return google_error(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid "
        "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        details=[error_info(reason, method="google.cloud.texttospeech.v1.TextToSpeech.SynthesizeSpeech")],
    )


def quota_project_required() -> Failure:
    """403 for a user's own access token sent without ``x-goog-user-project`` ([OBS] the message
    users of gcloud's user credentials quote; the ErrorInfo reason is [UNCONFIRMED])."""
    return google_error(
        403,
        "PERMISSION_DENIED",
        "Your application is authenticating by using local Application Default Credentials. The "
        "texttospeech.googleapis.com API requires a quota project, which is not set by default. To learn how to "
        "set your quota project, see https://cloud.google.com/docs/authentication/adc-troubleshooting/user-creds .",
        details=[error_info("SERVICE_DISABLED", consumer="projects/764086051850")],
    )


def user_project_denied(project: str) -> Failure:
    """403 for an ``x-goog-user-project`` the caller may not use ([UNCONFIRMED] wording)."""
    return google_error(
        403,
        "PERMISSION_DENIED",
        f"Caller does not have required permission to use project {project}. Grant the caller the roles/"
        "serviceusage.serviceUsageConsumer role, or a custom role with the serviceusage.services.use permission.",
        details=[error_info("USER_PROJECT_DENIED", consumer=f"projects/{project}")],
    )


def service_disabled(project: str = PROJECT) -> Failure:
    """403: the API is not enabled in the key's project (§6.4 table; wording [OBS])."""
    url = f"https://console.developers.google.com/apis/api/texttospeech.googleapis.com/overview?project={project}"
    return google_error(
        403,
        "PERMISSION_DENIED",
        f"Cloud Text-to-Speech API has not been used in project {project} before or it is disabled. Enable it by "
        f"visiting {url} then retry. If you enabled this API recently, wait a few minutes for the action to "
        "propagate to our systems and retry.",
        details=[
            help_link("Google developers console API activation", url),
            error_info("SERVICE_DISABLED", consumer=f"projects/{project}", serviceTitle="Cloud Text-to-Speech API"),
        ],
    )


def api_key_service_blocked() -> Failure:
    """403: the key's API restrictions leave Text-to-Speech out (§6.4 table; wording [OBS pattern])."""
    return google_error(
        403,
        "PERMISSION_DENIED",
        "Requests to this API texttospeech.googleapis.com method google.cloud.texttospeech.v1.TextToSpeech."
        "SynthesizeSpeech are blocked.",
        details=[error_info("API_KEY_SERVICE_BLOCKED", consumer=f"projects/{PROJECT}")],
    )


def billing_disabled(project: str = PROJECT) -> Failure:
    """403: the project has no billing account (§6.4 table; wording [OBS pattern])."""
    url = f"https://console.developers.google.com/billing/enable?project={project}"
    return google_error(
        403,
        "PERMISSION_DENIED",
        f"This API method requires billing to be enabled. Please enable billing on project #{project} by visiting "
        f"{url} then retry. If you enabled billing recently, wait a few minutes for the action to propagate to our "
        "systems and retry.",
        details=[help_link("Google developer console API key", url), error_info("BILLING_DISABLED")],
    )


def rate_limited(*, retry_delay: str | None = "41s", retry_after: str | None = None) -> Failure:
    """429 ``RESOURCE_EXHAUSTED`` for the per-minute quota (§6.4/§6.5), with ``RetryInfo`` when
    ``retry_delay`` is given and a ``Retry-After`` header when ``retry_after`` is."""
    details: list[dict[str, Any]] = [
        error_info(
            "RATE_LIMIT_EXCEEDED",
            consumer=f"projects/{PROJECT}",
            quota_limit="RequestsPerMinutePerProject",
            quota_limit_value="1000",
            quota_metric="texttospeech.googleapis.com/requests",
            quota_location="global",
        ),
        help_link("Request a higher quota limit.", "https://cloud.google.com/docs/quotas/help/request_increase"),
    ]
    if retry_delay is not None:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay})
    return google_error(
        429,
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service "
        f"'texttospeech.googleapis.com' for consumer 'project_number:{PROJECT}'.",
        details=details,
        headers={"Retry-After": retry_after} if retry_after is not None else None,
    )


def resource_exhausted() -> Failure:
    """429 with Google's bare message and no details ([OBS])."""
    return google_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).")


def daily_quota_exhausted() -> Failure:
    """429 for a daily cap set on the project ([UNCONFIRMED]: §6.5 documents per-minute quotas only)."""
    return google_error(
        429,
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Requests' and limit 'Requests per day' of service "
        f"'texttospeech.googleapis.com' for consumer 'project_number:{PROJECT}'.",
        details=[
            error_info(
                "RATE_LIMIT_EXCEEDED",
                consumer=f"projects/{PROJECT}",
                quota_limit="RequestsPerDayPerProject",
                quota_limit_value="500",
                quota_metric="texttospeech.googleapis.com/requests",
            )
        ],
    )


def sentences_too_long() -> Failure:
    """400 for a text whose sentences are too long for the voice ([OBS])."""
    return invalid_argument(
        "This request contains sentences that are too long. Consider splitting up long sentences with sentence "
        "ending punctuation e.g. periods."
    )


def server_error(status: int = 500) -> Failure:
    """§6.4: 500 ``INTERNAL`` / 503 ``UNAVAILABLE`` (wordings [UNCONFIRMED], Google's usual ones)."""
    if status == 503:
        return google_error(503, "UNAVAILABLE", "The service is currently unavailable.")
    return google_error(status, "INTERNAL", "Internal error encountered.")


def html_gateway_error(status: int = 502) -> Failure:
    """Google's front end's HTML error page (not JSON)."""
    return Failure(status, HTML_PAGE, {"Content-Type": "text/html; charset=UTF-8"})


def _not_found_page(path: str) -> Failure:
    """Google's HTML 404 for a path the API does not have ([UNCONFIRMED] wording)."""
    page = (
        "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error 404 (Not Found)!!1</title>"
        f"<p><b>404.</b> <ins>That's an error.</ins><p>The requested URL <code>{path}</code> was not found on this "
        "server. <ins>That's all we know.</ins></html>\n"
    )
    return Failure(404, page.encode(), {"Content-Type": "text/html; charset=UTF-8"})


def _unknown_name(name: str, *, at: str = "") -> Failure:
    """Google's JSON mapping refusing a field it does not know (real wording pattern)."""
    where = f" at '{at}'" if at else ""
    message = f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.'
    return google_error(400, "INVALID_ARGUMENT", message, details=[bad_request(at, message)])


def _invalid_value(path: str, value_type: str, value: object) -> Failure:
    """Google's JSON mapping refusing a value of the wrong type or an unknown enum name (real wording
    pattern); ``value_type`` is e.g. ``TYPE_DOUBLE`` or an enum's ``type.googleapis.com/…`` name."""
    shown = json.dumps(value) if not isinstance(value, str) else f'"{value}"'
    message = f"Invalid value at '{path}' ({value_type}), {shown}"
    return google_error(400, "INVALID_ARGUMENT", message, details=[bad_request(path, message)])


def _enum_type(name: str) -> str:
    return f"type.googleapis.com/google.cloud.texttospeech.v1.{name}"


HANG = Failure(hang=True)


# --- The fake -------------------------------------------------------------------------------------


class GoogleTTSFake(ScriptedFailures):
    """The state and answers of the fake; see the module docstring for the switches."""

    failing_endpoint = "synthesize"  # failure endpoints: "synthesize", "voices"

    def __init__(self, *, key: str, token: str, voices: Sequence[Voice], hang_s: float) -> None:
        self.key = key
        self.token = token
        self.hang_s = hang_s
        self._initial_voices = tuple(voices)
        self._server: FakeServer | None = None
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(503).reply())
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.voices: list[Voice] = list(self._initial_voices)
        self.audio: dict[str, bytes] = default_audio()
        self.payload: bytes | None = None
        self.bad_base64 = False
        self.reply_instead: Reply | None = None
        self.speak_per_voice = False
        self.quota_projects: set[str] | None = None
        self._failures.stop_failing()

    def reset(self) -> None:
        """Back to a fresh fake on the same port: switches off, voices as given, failures forgotten,
        hanging requests released, recorded requests cleared."""
        self._set_defaults()
        self._failures.reset()
        if self._server is not None:
            self._server.requests.clear()

    def _release(self) -> None:
        self._failures.release()

    # --- what tests use ---

    @property
    def url(self) -> str:
        """The provider's ``base_url`` (the server's root; the API lives under ``/v1``)."""
        assert self._server is not None, "the fake is not serving"
        return self._server.url

    @property
    def requests(self) -> list[Recorded]:
        assert self._server is not None, "the fake is not serving"
        return self._server.requests

    def synthesize_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == SYNTHESIZE_PATH]

    def voices_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == VOICES_PATH]

    # --- serving ---

    def handle(self, request: Recorded) -> Reply:
        """The answer to ``request`` (checked against Google's discovery document by tests.contracts)."""
        reply = self._answer(request)
        observe_reply(GOOGLE_TTS, request, reply, off_spec=self._off_spec(request))
        return reply

    def _answer(self, request: Recorded) -> Reply:
        if request.path == SYNTHESIZE_PATH and request.method == "POST":
            endpoint = "synthesize"
        elif request.path == VOICES_PATH and request.method == "GET":
            endpoint = "voices"
        else:
            return _not_found_page(request.path).reply()
        auth = self._check_auth(request)
        if auth is not None:
            return auth.reply()
        failure = self._failures.next_failure(endpoint)
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        return self._synthesize(request) if endpoint == "synthesize" else self._list_voices(request)

    def _off_spec(self, request: Recorded) -> str:
        """Why the answer to ``request`` departs from the discovery document on purpose ("" if not)."""
        if request.path != SYNTHESIZE_PATH:
            return ""
        if self.reply_instead is not None:
            return "reply_instead: the test's own answer"
        if self.bad_base64:
            return "bad_base64: a garbled audioContent"
        return ""

    def _check_auth(self, request: Recorded) -> Failure | None:
        """§6.1: the ``key`` parameter (or ``X-Goog-Api-Key``), else a bearer token."""
        keys = request.query.get("key") or (
            [request.headers["x-goog-api-key"]] if "x-goog-api-key" in request.headers else []
        )
        if keys:
            return None if keys[-1] == self.key else api_key_invalid()
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or token != self.token:
                return invalid_token()
            return self._check_quota_project(request.headers.get("x-goog-user-project"))
        return missing_credentials()

    def _check_quota_project(self, project: str | None) -> Failure | None:
        """A user's token needs a quota project it may use (see ``quota_projects``)."""
        if self.quota_projects is None:
            return None
        if project is None:
            return quota_project_required()
        return None if project in self.quota_projects else user_project_denied(project)

    def _list_voices(self, request: Recorded) -> Reply:
        wanted = (request.query.get("languageCode") or request.query.get("language_code") or [""])[-1]
        voices = [
            v for v in self.voices if not wanted or any(_primary(c) == _primary(wanted) for c in v.language_codes)
        ]
        return Reply(
            200, json.dumps({"voices": [v.to_json() for v in voices]}, indent=2).encode(), {"Content-Type": JSON_TYPE}
        )

    def _synthesize(self, request: Recorded) -> Reply:
        if self.reply_instead is not None:
            return self.reply_instead
        try:
            body = json.loads(request.body)
        except ValueError:
            return invalid_argument("Invalid JSON payload received. Unexpected token.").reply()  # [UNCONFIRMED]
        if not isinstance(body, dict):
            return invalid_argument("Invalid JSON payload received. Expected an object.").reply()  # [UNCONFIRMED]
        problem = self._validate(body)
        if problem is not None:
            return problem.reply()
        audio_config: dict[str, Any] = body.get("audioConfig", body.get("audio_config")) or {}
        encoding = str(audio_config.get("audioEncoding", audio_config.get("audio_encoding")))
        data = self.payload if self.payload is not None else self.audio[encoding]
        voice = body.get("voice") or {}
        if self.speak_per_voice and self.payload is None and encoding == "MP3" and voice.get("name"):
            data = voice_mp3(self.voices, str(voice["name"]))
        if encoding == "LINEAR16" and self.payload is None:
            rate = audio_config.get("sampleRateHertz", audio_config.get("sample_rate_hertz"))
            if rate:
                data = silent_wav(rate=int(rate))
        content = base64.b64encode(data).decode()
        if self.bad_base64:  # garbled: characters outside the alphabet that a lax decoder would skip
            content = "!".join(content[i : i + 4] for i in range(0, len(content), 4))
        return Reply(200, json.dumps({"audioContent": content}).encode(), {"Content-Type": JSON_TYPE})

    def _validate(self, body: dict[str, Any]) -> Failure | None:
        """What the real API refuses (§6.2)."""
        for name in body:
            if name not in _TOP_FIELDS:
                return _unknown_name(name)
        for key, allowed in (("input", _INPUT_FIELDS), ("voice", _VOICE_FIELDS), ("audioConfig", _AUDIO_FIELDS)):
            part = body.get(key, body.get(_PROTO_NAMES[key]))
            if part is not None and not isinstance(part, dict):
                return invalid_argument(f"Invalid value at '{_PROTO_NAMES[key]}': expected an object.")  # [UNCONFIRMED]
            for name in part or {}:
                if name not in allowed:
                    return _unknown_name(name, at=_PROTO_NAMES[key])
        return (
            self._input_problem(body.get("input") or {})
            or self._voice_problem(body.get("voice") or {})
            or self._audio_problem(body.get("audioConfig", body.get("audio_config")) or {})
        )

    def _input_problem(self, given: dict[str, Any]) -> Failure | None:
        texts = [given[k] for k in ("text", "ssml") if given.get(k)]
        if len(texts) != 1:  # [UNCONFIRMED] wording; the rule is §6.2
            return invalid_argument("Exactly one of `input.text` or `input.ssml` must be set.", field_name="input")
        if len(str(texts[0]).encode("utf-8")) > MAX_INPUT_BYTES:  # [UNCONFIRMED] wording; the limit is §6.5
            return invalid_argument(
                "Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes. This limit is different "
                "from quotas. To fix, reduce the byte length of the characters in this request, or consider using "
                "the Long Audio API: https://cloud.google.com/text-to-speech/docs/create-audio-text-long-audio-synthesis."
            )
        return None

    def _voice_problem(self, given: dict[str, Any]) -> Failure | None:
        code = str(given.get("languageCode", given.get("language_code")) or "")
        name = str(given.get("name") or "")
        gender = given.get("ssmlGender", given.get("ssml_gender"))
        if gender is not None and gender not in _GENDERS:
            return _invalid_value("voice.ssml_gender", _enum_type("SsmlVoiceGender"), gender)
        if not code:  # [UNCONFIRMED] wording; the field is required (§6.2)
            return invalid_argument(
                "Invalid 'voice.language_code': required field is empty.", field_name="voice.language_code"
            )
        if name:
            voice = next((v for v in self.voices if v.name == name), None)
            if voice is None:  # [OBS]
                return invalid_argument(f"Voice '{name}' does not exist. Is it misspelled?")
            if not any(_matches_voice_code(code, c) for c in voice.language_codes):  # [UNCONFIRMED]
                return invalid_argument(
                    f"Requested language code '{code}' doesn't match the voice '{name}''s language code "
                    f"'{voice.language_codes[0]}'! Either leave it empty or set it to a valid value."
                )
            return None
        if not any(_primary(c) == _primary(code) for v in self.voices for c in v.language_codes):
            # [UNCONFIRMED] wording: no voice of that language at all (another region is substituted).
            return invalid_argument(f"Language code '{code}' is not supported.", field_name="voice.language_code")
        return None

    def _audio_problem(self, given: dict[str, Any]) -> Failure | None:
        encoding = given.get("audioEncoding", given.get("audio_encoding"))
        if encoding is not None and encoding not in _ALL_ENCODINGS:
            return _invalid_value("audio_config.audio_encoding", _enum_type("AudioEncoding"), encoding)
        if encoding in (None, "AUDIO_ENCODING_UNSPECIFIED"):  # §6.2; wording [UNCONFIRMED]
            return invalid_argument(
                "Invalid audio_config.audio_encoding: AUDIO_ENCODING_UNSPECIFIED is not supported.",
                field_name="audio_config.audio_encoding",
            )
        ranges = (
            ("speakingRate", "speaking_rate", 0.25, 4.0),
            ("pitch", "pitch", -20.0, 20.0),
            ("volumeGainDb", "volume_gain_db", -96.0, 16.0),
        )
        for camel, snake, low, high in ranges:
            value = given.get(camel, given.get(snake))
            if value is None:
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return _invalid_value(f"audio_config.{snake}", "TYPE_DOUBLE", value)
            if camel == "speakingRate" and value == 0:
                continue  # 0 means the default, 1.0
            if not low <= value <= high:  # [UNCONFIRMED] wording; the ranges are §6.2
                return invalid_argument(
                    f"Invalid audio_config.{snake}: {value} is outside [{low:g}, {high:g}].",
                    field_name=f"audio_config.{snake}",
                )
        return None


@contextmanager
def serve_google_tts(
    *,
    key: str = TEST_KEY,
    token: str = TEST_TOKEN,
    voices: Sequence[Voice] = DEFAULT_VOICES,
    hang_s: float = 10.0,
) -> Iterator[GoogleTTSFake]:
    """Start the fake; on exit, hanging requests are released and the server stops."""
    fake = GoogleTTSFake(key=key, token=token, voices=voices, hang_s=hang_s)
    with serve(fake.handle) as server:
        fake._server = server
        try:
            yield fake
        finally:
            fake._release()

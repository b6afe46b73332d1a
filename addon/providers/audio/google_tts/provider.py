"""``google_tts``: speech from Google Cloud Text-to-Speech (``POST {base_url}/v1/text:synthesize``; a
``base_url`` ending in ``/v1``, as Google's docs write it, is taken too).

Wire format: ``../shared/provider_apis.md`` §6. One request per text: ``{"input": {"text"}, "voice":
{"languageCode", "name"?, "ssmlGender"?}, "audioConfig": {"audioEncoding", "speakingRate"?,
"pitch"?}}``; the answer's ``audioContent`` is the whole audio file in base64. MP3 is asked for by
default (Anki plays it everywhere); the file's extension follows the bytes that really came. The
voice comes from the target's voice (`requested_voice`), the ``voices`` setting or the request's
language (`voices`); error answers are read as `errors` says.

Authentication (§6.1), by the ``auth`` setting: ``"api_key"`` (default) sends the key as the
``key`` query parameter; ``"bearer"`` sends ``api_key`` as an OAuth access token in
``Authorization: Bearer``, with the ``quota_project`` setting (when set) as the
``x-goog-user-project`` header: Google bills a user's token to that project and refuses tokens of
user credentials without one ("requires a quota project"; Google's "System parameters" page names
the header). An API key carries its own project, so the header goes with a token only. The URL
holds the key, so no message ever quotes a URL's query string (`display_url`) and the server's words
are scrubbed of the key before they are shown.

A text over 5,000 bytes in UTF-8 (§6.2/§6.5, not adjustable) is refused before anything is sent.

For "Choose…", `candidates` lists the voices of the request's language (``GET
{base_url}/v1/voices?languageCode=…``, §6.1, Google's ListVoicesResponse ``{"voices": [{"languageCodes",
"name", "ssmlGender", "naturalSampleRateHertz"}]}``) and speaks the text in up to ``limit`` of them:
the voice a fill would use first (when it has a name), then those of the exact language code, then
the language's other regions, each captioned with its name and gender. A voice that fails is left
out; when none speaks, the first error is raised.

`fetch_voices` lists every voice (``GET {base_url}/v1/voices`` without a ``languageCode``: the
whole catalogue once, kept by `list_voices`, which filters it by language itself).

`test_connection` makes the cheapest call the API has, ``GET {base_url}/v1/voices?languageCode=en-US``
(free), which checks the server, the key and that the API is enabled.

Thread safety: `generate` may run on several worker threads at once; each thread uses its own
HTTP session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from ....core.base.errors import InvalidResponseError, PermanentError, ProviderError
from ....core.base.log import get_logger
from ....core.media.checks import require_audio, sniff_audio
from ....core.media.types import MediaRequest, MediaResult
from ....core.media.voice_choice import valid_requested_voice
from ....core.media.voice_list import Voice as ListedVoice
from ....core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, KeyUse
from ...http.client import json_answer_limit, json_body
from ...http.download import display_url
from ...http.health_probe import probe_health
from ...http.service import HttpProvider
from ..speech import text_to_speak
from ..voice_lists import google_voices
from .errors import DEFAULT_BASE_URL, api_error
from .voices import VOICE_NAME_PATTERN, VOICES_SCHEMA, Voice, voice_for

log = get_logger(__name__)

AUTH_MODES = ("api_key", "bearer")
# A Google Cloud project ID (6–30 lower-case letters, digits and hyphens, starting with a letter; old
# ones may have a "domain.com:" prefix), or empty for none.
PROJECT_ID_PATTERN = r"^(([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9])?$"
# What the provider lets users ask for; Google's MULAW/ALAW are telephone formats, of no use on cards.
AUDIO_ENCODINGS = ("MP3", "OGG_OPUS", "LINEAR16")
DEFAULT_AUDIO_ENCODING = "MP3"
MAX_INPUT_BYTES = 5000  # §6.2/§6.5: per request, in UTF-8 bytes, not adjustable
HEALTH_CHECK_LANGUAGE = "en-US"


class GoogleSpeech(HttpProvider, AudioProvider):
    name = "google_tts"
    title = "Google Cloud TTS"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "Natural voices from Google Cloud Text-to-Speech in many languages "
        "(needs an API key; a free monthly allowance, then paid per character)."
    )
    capabilities = Capabilities(key=KeyUse.REQUIRED, http=True)
    default_max_concurrency = 4
    priority = 300
    settings_not_changing_output: ClassVar[frozenset[str]] = frozenset(
        {"batch_size", "user_agent", "auth", "quota_project"}
    )
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "auth": {"enum": list(AUTH_MODES)},
        "quota_project": {"type": "string", "pattern": PROJECT_ID_PATTERN},
        "voices": VOICES_SCHEMA,
        "audio_encoding": {"enum": list(AUDIO_ENCODINGS)},
        "speaking_rate": {"type": "number", "minimum": 0.25, "maximum": 4.0},
        "pitch": {"type": "number", "minimum": -20, "maximum": 20},
    }

    # --- settings -------------------------------------------------------------------------------

    @property
    def auth(self) -> str:
        return str(self.settings.get("auth") or "api_key")

    @property
    def quota_project(self) -> str:
        """The project a bearer token's requests are billed to (``x-goog-user-project``); "" for none."""
        return str(self.settings.get("quota_project") or "").strip()

    @property
    def audio_encoding(self) -> str:
        return str(self.settings.get("audio_encoding") or DEFAULT_AUDIO_ENCODING)

    @property
    def api_root(self) -> str:
        """``base_url`` without a final ``/v1`` (users copy Google's documented URL with it)."""
        return self.base_url.removesuffix("/v1")

    def setup_problem(self) -> str | None:
        problem = super().setup_problem()
        if problem is not None:
            return problem
        if self.auth not in AUTH_MODES:
            return f'has an unknown auth {self.auth!r}: set {self.setting_path()}.auth to "api_key" or "bearer"'
        if self.audio_encoding not in AUDIO_ENCODINGS:
            choices = ", ".join(AUDIO_ENCODINGS)
            return (
                f"cannot ask for {self.audio_encoding!r}: set {self.setting_path()}.audio_encoding to one of {choices}"
            )
        return None

    def voice_for(self, language: str, *, requested: str | None = None) -> Voice:
        """The voice for a request's language, or the target's voice ``requested`` (see
        `voices.voice_for`)."""
        return voice_for(self.settings.get("voices"), language, requested=requested)

    def request_body(self, text: str, voice: Voice) -> dict[str, Any]:
        """The JSON body of one synthesis request (§6.2). ``speakingRate`` and ``pitch`` are sent
        only when they differ from Google's defaults (some voice families refuse them)."""
        audio_config: dict[str, Any] = {"audioEncoding": self.audio_encoding}
        rate = float(self.settings.get("speaking_rate", 1.0))
        if rate != 1.0:
            audio_config["speakingRate"] = rate
        pitch = float(self.settings.get("pitch", 0.0))
        if pitch != 0.0:
            audio_config["pitch"] = pitch
        return {"input": {"text": text}, "voice": voice.to_json(), "audioConfig": audio_config}

    def _auth(self, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The ``headers``/``params`` keyword arguments that carry the credential (§6.1)."""
        headers = {"Accept": "application/json"}
        query = dict(params or {})
        if self.auth == "bearer":
            headers["Authorization"] = f"Bearer {self.api_key}"
            if self.quota_project:
                headers["x-goog-user-project"] = self.quota_project
        else:
            query["key"] = self.api_key
        return {"headers": headers, "params": query}

    # --- generation -----------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        """Speech for ``request.text`` in ``request.language``. Blocks on the network: call it from
        a worker thread. Raises a `ProviderError` subclass as the `errors` module says."""
        text, voice = self._text_and_voice(request)
        return self._synthesize(request, text, voice)

    def candidate_count(self, *, limit: int) -> int:
        """At most ``limit`` voices, each one paid request."""
        return max(1, limit)

    def candidates(self, request: MediaRequest, *, limit: int) -> list[MediaResult]:
        """The text in up to ``limit`` voices of its language (see the module docstring)."""
        text, voice = self._text_and_voice(request)
        voices = self._language_voices(voice)
        if voice.name:
            voices = [voice, *(each for each in voices if each.name != voice.name)]
        results: list[MediaResult] = []
        first_error: ProviderError | None = None
        for each in voices[:limit] or [voice]:
            caption = f"voice {each.name}" + (f" ({each.ssml_gender.lower()})" if each.ssml_gender else "")
            try:
                results.append(self._synthesize(request, text, each, caption=caption if each.name else ""))
            except ProviderError as exc:
                if exc.provider_wide:
                    raise
                log.info("google_tts: the voice %s was left out: %s", each.name, exc.message)
                first_error = first_error or exc
        if not results and first_error is not None:
            raise first_error
        return results

    def _language_voices(self, voice: Voice) -> list[Voice]:
        """Google's voices of ``voice``'s language: those of its exact code first, then its other regions."""
        response = self._http.send(
            "GET",
            f"{self.api_root}/v1/voices",
            timeout_s=self.timeout_s,
            error=lambda answer: api_error(self, answer, voice=None),
            **self._auth({"languageCode": voice.language_code}),
        )
        body = json_body(response, provider=self.name)
        listed = body.get("voices") if isinstance(body, Mapping) else None
        code = voice.language_code.lower()
        primary = code.split("-")[0]
        exact: list[Voice] = []
        related: list[Voice] = []
        for item in listed if isinstance(listed, list) else []:
            codes = [str(c) for c in item.get("languageCodes") or ()] if isinstance(item, Mapping) else []
            name = str(item.get("name") or "") if isinstance(item, Mapping) else ""
            if not name or not codes:
                continue
            found = Voice(
                codes[0],
                name=name,
                ssml_gender=str(item.get("ssmlGender") or "").replace("SSML_VOICE_GENDER_UNSPECIFIED", ""),
            )
            if any(c.lower() == code for c in codes):
                exact.append(found)
            elif any(c.lower().split("-")[0] == primary for c in codes):
                related.append(found)
        return exact + related

    def _text_and_voice(self, request: MediaRequest) -> tuple[str, Voice]:
        """The text to speak (checked against the size limit) and the voice a fill uses."""
        text = text_to_speak(request.text, provider=self.name)
        size = len(text.encode("utf-8"))
        if size > MAX_INPUT_BYTES:
            raise PermanentError(
                f"the text is {size:,} bytes long in UTF-8, over Google Cloud Text-to-Speech's limit of "
                f"{MAX_INPUT_BYTES:,} bytes per request; shorten the note's text or the rule's template",
                provider=self.name,
            )
        requested = valid_requested_voice(
            request, self.name, pattern=VOICE_NAME_PATTERN, what='a Google voice name like "de-DE-Wavenet-B"'
        )
        return text, self.voice_for(request.language, requested=requested)

    def _synthesize(self, request: MediaRequest, text: str, voice: Voice, *, caption: str = "") -> MediaResult:
        started = time.monotonic()
        response = self._http.send(
            "POST",
            f"{self.api_root}/v1/text:synthesize",
            timeout_s=self.timeout_s,
            json=self.request_body(text, voice),
            max_body_bytes=json_answer_limit(self.max_media_bytes),
            error=lambda answer: api_error(self, answer, voice=voice, language=request.language),
            **self._auth(),
        )
        data = self._audio_content(response)
        extension = sniff_audio(data) or ""
        require_audio(data, expected=extension, provider=self.name)
        return self.result(request, data=data, extension=extension, started=started, caption=caption)

    def _audio_content(self, response: requests.Response) -> bytes:
        body = json_body(response, provider=self.name)
        encoded = body.get("audioContent") if isinstance(body, Mapping) else None
        if not isinstance(encoded, str) or not encoded:
            raise InvalidResponseError("answered without audio (no audioContent)", provider=self.name)
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidResponseError(
                "answered with audioContent that is not valid base64; nothing was saved", provider=self.name
            ) from None

    def fetch_voices(self) -> list[ListedVoice]:
        """Every voice Google offers (``GET {base_url}/v1/voices``); blocks on the network."""
        url = f"{self.api_root}/v1/voices"
        body = self.get_json(url, error=lambda answer: api_error(self, answer, voice=None), **self._auth())
        return google_voices(body, provider=self.name)

    # --- health ---------------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """List the voices of one language (``GET {base_url}/v1/voices?languageCode=en-US``): free,
        and checks the server, the credential and that the API is enabled. Never raises."""
        return probe_health(self, self._list_voices)

    def _list_voices(self) -> str:
        response = self.probe_get(
            f"{self.api_root}/v1/voices",
            error=lambda answer: api_error(self, answer, voice=None),
            **self._auth({"languageCode": HEALTH_CHECK_LANGUAGE}),
        )
        body = json_body(response, provider=self.name)
        voices = body.get("voices") if isinstance(body, Mapping) else None
        if not isinstance(voices, list):
            raise InvalidResponseError(
                f"{display_url(response.url)} answered without a voice list; check base_url", provider=self.name
            )
        return f"Cloud Text-to-Speech answered: {len(voices)} voices for {HEALTH_CHECK_LANGUAGE}"

"""A fake of Azure AI Speech's text-to-speech REST API on 127.0.0.1, for the ``azure_tts`` provider's tests.

``with serve_azure_tts() as fake:`` starts it; set the provider's ``base_url`` to ``fake.url`` (the
server's root, standing for ``https://{region}.tts.speech.microsoft.com``) and use ``TEST_KEY`` as its
key. ``fake.requests`` records every request (method, path, query, lower-case headers, body);
``fake.syntheses`` holds what each accepted synthesis request asked for, read back from its SSML with
``xml.etree`` (voice, ``xml:lang``, the exact text, output format).

Where each shape comes from (``../shared/provider_apis.md`` §7):

* ``POST /cognitiveservices/v1`` — §7.1 [OFFICIAL]: auth by ``Ocp-Apim-Subscription-Key`` (a
  ``Authorization: Bearer`` token is not issued by this fake, so it is refused like a wrong key),
  ``Content-Type: application/ssml+xml``, ``X-Microsoft-OutputFormat`` (one of §7.2), ``User-Agent``
  (< 255 characters), an SSML body ``<speak version xmlns xml:lang><voice name>…</voice></speak>``
  (``xmlns`` the W3C synthesis namespace, required by the SSML reference; without it: 400).
* Success — §7.3 [OFFICIAL]: 200 and the audio file in the requested format (MP3 for ``*-mp3``,
  Ogg Opus for ``ogg-*-opus``, WAV for ``riff-*``, headerless samples for ``raw-*`` and the other
  streaming formats). The ``Content-Type`` values are [UNCONFIRMED].
* Errors — §7.3 [OFFICIAL] statuses: 400 for a missing or invalid header or parameter (an unknown
  output format, a header too long, SSML that is not well-formed XML or names no voice), 401 for a
  bad key, 415 for a wrong ``Content-Type``, 429 too many requests, 502/503 server problems.
  Bodies: 400 is empty even for an unknown voice [OBS: MicrosoftDocs/azure-docs#86612]; 401 is the
  API gateway's ``{"statusCode": 401, "message": "Access denied due to invalid subscription key…"}``
  [OBS, §7.3]; a free (F0) resource whose quota is spent answers 403 ``{"statusCode": 403,
  "message": "Out of call volume quota. Quota will be replenished in …"}`` [OBS: the Cognitive
  Services gateway, e.g. goferito/node-bing-api#34; the Speech SDK's "Forbidden – quota exceeded"];
  403 for a resource's firewall rules, the missing-key 401 wording, ``Retry-After`` on 429 and the
  empty 404 for unknown paths are [UNCONFIRMED].
* ``GET /cognitiveservices/voices/list`` — §7.1 [OFFICIAL]: a JSON array of ``{Name, DisplayName,
  LocalName, ShortName, Gender, Locale, LocaleName, SampleRateHertz, VoiceType, Status,
  WordsPerMinute}``; the same key check.

The voices the fake knows (`KNOWN_VOICES`) are copied from Microsoft's language-support table
(MicrosoftDocs/azure-ai-docs ``articles/ai-services/speech-service/includes/language-support/tts.md``,
2025-10): the first voices of the locales the provider maps by default, plus a few others.

What the fake can be told (attributes and methods of `AzureTTSFake`):

* `fail` (a `Failure`, ``times=N``), `fail_always`, `stop_failing`; ``on="synthesize"`` (default),
  ``"voices"`` or ``"any"`` says which requests the failure answers. Ready-made failures:
  `bad_request` (400), `unauthorized` (401), `quota_exceeded` (403), `forbidden` (403 firewall),
  `too_many_requests` (429 + ``Retry-After``), `unsupported_media_type` (415), `server_error`
  (500/502/503), `html_gateway_error` (a proxy's HTML page);
* `hang` (``times=N`` or always): no answer until ``hang_s`` passes or the fake is reset/stopped;
* ``payload`` (+ ``payload_type``): serve these exact bytes with 200 instead of audio (wrong bytes:
  an HTML page, JSON, a WAV where MP3 was asked);
* ``voices``: the voice names it accepts (a set; remove one to play a region without that voice);
* ``key``: the key it accepts;
* `reset`: back to the state ``serve_azure_tts`` gave, for one server shared by several tests.

Thread safety: the server answers on its own daemon threads; the switches may be set from the test
thread at any time (the failure queue is guarded by a lock).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from xml.etree import ElementTree

from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.media_samples import SNDFILE_OPUS, raw_pcm, silent_mp3, silent_wav

TEST_KEY = "sk-test-azure-5d81c0e7a2f4"

SYNTHESIS_PATH = "/cognitiveservices/v1"
VOICES_PATH = "/cognitiveservices/voices/list"

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# speech-synthesis-markup-structure.md [OFFICIAL]: <speak> has the required attributes version,
# xml:lang and xmlns="http://www.w3.org/2001/10/synthesis".
SSML_NAMESPACE = "http://www.w3.org/2001/10/synthesis"
_MAX_USER_AGENT = 255

# §7.2 [OFFICIAL]: every value X-Microsoft-OutputFormat may take.
STREAMING_FORMATS = (
    "amr-wb-16000hz", "audio-16khz-16bit-32kbps-mono-opus", "audio-16khz-32kbitrate-mono-mp3",
    "audio-16khz-64kbitrate-mono-mp3", "audio-16khz-128kbitrate-mono-mp3", "audio-24khz-16bit-24kbps-mono-opus",
    "audio-24khz-16bit-48kbps-mono-opus", "audio-24khz-48kbitrate-mono-mp3", "audio-24khz-96kbitrate-mono-mp3",
    "audio-24khz-160kbitrate-mono-mp3", "audio-48khz-96kbitrate-mono-mp3", "audio-48khz-192kbitrate-mono-mp3",
    "ogg-16khz-16bit-mono-opus", "ogg-24khz-16bit-mono-opus", "ogg-48khz-16bit-mono-opus",
    "raw-8khz-8bit-mono-alaw", "raw-8khz-8bit-mono-mulaw", "raw-8khz-16bit-mono-pcm", "raw-16khz-16bit-mono-pcm",
    "raw-16khz-16bit-mono-truesilk", "raw-22050hz-16bit-mono-pcm", "raw-24khz-16bit-mono-pcm",
    "raw-24khz-16bit-mono-truesilk", "raw-44100hz-16bit-mono-pcm", "raw-48khz-16bit-mono-pcm",
    "webm-16khz-16bit-mono-opus", "webm-24khz-16bit-24kbps-mono-opus", "webm-24khz-16bit-mono-opus",
)  # fmt: skip
NON_STREAMING_FORMATS = (
    "riff-8khz-8bit-mono-alaw", "riff-8khz-8bit-mono-mulaw", "riff-8khz-16bit-mono-pcm",
    "riff-22050hz-16bit-mono-pcm", "riff-24khz-16bit-mono-pcm", "riff-44100hz-16bit-mono-pcm",
    "riff-48khz-16bit-mono-pcm",
)  # fmt: skip
OUTPUT_FORMATS = frozenset(STREAMING_FORMATS + NON_STREAMING_FORMATS)

# (ShortName, Gender, LocaleName), from Microsoft's language-support table (see the module docstring).
KNOWN_VOICES: tuple[tuple[str, str, str], ...] = (
    ("af-ZA-AdriNeural", "Female", "Afrikaans (South Africa)"),
    ("ar-EG-SalmaNeural", "Female", "Arabic (Egypt)"),
    ("ar-SA-ZariyahNeural", "Female", "Arabic (Saudi Arabia)"),
    ("ar-SA-HamedNeural", "Male", "Arabic (Saudi Arabia)"),
    ("bg-BG-KalinaNeural", "Female", "Bulgarian (Bulgaria)"),
    ("bn-IN-TanishaaNeural", "Female", "Bengali (India)"),
    ("ca-ES-JoanaNeural", "Female", "Catalan"),
    ("cs-CZ-VlastaNeural", "Female", "Czech (Czechia)"),
    ("cy-GB-NiaNeural", "Female", "Welsh (United Kingdom)"),
    ("da-DK-ChristelNeural", "Female", "Danish (Denmark)"),
    ("de-AT-IngridNeural", "Female", "German (Austria)"),
    ("de-CH-LeniNeural", "Female", "German (Switzerland)"),
    ("de-DE-KatjaNeural", "Female", "German (Germany)"),
    ("de-DE-ConradNeural", "Male", "German (Germany)"),
    ("el-GR-AthinaNeural", "Female", "Greek (Greece)"),
    ("en-AU-NatashaNeural", "Female", "English (Australia)"),
    ("en-CA-ClaraNeural", "Female", "English (Canada)"),
    ("en-GB-SoniaNeural", "Female", "English (United Kingdom)"),
    ("en-GB-RyanNeural", "Male", "English (United Kingdom)"),
    ("en-IE-EmilyNeural", "Female", "English (Ireland)"),
    ("en-IN-NeerjaNeural", "Female", "English (India)"),
    ("en-NZ-MollyNeural", "Female", "English (New Zealand)"),
    ("en-US-JennyNeural", "Female", "English (United States)"),
    ("en-US-GuyNeural", "Male", "English (United States)"),
    ("en-US-AvaMultilingualNeural", "Female", "English (United States)"),
    ("en-US-Ava:DragonHDLatestNeural", "Female", "English (United States)"),
    ("en-ZA-LeahNeural", "Female", "English (South Africa)"),
    ("es-AR-ElenaNeural", "Female", "Spanish (Argentina)"),
    ("es-ES-ElviraNeural", "Female", "Spanish (Spain)"),
    ("es-ES-AlvaroNeural", "Male", "Spanish (Spain)"),
    ("es-MX-DaliaNeural", "Female", "Spanish (Mexico)"),
    ("es-US-PalomaNeural", "Female", "Spanish (United States)"),
    ("et-EE-AnuNeural", "Female", "Estonian (Estonia)"),
    ("eu-ES-AinhoaNeural", "Female", "Basque"),
    ("fa-IR-DilaraNeural", "Female", "Persian (Iran)"),
    ("fi-FI-SelmaNeural", "Female", "Finnish (Finland)"),
    ("fil-PH-BlessicaNeural", "Female", "Filipino (Philippines)"),
    ("fr-BE-CharlineNeural", "Female", "French (Belgium)"),
    ("fr-CA-SylvieNeural", "Female", "French (Canada)"),
    ("fr-CH-ArianeNeural", "Female", "French (Switzerland)"),
    ("fr-FR-DeniseNeural", "Female", "French (France)"),
    ("fr-FR-HenriNeural", "Male", "French (France)"),
    ("ga-IE-OrlaNeural", "Female", "Irish (Ireland)"),
    ("gl-ES-SabelaNeural", "Female", "Galician"),
    ("gu-IN-DhwaniNeural", "Female", "Gujarati (India)"),
    ("he-IL-HilaNeural", "Female", "Hebrew (Israel)"),
    ("hi-IN-SwaraNeural", "Female", "Hindi (India)"),
    ("hr-HR-GabrijelaNeural", "Female", "Croatian (Croatia)"),
    ("hu-HU-NoemiNeural", "Female", "Hungarian (Hungary)"),
    ("id-ID-GadisNeural", "Female", "Indonesian (Indonesia)"),
    ("is-IS-GudrunNeural", "Female", "Icelandic (Iceland)"),
    ("it-IT-ElsaNeural", "Female", "Italian (Italy)"),
    ("it-IT-DiegoNeural", "Male", "Italian (Italy)"),
    ("ja-JP-NanamiNeural", "Female", "Japanese (Japan)"),
    ("ja-JP-KeitaNeural", "Male", "Japanese (Japan)"),
    ("ko-KR-SunHiNeural", "Female", "Korean (Korea)"),
    ("lt-LT-OnaNeural", "Female", "Lithuanian (Lithuania)"),
    ("lv-LV-EveritaNeural", "Female", "Latvian (Latvia)"),
    ("mr-IN-AarohiNeural", "Female", "Marathi (India)"),
    ("ms-MY-YasminNeural", "Female", "Malay (Malaysia)"),
    ("nb-NO-PernilleNeural", "Female", "Norwegian Bokmål (Norway)"),
    ("nl-BE-DenaNeural", "Female", "Dutch (Belgium)"),
    ("nl-NL-FennaNeural", "Female", "Dutch (Netherlands)"),
    ("pl-PL-AgnieszkaNeural", "Female", "Polish (Poland)"),
    ("pt-BR-FranciscaNeural", "Female", "Portuguese (Brazil)"),
    ("pt-BR-AntonioNeural", "Male", "Portuguese (Brazil)"),
    ("pt-PT-RaquelNeural", "Female", "Portuguese (Portugal)"),
    ("ro-RO-AlinaNeural", "Female", "Romanian (Romania)"),
    ("ru-RU-SvetlanaNeural", "Female", "Russian (Russia)"),
    ("sk-SK-ViktoriaNeural", "Female", "Slovak (Slovakia)"),
    ("sl-SI-PetraNeural", "Female", "Slovenian (Slovenia)"),
    ("sr-RS-SophieNeural", "Female", "Serbian (Cyrillic, Serbia)"),
    ("sr-Latn-RS-SophieNeural", "Female", "Serbian (Latin, Serbia)"),
    ("sv-SE-SofieNeural", "Female", "Swedish (Sweden)"),
    ("sw-KE-ZuriNeural", "Female", "Kiswahili (Kenya)"),
    ("ta-IN-PallaviNeural", "Female", "Tamil (India)"),
    ("te-IN-ShrutiNeural", "Female", "Telugu (India)"),
    ("th-TH-PremwadeeNeural", "Female", "Thai (Thailand)"),
    ("tr-TR-EmelNeural", "Female", "Turkish (Türkiye)"),
    ("uk-UA-PolinaNeural", "Female", "Ukrainian (Ukraine)"),
    ("ur-PK-UzmaNeural", "Female", "Urdu (Pakistan)"),
    ("vi-VN-HoaiMyNeural", "Female", "Vietnamese (Vietnam)"),
    ("zh-CN-XiaoxiaoNeural", "Female", "Chinese (Mandarin, Simplified)"),
    ("zh-CN-YunxiNeural", "Male", "Chinese (Mandarin, Simplified)"),
    ("zh-CN-shaanxi-XiaoniNeural", "Female", "Chinese (Zhongyuan Mandarin Shaanxi, Simplified)"),
    ("zh-HK-HiuMaanNeural", "Female", "Chinese (Cantonese, Traditional)"),
    ("zh-TW-HsiaoChenNeural", "Female", "Chinese (Taiwanese Mandarin, Traditional)"),
)
KNOWN_VOICE_NAMES = frozenset(name for name, _, _ in KNOWN_VOICES)


# --- Media ----------------------------------------------------------------------------------------


# Headerless 16-bit samples, as the raw-* formats are: not a file a provider may accept.
RAW_PCM_BYTES = raw_pcm()

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1>"
    b"<p>The service is temporarily unavailable. Please try again later.</p></body></html>\n"
)


# --- Failures -------------------------------------------------------------------------------------


def gateway_failure(status: int, message: str, *, headers: Mapping[str, str] | None = None) -> Failure:
    """The API gateway's JSON error body ``{"statusCode", "message"}`` (§7.3 [OBS])."""
    body = json.dumps({"statusCode": status, "message": message}).encode()
    return Failure(status, body, {"Content-Type": "application/json", **(headers or {})})


def bad_request() -> Failure:
    """§7.3: 400, an invalid parameter or header (an unknown voice…); the body is empty [OBS]."""
    return Failure(400)


def unauthorized() -> Failure:
    """§7.3: 401, a bad key or the wrong region (the gateway's wording [OBS, 2018])."""
    return gateway_failure(
        401,
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for "
        "an active subscription and use a correct regional API endpoint for your resource.",
    )


def missing_key() -> Failure:
    """401 without any key (wording [UNCONFIRMED])."""
    return gateway_failure(
        401,
        "Access denied due to missing subscription key. Make sure to include subscription key when making requests.",
    )


def quota_exceeded(replenished_in: str = "22.14:18:12") -> Failure:
    """403: a free (F0) resource has used up its quota (the Cognitive Services gateway [OBS])."""
    return gateway_failure(403, f"Out of call volume quota. Quota will be replenished in {replenished_in}.")


def forbidden() -> Failure:
    """403 from a resource's network rules (wording [UNCONFIRMED])."""
    return gateway_failure(403, "Access denied due to Virtual Network/Firewall rules.")


def too_many_requests(*, retry_after: str | None = "2") -> Failure:
    """§7.3: 429 (the F0 tier allows 20 requests per 60 s, §7.4); ``Retry-After`` [UNCONFIRMED]."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return gateway_failure(429, "Rate limit is exceeded. Try again in 2 seconds.", headers=headers)


def unsupported_media_type() -> Failure:
    """§7.3: 415, the wrong Content-Type (empty body [UNCONFIRMED])."""
    return Failure(415)


def server_error(status: int = 503) -> Failure:
    """§7.3: 502 (network or server problem) / 503 (server-side problem); empty body [UNCONFIRMED]."""
    return Failure(status)


def html_gateway_error(status: int = 502) -> Failure:
    """A proxy's HTML error page in front of the API (5xx, not JSON)."""
    page = f"<html><head><title>{status} Bad Gateway</title></head><body><h1>{status} Bad Gateway</h1></body></html>"
    return Failure(status, page.encode(), {"Content-Type": "text/html"})


HANG = Failure(hang=True)


# --- The fake -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Synthesis:
    """What one accepted synthesis request asked for, read from its SSML and headers."""

    voice: str
    lang: str
    text: str
    output_format: str


def _local(tag: str) -> str:
    """An element's name without its namespace (SSML may carry ``xmlns``)."""
    return tag.rsplit("}", 1)[-1]


class AzureTTSFake(ScriptedFailures):
    """The state and answers of the fake; see the module docstring for the switches."""

    failing_endpoint = "synthesize"  # failure endpoints: "synthesize", "voices"

    def __init__(self, *, key: str, voices: Iterable[str], mp3: bytes, wav: bytes, hang_s: float) -> None:
        self._initial_key = key
        self._initial_voices = frozenset(voices)
        self.mp3 = mp3
        self.wav = wav
        self.hang_s = hang_s
        self._lock = threading.Lock()
        self._server: FakeServer | None = None
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(503).reply())
        self.syntheses: list[Synthesis] = []
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.key = self._initial_key
        self.voices: set[str] = set(self._initial_voices)
        self.payload: bytes | None = None
        self.payload_type = "audio/mpeg"
        self._failures.stop_failing()
        with self._lock:
            self.syntheses.clear()

    def reset(self) -> None:
        """Back to a fresh fake on the same port: switches off, failures forgotten, hanging
        requests released, recorded requests and syntheses cleared."""
        self._set_defaults()
        self._failures.reset()
        if self._server is not None:
            self._server.requests.clear()

    # --- what tests use ---

    @property
    def url(self) -> str:
        """The base URL for the provider (the server's root, like ``https://eastus.tts.speech.microsoft.com``)."""
        assert self._server is not None, "the fake is not serving"
        return self._server.url

    @property
    def requests(self) -> list[Recorded]:
        assert self._server is not None, "the fake is not serving"
        return self._server.requests

    def synthesis_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == SYNTHESIS_PATH]

    # --- serving ---

    def handle(self, request: Recorded) -> Reply:
        if request.path == SYNTHESIS_PATH and request.method == "POST":
            endpoint = "synthesize"
        elif request.path == VOICES_PATH and request.method == "GET":
            endpoint = "voices"
        else:
            return Reply(404)  # [UNCONFIRMED] an empty 404 for what the API does not have
        refused = self._check_key(request)
        if refused is not None:
            return refused.reply()
        failure = self._failures.next_failure(endpoint)
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        return self._synthesize(request) if endpoint == "synthesize" else self._voice_list()

    def _check_key(self, request: Recorded) -> Failure | None:
        sent = request.headers.get("ocp-apim-subscription-key")
        if sent is None and "authorization" not in request.headers:
            return missing_key()
        if sent != self.key:  # a bearer token was never issued by this fake
            return unauthorized()
        return None

    def _synthesize(self, request: Recorded) -> Reply:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/ssml+xml":
            return unsupported_media_type().reply()
        output_format = request.headers.get("x-microsoft-outputformat", "")
        if output_format not in OUTPUT_FORMATS:
            return bad_request().reply()
        if len(request.headers.get("user-agent", "")) >= _MAX_USER_AGENT:
            return bad_request().reply()  # §7.3: "a header that is too long"
        synthesis = self._read_ssml(request.body, output_format)
        if synthesis is None:
            return bad_request().reply()
        with self._lock:
            self.syntheses.append(synthesis)
        if self.payload is not None:
            return Reply(200, self.payload, {"Content-Type": self.payload_type})
        data, mime = self._audio(output_format)
        return Reply(200, data, {"Content-Type": mime})

    def _read_ssml(self, body: bytes, output_format: str) -> Synthesis | None:
        """The request's SSML as the service reads it; None for what it refuses with 400."""
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            return None
        lang = root.get(_XML_LANG, "")
        if root.tag != f"{{{SSML_NAMESPACE}}}speak" or root.get("version") != "1.0" or not lang:
            return None  # <speak> needs version, xml:lang and the W3C synthesis namespace
        voices = [element for element in root if _local(element.tag) == "voice"]
        if len(voices) != 1:  # the provider sends one voice; several are allowed by the API but unused here
            return None
        name = voices[0].get("name", "")
        if name not in self.voices:
            return None  # [OBS] an unknown voice is a 400 with an empty body
        return Synthesis(voice=name, lang=lang, text="".join(voices[0].itertext()), output_format=output_format)

    def _audio(self, output_format: str) -> tuple[bytes, str]:
        if output_format.endswith("-mp3"):
            return self.mp3, "audio/mpeg"
        if output_format.startswith("ogg-"):
            return SNDFILE_OPUS, "audio/ogg"
        if output_format.startswith("riff-"):
            return self.wav, "audio/x-wav"
        return RAW_PCM_BYTES, "application/octet-stream"

    def _voice_list(self) -> Reply:
        entries = []
        for short_name, gender, locale_name in KNOWN_VOICES:
            if short_name not in self.voices:
                continue
            base = short_name.split(":")[0]
            locale, _, person = base.rpartition("-")
            display = person.removesuffix("Neural").removesuffix("Multilingual") or person
            entries.append(
                {
                    "Name": f"Microsoft Server Speech Text to Speech Voice ({locale}, {short_name.rpartition('-')[2]})",
                    "DisplayName": display,
                    "LocalName": display,
                    "ShortName": short_name,
                    "Gender": gender,
                    "Locale": locale,
                    "LocaleName": locale_name,
                    "SampleRateHertz": "24000",
                    "VoiceType": "Neural",
                    "Status": "GA",
                    "WordsPerMinute": "150",
                }
            )
        return Reply.of_json(entries)


@contextmanager
def serve_azure_tts(
    *,
    key: str = TEST_KEY,
    voices: Iterable[str] = KNOWN_VOICE_NAMES,
    mp3: bytes | None = None,
    wav: bytes | None = None,
    hang_s: float = 5.0,
) -> Iterator[AzureTTSFake]:
    """Serve the fake on 127.0.0.1 until the block ends. ``mp3``/``wav`` are the audio it answers
    with for MP3 and RIFF formats (silent files when not given)."""
    fake = AzureTTSFake(
        key=key,
        voices=voices,
        mp3=mp3 if mp3 is not None else silent_mp3(),
        wav=wav if wav is not None else silent_wav(),
        hang_s=hang_s,
    )
    with serve(fake.handle) as server:
        fake._server = server
        try:
            yield fake
        finally:
            fake._failures.release()
            fake._server = None

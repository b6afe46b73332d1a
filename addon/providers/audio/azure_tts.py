"""``azure_tts``: speech from Azure AI Speech's text-to-speech REST API
(``POST https://{region}.tts.speech.microsoft.com/cognitiveservices/v1``).

Wire format: ``../shared/provider_apis.md`` §7. The key of a Speech resource goes in
``Ocp-Apim-Subscription-Key``; the body is SSML, ``<speak version="1.0"
xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="…"><voice
name="…">text</voice></speak>``, with the text XML-escaped (``< & > " '`` survive as entities;
characters XML cannot carry are dropped); ``X-Microsoft-OutputFormat`` asks for MP3 by default
(``output_format``). The answer's body is the audio itself: its extension follows the bytes that
came (`sniff_audio`), never the format asked for.

Where: a key works only in its resource's region, so the address is built from ``region``
(``https://{region}.tts.speech.microsoft.com``, the shipped ``base_url`` template). A ``base_url``
without ``{region}`` replaces the whole address (a proxy, a sovereign cloud, the tests' fake).

Voice: the target's voice for ``azure_tts`` when the request names one (`requested_voice`, checked
against `VOICE_NAME_PATTERN`); else ``voices`` maps a language (``en``, ``pt-BR``, ``zh-Hant``…) to an Azure voice name; the most
specific entry wins (``en-GB`` before ``en``), the user's before the built-in `DEFAULT_VOICES` at each
level. A language with no voice either way is `NotFoundError` for that note (the rule's next
provider is used), with a message saying what to add.

Errors (§7.3):

* 400 (an unknown voice, an output format the service refuses; the body is often empty) →
  `PermanentError` for this request, naming the voice and ``voices`` (or the target's voice);
* 401 (a bad key, or a key of another region) → `AuthError` naming ``api_key`` and ``region``;
* 403 "Out of call volume quota" (a free F0 resource that used its quota) → `QuotaError`, never
  retried; any other 403 (the resource's network rules) → `AuthError`;
* 404 → `ConfigError` about ``base_url`` (the service has no "nothing found" answer);
* 429 → `RateLimitError` with the server's ``Retry-After``; 5xx → `TransientError`; 415 and other
  4xx → `PermanentError` with the server's words.

`fetch_voices` lists the region's voices (``GET …/cognitiveservices/voices/list``, as
`voice_lists.azure_voices` reads it). `test_connection` makes the cheapest call the API has, the same,
which synthesizes nothing, checks the key and the region at once, and lets the voices the user set
be checked against what the region offers.

Thread safety: `generate` may run on several worker threads at once; each thread uses its own HTTP
session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from xml.sax.saxutils import escape, quoteattr

import requests

from ...core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
)
from ...core.media.checks import require_media, sniff_audio
from ...core.media.types import MediaKind, MediaRequest, MediaResult
from ...core.media.voice_choice import target_voice, valid_requested_voice
from ...core.media.voice_list import Voice
from ...core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, KeyUse
from ..http.client import ERROR_BODY_CHARS, address_error, failure, json_or_none
from ..http.download import display_url
from ..http.health_probe import probe_health
from ..http.service import HttpProvider
from ..http.status import parse_retry_after, quoted_excerpt, wait_text
from .speech import text_to_speak
from .voice_lists import azure_voices

DEFAULT_REGION = "eastus"
REGION_PLACEHOLDER = "{region}"
DEFAULT_BASE_URL = "https://{region}.tts.speech.microsoft.com"
SYNTHESIS_PATH = "/cognitiveservices/v1"
VOICES_PATH = "/cognitiveservices/voices/list"
DEFAULT_OUTPUT_FORMAT = "audio-24khz-48kbitrate-mono-mp3"
USER_AGENT = "MediaFill/0.1.0 (Anki add-on Media Fill)"  # §7.1: required, under 255 characters

# §7.2 formats whose answer is a whole file `sniff_audio` knows: MP3, Ogg Opus and 16-bit WAV.
# (raw-*, webm-*, amr-* and the bare audio-*-opus streams are not files Anki can play.)
OUTPUT_FORMATS = (
    "audio-16khz-32kbitrate-mono-mp3",
    "audio-16khz-64kbitrate-mono-mp3",
    "audio-16khz-128kbitrate-mono-mp3",
    "audio-24khz-48kbitrate-mono-mp3",
    "audio-24khz-96kbitrate-mono-mp3",
    "audio-24khz-160kbitrate-mono-mp3",
    "audio-48khz-96kbitrate-mono-mp3",
    "audio-48khz-192kbitrate-mono-mp3",
    "ogg-16khz-16bit-mono-opus",
    "ogg-24khz-16bit-mono-opus",
    "ogg-48khz-16bit-mono-opus",
    "riff-8khz-16bit-mono-pcm",
    "riff-22050hz-16bit-mono-pcm",
    "riff-24khz-16bit-mono-pcm",
    "riff-44100hz-16bit-mono-pcm",
    "riff-48khz-16bit-mono-pcm",
)

# Language (lower case) → voice, from Microsoft's language-support table: the first voice listed for
# the language's main locale, and for the regional variants learners often use. Users add or
# override entries with the ``voices`` setting.
DEFAULT_VOICES: Mapping[str, str] = {
    "af": "af-ZA-AdriNeural",
    "ar": "ar-SA-ZariyahNeural",
    "ar-eg": "ar-EG-SalmaNeural",
    "bg": "bg-BG-KalinaNeural",
    "bn": "bn-IN-TanishaaNeural",
    "ca": "ca-ES-JoanaNeural",
    "cs": "cs-CZ-VlastaNeural",
    "cy": "cy-GB-NiaNeural",
    "da": "da-DK-ChristelNeural",
    "de": "de-DE-KatjaNeural",
    "de-at": "de-AT-IngridNeural",
    "de-ch": "de-CH-LeniNeural",
    "el": "el-GR-AthinaNeural",
    "en": "en-US-JennyNeural",
    "en-au": "en-AU-NatashaNeural",
    "en-ca": "en-CA-ClaraNeural",
    "en-gb": "en-GB-SoniaNeural",
    "en-ie": "en-IE-EmilyNeural",
    "en-in": "en-IN-NeerjaNeural",
    "en-nz": "en-NZ-MollyNeural",
    "en-za": "en-ZA-LeahNeural",
    "es": "es-ES-ElviraNeural",
    "es-ar": "es-AR-ElenaNeural",
    "es-mx": "es-MX-DaliaNeural",
    "es-us": "es-US-PalomaNeural",
    "et": "et-EE-AnuNeural",
    "eu": "eu-ES-AinhoaNeural",
    "fa": "fa-IR-DilaraNeural",
    "fi": "fi-FI-SelmaNeural",
    "fil": "fil-PH-BlessicaNeural",
    "fr": "fr-FR-DeniseNeural",
    "fr-be": "fr-BE-CharlineNeural",
    "fr-ca": "fr-CA-SylvieNeural",
    "fr-ch": "fr-CH-ArianeNeural",
    "ga": "ga-IE-OrlaNeural",
    "gl": "gl-ES-SabelaNeural",
    "gu": "gu-IN-DhwaniNeural",
    "he": "he-IL-HilaNeural",
    "hi": "hi-IN-SwaraNeural",
    "hr": "hr-HR-GabrijelaNeural",
    "hu": "hu-HU-NoemiNeural",
    "id": "id-ID-GadisNeural",
    "is": "is-IS-GudrunNeural",
    "it": "it-IT-ElsaNeural",
    "iw": "he-IL-HilaNeural",  # the old code for Hebrew
    "ja": "ja-JP-NanamiNeural",
    "ko": "ko-KR-SunHiNeural",
    "lt": "lt-LT-OnaNeural",
    "lv": "lv-LV-EveritaNeural",
    "mr": "mr-IN-AarohiNeural",
    "ms": "ms-MY-YasminNeural",
    "nb": "nb-NO-PernilleNeural",
    "nl": "nl-NL-FennaNeural",
    "nl-be": "nl-BE-DenaNeural",
    "nn": "nb-NO-PernilleNeural",
    "no": "nb-NO-PernilleNeural",
    "pl": "pl-PL-AgnieszkaNeural",
    "pt": "pt-BR-FranciscaNeural",
    "pt-pt": "pt-PT-RaquelNeural",
    "ro": "ro-RO-AlinaNeural",
    "ru": "ru-RU-SvetlanaNeural",
    "sk": "sk-SK-ViktoriaNeural",
    "sl": "sl-SI-PetraNeural",
    "sr": "sr-RS-SophieNeural",
    "sr-latn": "sr-Latn-RS-SophieNeural",
    "sv": "sv-SE-SofieNeural",
    "sw": "sw-KE-ZuriNeural",
    "ta": "ta-IN-PallaviNeural",
    "te": "te-IN-ShrutiNeural",
    "th": "th-TH-PremwadeeNeural",
    "tl": "fil-PH-BlessicaNeural",
    "tr": "tr-TR-EmelNeural",
    "uk": "uk-UA-PolinaNeural",
    "ur": "ur-PK-UzmaNeural",
    "vi": "vi-VN-HoaiMyNeural",
    "yue": "zh-HK-HiuMaanNeural",
    "zh": "zh-CN-XiaoxiaoNeural",
    "zh-hans": "zh-CN-XiaoxiaoNeural",
    "zh-hant": "zh-TW-HsiaoChenNeural",
    "zh-hk": "zh-HK-HiuMaanNeural",
    "zh-tw": "zh-TW-HsiaoChenNeural",
}

# Azure voice names: locale, then the voice ("en-US-JennyNeural", "zh-CN-shaanxi-XiaoniNeural",
# "en-US-Ava:DragonHDLatestNeural").
VOICE_NAME_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]+)+(:[A-Za-z0-9]+)?$"
LANGUAGE_KEY_PATTERN = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$"

# Characters XML 1.0 cannot carry at all (C0 controls but tab/newline/return, lone surrogates,
# U+FFFE/U+FFFF): the service would refuse the SSML, so they are dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The W3C SSML 1.0 namespace: Azure's SSML reference requires it on <speak> ("xmlns … required").
SSML_NAMESPACE = "http://www.w3.org/2001/10/synthesis"
# What Azure's gateway says when a free resource's quota is spent (§7.3 [OBS]).
_SPENT_QUOTA = ("out of call volume quota", "quota will be replenished", "exceeded its free quota", "ran out of quota")
_SPEECH_RESOURCES_URL = "https://portal.azure.com/#browse/Microsoft.CognitiveServices%2Faccounts"


def ssml(text: str, *, voice: str) -> str:
    """The SSML document that speaks ``text`` with ``voice``: ``<speak>`` in the W3C synthesis
    namespace (`SSML_NAMESPACE`, as Azure's SSML reference requires), the text XML-escaped (quotes
    too) and characters XML cannot carry dropped; ``xml:lang`` is the voice's locale."""
    clean = _NOT_XML.sub("", text)
    escaped = escape(clean, {'"': "&quot;", "'": "&apos;"})
    lang = quoteattr(voice_locale(voice))
    return (
        f'<speak version="1.0" xmlns="{SSML_NAMESPACE}" xml:lang={lang}>'
        f"<voice name={quoteattr(voice)}>{escaped}</voice></speak>"
    )


def voice_locale(voice: str) -> str:
    """The locale a voice name starts with: "de-DE" for "de-DE-KatjaNeural", "sr-Latn-RS" for
    "sr-Latn-RS-SophieNeural" (a script subtag is kept), "zh-CN" for "zh-CN-shaanxi-XiaoniNeural"."""
    parts = voice.split(":", maxsplit=1)[0].split("-")
    if len(parts) >= 4 and len(parts[1]) == 4 and parts[1].isalpha():
        return "-".join(parts[:3])
    return "-".join(parts[:2])


def _language_keys(language: str) -> Iterator[str]:
    """``language`` normalised, then each shorter prefix: "zh_Hant_TW" → zh-hant-tw, zh-hant, zh."""
    parts = (language.strip() or "en").replace("_", "-").lower().split("-")
    for end in range(len(parts), 0, -1):
        yield "-".join(parts[:end])


def _is_spent_quota(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in _SPENT_QUOTA)


class AzureSpeech(HttpProvider, AudioProvider):
    name = "azure_tts"
    title = "Azure Speech"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "Natural neural voices from Azure AI Speech (needs a Speech resource's key and region; "
        "free tier 0.5 million characters a month)."
    )
    capabilities = Capabilities(key=KeyUse.REQUIRED, http=True)
    default_max_concurrency = 2
    priority = 300
    default_user_agent = USER_AGENT
    settings_not_changing_output: ClassVar[frozenset[str]] = AudioProvider.settings_not_changing_output | {"region"}
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "region": {"type": "string", "pattern": r"^[a-z0-9]*$"},
        "voices": {
            "type": "object",
            "propertyNames": {"pattern": LANGUAGE_KEY_PATTERN},
            "additionalProperties": {"type": "string", "pattern": VOICE_NAME_PATTERN},
        },
        "output_format": {"enum": list(OUTPUT_FORMATS)},
    }

    # --- settings -------------------------------------------------------------------------------

    @property
    def region(self) -> str:
        return str(self.settings.get("region", DEFAULT_REGION) or "").strip().lower()

    @property
    def base_url(self) -> str:
        """The service's address: ``base_url`` (the shipped ``https://{region}.tts.speech.microsoft.com``
        when empty) with ``{region}`` filled in; "" when it needs a region and none is set."""
        configured = str(self.settings.get("base_url") or "").strip() or DEFAULT_BASE_URL
        if REGION_PLACEHOLDER in configured:
            if not self.region:
                return ""
            configured = configured.replace(REGION_PLACEHOLDER, self.region)
        return configured.rstrip("/")

    @property
    def output_format(self) -> str:
        return str(self.settings.get("output_format") or DEFAULT_OUTPUT_FORMAT)

    def access_problem(self) -> str | None:
        """A key is needed, and a region (or a ``base_url`` without ``{region}``)."""
        if self.api_key and not self.base_url:
            return (
                f"has no region: set {self.setting_path('region')} to the region of your Speech resource "
                f"(e.g. {DEFAULT_REGION}, as the Azure portal shows it), or {self.setting_path('base_url')} to its address"
            )
        return super().access_problem()

    def voice_for(self, language: str, *, requested: str | None = None) -> str | None:
        """The voice for ``language``: ``requested`` (the target's voice), else the most specific
        entry of the user's ``voices`` or of `DEFAULT_VOICES` (the user's first at each level); None
        when neither has one."""
        if requested:
            return requested
        configured = self.settings.get("voices") or {}
        own = {str(k).replace("_", "-").lower(): str(v) for k, v in configured.items() if v}
        for key in _language_keys(language):
            found = own.get(key) or DEFAULT_VOICES.get(key)
            if found:
                return found
        return None

    def _headers(self) -> dict[str, str]:
        return {"Ocp-Apim-Subscription-Key": self.api_key}

    # --- generation -----------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        """Speak ``request.text`` in the voice of ``request.language``. Blocks on the network: call it
        from a worker thread. Raises a `ProviderError` subclass as the module docstring says."""
        text = text_to_speak(_NOT_XML.sub("", request.text), provider=self.name)
        requested = valid_requested_voice(
            request, self.name, pattern=VOICE_NAME_PATTERN, what='an Azure voice name like "en-US-JennyNeural"'
        )
        voice = self.voice_for(request.language, requested=requested)
        if voice is None:
            language = request.language.strip() or "en"
            raise NotFoundError(
                f"has no voice for the language {language!r}: add one to {self.setting_path('voices')}, e.g. "
                f'"{language}": "<a voice name from Azure\'s voice list, like en-US-JennyNeural>"',
                provider=self.name,
            )
        started = time.monotonic()
        headers = {
            **self._headers(),
            "Content-Type": "application/ssml+xml",
            "X-Microsoft-OutputFormat": self.output_format,
        }
        response = self._http.send(
            "POST",
            f"{self.base_url}{SYNTHESIS_PATH}",
            timeout_s=self.timeout_s,
            headers=headers,
            data=ssml(text, voice=voice).encode("utf-8"),
            max_body_bytes=self.max_media_bytes,
            error=lambda answer: self._api_error(answer, voice=voice, requested=requested is not None),
        )
        data = response.content
        extension = sniff_audio(data) or ""
        require_media(MediaKind.AUDIO, data, extension=extension, provider=self.name)
        return self.result(request, data=data, extension=extension, started=started)

    # --- errors ---------------------------------------------------------------------------------

    def _api_error(self, response: requests.Response, *, voice: str | None, requested: bool = False) -> ProviderError:
        """The error for a non-2xx answer (§7.3); bodies are empty or ``{"statusCode", "message"}``.
        ``requested``: ``voice`` is the target's voice (messages name it, not ``voices``)."""
        status = response.status_code
        body = response.text[:ERROR_BODY_CHARS]
        quoted = quoted_excerpt(body)
        label = f"HTTP {status}"
        in_template = REGION_PLACEHOLDER in self._base_template()
        where = f"in the region {self.region!r}" if in_template else f"at {display_url(self.base_url)}"
        if status in (403, 429) and _is_spent_quota(body):
            return QuotaError(
                f"the Azure Speech resource has used up its quota ({label}){quoted}. Wait until it is replenished, "
                f"or move the resource to the Standard (S0) pricing tier in the Azure portal ({_SPEECH_RESOURCES_URL})",
                provider=self.name,
            )
        if status == 401:
            return AuthError(
                f"Azure refused the key ({label}){quoted}. Check {self.setting_path('api_key')} (or api_key_env) and "
                f"that {self.setting_path('region')} is your Speech resource's region: a key works only in its own region",
                provider=self.name,
            )
        if status == 403:
            return AuthError(
                f"Azure denied access to the Speech resource ({label}){quoted}. Check the resource's networking "
                f"(firewall) settings in the Azure portal, {self.setting_path('api_key')} and {self.setting_path('region')}",
                provider=self.name,
            )
        if status == 400 and voice is not None:
            source = target_voice(self.name) if requested else self.setting_path("voices")
            return PermanentError(
                f"Azure refused to speak with the voice {voice!r} {where} ({label}){quoted}. Set "
                f"{source} to a voice your region offers (the connection test checks them) and "
                f"{self.setting_path('output_format')} to a format Azure knows",
                provider=self.name,
            )
        if status == 404:
            return address_error(
                response,
                provider=self.name,
                setting=self.setting_path("base_url"),
                usual=f"Azure's is {DEFAULT_BASE_URL}, with {self.setting_path('region')} filled in",
                said=quoted,
            )
        if status == 429:
            retry_after = parse_retry_after(response.headers)
            wait = wait_text(retry_after)
            return RateLimitError(
                f"Azure is rate limiting requests ({label}){wait}{quoted}. The free F0 tier allows 20 requests a "
                f"minute: lower {self.setting_path('requests_per_minute')} to match your tier",
                provider=self.name,
                retry_after=retry_after,
            )
        return failure(response, provider=self.name)

    def _base_template(self) -> str:
        return str(self.settings.get("base_url") or "").strip() or DEFAULT_BASE_URL

    def fetch_voices(self) -> list[Voice]:
        """Every voice of the region (``GET …/cognitiveservices/voices/list``); blocks on the network."""
        url, headers = f"{self.base_url}{VOICES_PATH}", self._headers()
        body = self.get_json(url, headers=headers, error=lambda answer: self._api_error(answer, voice=None))
        return azure_voices(body, provider=self.name)

    # --- health ---------------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """List the region's voices (``GET …/cognitiveservices/voices/list``): checks the server, the
        key and the region without synthesizing (or paying for) anything, and that every voice set in
        ``voices`` is offered there. Never raises for a failure."""
        return probe_health(self, self._check_voices)

    def _check_voices(self) -> str:
        try:
            response = self.probe_get(f"{self.base_url}{VOICES_PATH}", headers=self._headers())
        except ProviderError as exc:
            hint = f"; check {self.setting_path('region')}" if REGION_PLACEHOLDER in self._base_template() else ""
            raise ProviderError(exc.message + hint, provider=self.name) from None
        if not 200 <= response.status_code < 300:
            raise self._api_error(response, voice=None)
        body = json_or_none(response)
        if not isinstance(body, list):
            raise InvalidResponseError(
                f"{display_url(self.base_url)} did not answer with a voice list; check base_url", provider=self.name
            )
        offered = {str(item.get("ShortName")) for item in body if isinstance(item, Mapping)}
        configured = self.settings.get("voices") or {}
        missing = sorted({str(v) for v in configured.values() if v and str(v) not in offered})
        if missing:
            raise ConfigError(
                f"the key works, but this region offers no voice named {', '.join(missing)}; "
                f"fix {self.setting_path('voices')} (names are case-sensitive, e.g. en-US-JennyNeural)",
                provider=self.name,
            )
        return f"the key works; the region offers {len(offered)} voices"

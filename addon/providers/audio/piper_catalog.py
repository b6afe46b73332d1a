"""Piper's voice catalogue: the ``voices.json`` index of rhasspy/piper-voices, read and filtered.

The index lives at ``<voices_url>/voices.json`` (the ``voices_url`` setting of ``piper``; Piper's
own is `DEFAULT_VOICES_URL`) and each file of a voice at ``<voices_url>/<its path>``. Its shape
(``../shared/provider_apis.md`` §9.3): one JSON object keyed by voice key
(``"en_US-joe-medium"``) → ``{"key", "name", "language": {"code": "en_US", "family", "region",
"name_native", "name_english", "country_english"}, "quality", "num_speakers", "speaker_id_map",
"files": {"en/en_US/joe/medium/en_US-joe-medium.onnx": {"size_bytes", "md5_digest"},
"…onnx.json": {…}, "…/MODEL_CARD": {…}}, "aliases"}``. A voice is its ``.onnx`` model and the
``.onnx.json`` beside it (same path plus ``.json``); the model card is not needed. An entry without
both, or with a size or hash that is not one, is left out; an index that is not such an object at
all (an error page, a cut-off file) is refused with a sentence naming the setting to check.

`filter_catalog` filters as every voice list does (`voice_list.speaks`: ``es`` finds ``es_ES`` and
``es_MX``, ``en-US`` finds ``en_US``), and a word of three letters or more also finds the
language's English or native name (``span`` → Spanish).

Thread safety: `fetch_catalog` blocks on the network (worker threads only); the rest are pure
functions and immutable values.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from ...core.base.errors import InvalidResponseError, PermanentError, ProviderError, TransientError
from ...core.media.voice_list import Voice, normal_tag, speaks
from ..http.download import display_url, is_loopback_host, network_error, read_capped

PROVIDER = "piper"
DEFAULT_VOICES_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main"
VOICES_URL_SETTING = "providers.audio.piper.voices_url"
INDEX_FILE = "voices.json"
# The real index is about 0.2 MB for some 150 voices.
MAX_INDEX_BYTES = 16 * 1024 * 1024
_MD5 = re.compile(r"^[0-9a-f]{32}$")
_NAME_MATCH_CHARS = 3
CHECK_URL = f"check {VOICES_URL_SETTING} (Piper's own is {DEFAULT_VOICES_URL})"


@dataclass(frozen=True)
class CatalogFile:
    """One file of a voice: its path under the catalogue's base address, size and MD5 (hex)."""

    path: str
    size: int
    md5: str


@dataclass(frozen=True)
class CatalogVoice:
    """One voice of the catalogue (see the module docstring)."""

    key: str
    name: str
    language: str  # Piper's code, e.g. "en_US"
    language_english: str
    language_native: str
    country_english: str
    quality: str
    num_speakers: int
    model: CatalogFile
    config: CatalogFile

    @property
    def size(self) -> int:
        """What a download fetches: the model and its configuration, in bytes."""
        return self.model.size + self.config.size

    @property
    def files(self) -> tuple[CatalogFile, CatalogFile]:
        return (self.model, self.config)

    def language_text(self) -> str:
        """``English (United States, en_US)`` — what the settings page shows."""
        country = f"{self.country_english}, " if self.country_english else ""
        return f"{self.language_english or self.language} ({country}{self.language})"

    def as_voice(self) -> Voice:
        """The voice as the voice lists have it (its id is its key until it is installed)."""
        return Voice(self.key, f"{self.name} ({self.quality})", (normal_tag(self.language),), "", PROVIDER)


def index_url(base_url: str) -> str:
    """Where the catalogue's index is: ``<base_url>/voices.json``."""
    return f"{base_url.rstrip('/')}/{INDEX_FILE}"


def file_url(base_url: str, path: str) -> str:
    """Where one of a voice's files is: ``<base_url>/<path>``, each part of the path quoted."""
    return f"{base_url.rstrip('/')}/{urllib.parse.quote(path)}"


def check_address(url: str) -> None:
    """Refuse (`PermanentError`) an address other than https://, or http:// to this computer
    (127.0.0.1, ::1, localhost: a local mirror or a test)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", urllib.parse.urlsplit("")
    scheme = parts.scheme.lower()
    if not host or not (scheme == "https" or (scheme == "http" and is_loopback_host(host))):
        raise PermanentError(
            f"refused to download from {display_url(url) or repr(url)}: only https:// addresses are allowed; "
            f"{CHECK_URL}",
            provider=PROVIDER,
        )


def refuse_bad_redirects(response: requests.Response, *args: object, **kwargs: object) -> None:
    """A requests response hook: refuse a redirect to an address `check_address` refuses before
    requests follows it."""
    if response.is_redirect:
        target = urllib.parse.urljoin(response.url, response.headers.get("Location", ""))
        try:
            check_address(target)
        except PermanentError:
            response.close()
            raise


def status_problem(status: int, *, url: str, what: str) -> ProviderError:
    """The error for an answer other than the one asked for (its body is never read or kept)."""
    shown = display_url(url)
    if status == 429 or status >= 500:
        return TransientError(f"{shown} is busy or failing (HTTP {status}); try again later", provider=PROVIDER)
    if status == 404:
        return PermanentError(f"{what} {shown} does not exist (HTTP 404); {CHECK_URL}", provider=PROVIDER)
    return PermanentError(f"{shown} refused to send {what} (HTTP {status}); {CHECK_URL}", provider=PROVIDER)


def _file(raw: Any, path: str) -> CatalogFile | None:
    if not isinstance(raw, Mapping):
        return None
    size, md5 = raw.get("size_bytes"), raw.get("md5_digest")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        return None
    if not isinstance(md5, str) or not _MD5.match(md5.strip().lower()):
        return None
    return CatalogFile(path=path, size=size, md5=md5.strip().lower())


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _voice(key: str, raw: Mapping[str, Any]) -> CatalogVoice | None:
    files = raw.get("files")
    if not isinstance(files, Mapping):
        return None
    models = [path for path in files if isinstance(path, str) and path.endswith(".onnx")]
    if len(models) != 1 or models[0] + ".json" not in files:
        return None
    model, config = _file(files[models[0]], models[0]), _file(files[models[0] + ".json"], models[0] + ".json")
    if model is None or config is None:
        return None
    language = raw.get("language")
    names: Mapping[str, Any] = language if isinstance(language, Mapping) else {}
    code = _text(names.get("code"))
    if not code:
        return None
    speakers = raw.get("num_speakers")
    return CatalogVoice(
        key=_text(raw.get("key")) or key,
        name=_text(raw.get("name")) or key,
        language=code,
        language_english=_text(names.get("name_english")),
        language_native=_text(names.get("name_native")),
        country_english=_text(names.get("country_english")),
        quality=_text(raw.get("quality")),
        num_speakers=speakers if isinstance(speakers, int) and speakers > 0 else 1,
        model=model,
        config=config,
    )


def parse_catalog(body: Any, *, url: str = "") -> list[CatalogVoice]:
    """The voices of a parsed ``voices.json``, by key; `InvalidResponseError` naming the fix when
    ``body`` is not Piper's index (``url``, where it came from, is named too)."""
    where = f" at {display_url(url)}" if url else ""
    if not isinstance(body, Mapping):
        raise InvalidResponseError(
            f"the voice list{where} is not Piper's voices.json (it is not a JSON object of voices); {CHECK_URL}",
            provider=PROVIDER,
        )
    voices = [voice for key, raw in body.items() if isinstance(raw, Mapping) for voice in [_voice(str(key), raw)]]
    found = sorted((voice for voice in voices if voice is not None), key=lambda voice: voice.key)
    if body and not found:
        raise InvalidResponseError(
            f"the voice list{where} names no voice Piper can use (each needs a .onnx model and its .onnx.json "
            f"with their sizes and MD5 hashes); {CHECK_URL}",
            provider=PROVIDER,
        )
    return found


def filter_catalog(voices: Iterable[CatalogVoice], language: str | None) -> list[CatalogVoice]:
    """The voices that speak ``language`` (all of them for None or ""); see the module docstring."""
    wanted = (language or "").strip()
    if not wanted:
        return list(voices)
    word = wanted.lower()
    by_name = len(word) >= _NAME_MATCH_CHARS and word.isalpha()

    def named(voice: CatalogVoice) -> bool:
        words = f"{voice.language_english} {voice.language_native}".lower().split()
        return any(part.startswith(word) for part in words)

    return [voice for voice in voices if speaks(voice.as_voice(), wanted) or (by_name and named(voice))]


def fetch_catalog(session: requests.Session, base_url: str, *, timeout_s: float) -> list[CatalogVoice]:
    """Download and read the index at `index_url` (``base_url``). Raises `PermanentError` for a
    refused address, `TransientError` when the server cannot be reached, the status's error for an
    error answer, `InvalidResponseError` for an answer that is not the index (a cut-off or
    malformed file); every message names what to check."""
    url = index_url(base_url)
    check_address(url)
    shown = display_url(url)
    try:
        response = session.get(
            url,
            stream=True,
            timeout=timeout_s,
            headers={"Accept": "application/json"},
            hooks={"response": [refuse_bad_redirects]},
        )
    except requests.RequestException as exc:
        raise network_error(exc, url=url, provider=PROVIDER, timeout_s=timeout_s) from None
    with response:
        for hop in (*response.history, response):
            check_address(hop.url)
        if response.status_code != 200:
            raise status_problem(response.status_code, url=url, what="the voice list")
        data = read_capped(
            response,
            what=f"the voice list {shown}",
            url=url,
            provider=PROVIDER,
            max_bytes=MAX_INDEX_BYTES,
            timeout_s=timeout_s,
        )
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidResponseError(
            f"the voice list {shown} is not readable JSON (cut off, or an error page); {CHECK_URL} and try again",
            provider=PROVIDER,
        ) from None
    return parse_catalog(body, url=url)

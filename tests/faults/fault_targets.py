"""Every HTTP provider of Media Fill as a target of the fault matrix: how to start its fake, how to
point the provider at it, which requests ask for media and which carry it, and its own wire
shapes for the error answers (taken from its fake, which follows ``../shared/provider_apis.md``).

A status a provider's API never sends itself (Wikimedia has no keys; a Stable Diffusion WebUI
has no rate limit) is sent in the shape a gateway in front of it would use: a short HTML page.

The contract test (tests/providers/test_contract.py) scripts these same shapes on each fake through
`Served.fake`; the fault matrix puts them between the provider and its fake with a proxy.

Thread safety: targets are immutable; `Target.serve` starts a fake on its own threads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import tests.fakes.azure_tts_fake as azure
import tests.fakes.elevenlabs_fake as eleven
import tests.fakes.forvo_fake as forvo
import tests.fakes.google_stt_fake as google_stt
import tests.fakes.google_tts_fake as google
import tests.fakes.openai_fake as openai_images
import tests.fakes.openai_stt_fake as openai_stt
import tests.fakes.openai_tts_fake as openai_speech
import tests.fakes.openverse_fake as openverse
import tests.fakes.runware_fake as runware
import tests.fakes.sdwebui_fake as sdwebui
import tests.fakes.wikimedia_fake as wikimedia
import tests.fakes.yandex_stt_fake as yandex_stt
import tests.fakes.yandex_tts_fake as yandex
from addon.core.media.types import MediaKind
from tests.support.failure_script import FailingFake
from tests.support.fake_http import Reply

Match = Callable[[str, str], bool]


@dataclass(frozen=True)
class Served:
    """A running fake: the provider's ``base_url`` on it, the provider's settings for it, and the fake
    itself (to script failures on it: `FailingFake`)."""

    base_url: str
    fake: FailingFake
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    name: str
    kind: MediaKind
    language: str
    serve: Callable[[bytes], AbstractContextManager[Served]]
    """Start the fake; the argument is real MP3 speech, for the fakes that serve speech."""
    is_api: Match
    """The API request that asks for media (status faults, hangs, invalid JSON are given to it)."""
    is_media: Match
    """The answer that carries the media bytes: the download, or the API request itself."""
    media_in_json: bool
    rate_limited: Callable[[str | None], Reply]
    server_error: Callable[[int], Reply]
    unauthorized: Reply
    forbidden: Reply
    quota: Reply | None
    """The provider's "quota spent" answer; None when its API has no quota (said in the matrix)."""
    no_quota_reason: str = ""
    batched: bool = False
    """Sends several requests in one (its retries may then be one per request)."""


def gateway_page(status: int, title: str, *, headers: dict[str, str] | None = None) -> Reply:
    """What a reverse proxy in front of a server answers: a short HTML page."""
    body = f"<html><head><title>{status} {title}</title></head><body><center><h1>{status} {title}</h1></center>"
    return Reply(
        status,
        (body + "<hr><center>nginx</center></body></html>").encode(),
        {"Content-Type": "text/html", **(headers or {})},
    )


def _retry_after(value: str | None) -> dict[str, str]:
    return {"Retry-After": value} if value is not None else {}


def _post(path: str) -> Match:
    return lambda method, request_path: method == "POST" and request_path == path


def _starts(prefix: str, method: str = "GET") -> Match:
    return lambda request_method, path: request_method == method and path.startswith(prefix)


# --- the fakes, started ---------------------------------------------------------------------------


@contextmanager
def _openai_images(mp3: bytes) -> Iterator[Served]:
    with openai_images.serve_openai() as fake:
        yield Served(fake.url, fake, {"api_key": openai_images.TEST_KEY})


@contextmanager
def _openai_speech(mp3: bytes) -> Iterator[Served]:
    with openai_speech.serve_openai_tts(audio={"mp3": mp3}) as fake:
        yield Served(fake.url, fake, {"api_key": openai_speech.TEST_KEY})


@contextmanager
def _elevenlabs(mp3: bytes) -> Iterator[Served]:
    with eleven.serve_elevenlabs(audio={"mp3": mp3}) as fake:
        yield Served(fake.url, fake, {"api_key": eleven.TEST_KEY})


@contextmanager
def _azure(mp3: bytes) -> Iterator[Served]:
    with azure.serve_azure_tts(mp3=mp3) as fake:
        yield Served(fake.url, fake, {"api_key": azure.TEST_KEY})


@contextmanager
def _google(mp3: bytes) -> Iterator[Served]:
    with google.serve_google_tts() as fake:
        fake.audio["MP3"] = mp3
        yield Served(fake.url, fake, {"api_key": google.TEST_KEY})


@contextmanager
def _yandex(mp3: bytes) -> Iterator[Served]:
    with yandex.serve_yandex_tts(mp3=mp3) as fake:
        yield Served(fake.url, fake, {"api_key": yandex.TEST_KEY})


@contextmanager
def _forvo(mp3: bytes) -> Iterator[Served]:
    with forvo.serve_forvo(mp3=mp3) as fake:
        yield Served(fake.url, fake, {"api_key": forvo.TEST_KEY})


@contextmanager
def _openverse(mp3: bytes) -> Iterator[Served]:
    with openverse.serve_openverse() as fake:
        yield Served(fake.url, fake)


@contextmanager
def _wikimedia(mp3: bytes) -> Iterator[Served]:
    files = {word: [wikimedia.CommonsFile(f"{word.title()} photo.jpg")] for word in WORDS}
    with wikimedia.serve_wikimedia(files) as fake:
        yield Served(fake.url, fake)


@contextmanager
def _runware(mp3: bytes) -> Iterator[Served]:
    with runware.serve_runware(api_key=runware.DEFAULT_KEY) as fake:
        yield Served(fake.url, fake, {"api_key": runware.DEFAULT_KEY})


@contextmanager
def _sdwebui(mp3: bytes) -> Iterator[Served]:
    with sdwebui.serve_sdwebui() as running:
        yield Served(running.url, running)


@contextmanager
def _openai_stt(mp3: bytes) -> Iterator[Served]:
    with openai_stt.serve_openai_stt() as fake:
        yield Served(fake.url, fake, {"api_key": openai_stt.TEST_KEY, "upload_format": "original"})


@contextmanager
def _google_stt(mp3: bytes) -> Iterator[Served]:
    with google_stt.serve_google_stt() as fake:
        yield Served(fake.url, fake, {"api_key": google_stt.TEST_KEY})


@contextmanager
def _yandex_stt(mp3: bytes) -> Iterator[Served]:
    with yandex_stt.serve_yandex_stt() as fake:
        yield Served(fake.url, fake, {"api_key": yandex_stt.TEST_KEY})


WORDS = ("apple", "house", "water")
"""The notes' words: the fakes that answer only what they were told (Wikimedia) know these."""


def _detail(status: int, message: str, *, headers: dict[str, str] | None = None) -> Reply:
    return Reply.of_json({"detail": message}, status=status, headers=headers)


def _sd_envelope(status: int, detail: str) -> Reply:
    body = {"error": "HTTPException", "detail": detail, "body": "", "errors": f"{status}: {detail}"}
    return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


TARGETS: tuple[Target, ...] = (
    Target(
        name="openai",
        kind=MediaKind.IMAGE,
        language="en",
        serve=_openai_images,
        is_api=_post(openai_images.GENERATIONS_PATH),
        is_media=_post(openai_images.GENERATIONS_PATH),
        media_in_json=True,
        rate_limited=lambda after: openai_images.rate_limited(retry_after=after).reply(),
        server_error=lambda status: openai_images.server_error(status).reply(),
        unauthorized=openai_images.invalid_api_key().reply(),
        forbidden=openai_images.org_not_verified().reply(),
        quota=openai_images.insufficient_quota().reply(),
    ),
    Target(
        name="runware",
        kind=MediaKind.IMAGE,
        language="en",
        serve=_runware,
        is_api=_post(runware.API_PATH),
        is_media=_post(runware.API_PATH),
        media_in_json=True,
        rate_limited=lambda after: runware.rate_limited(retry_after=after).reply(),
        server_error=lambda status: runware.server_error(status).reply(),
        unauthorized=runware.invalid_api_key().reply(),
        forbidden=gateway_page(403, "Forbidden"),
        quota=runware.insufficient_credits().reply(),
        batched=True,
    ),
    Target(
        name="sdwebui",
        kind=MediaKind.IMAGE,
        language="en",
        serve=_sdwebui,
        is_api=_post(sdwebui.TXT2IMG_PATH),
        is_media=_post(sdwebui.TXT2IMG_PATH),
        media_in_json=True,
        rate_limited=lambda after: gateway_page(429, "Too Many Requests", headers=_retry_after(after)),
        server_error=lambda status: (
            _sd_envelope(status, "Internal Server Error")
            if status == 500
            else gateway_page(status, "Bad Gateway" if status == 502 else "Service Unavailable")
        ),
        unauthorized=_sd_envelope(401, "Incorrect username or password"),
        forbidden=gateway_page(403, "Forbidden"),
        quota=None,
        no_quota_reason="the user's own server: no quota",
    ),
    Target(
        name="wikimedia",
        kind=MediaKind.IMAGE,
        language="en",
        serve=_wikimedia,
        is_api=_starts(wikimedia.API_PATH),
        is_media=_starts(wikimedia.FILES_PREFIX),
        media_in_json=False,
        rate_limited=lambda after: wikimedia.rate_limited(retry_after=after).reply(),
        server_error=lambda status: gateway_page(status, "Server Error"),
        unauthorized=gateway_page(401, "Authorization Required"),
        forbidden=Reply(403, wikimedia.POLICY_PAGE, {"Content-Type": "text/html; charset=utf-8"}),
        quota=None,
        no_quota_reason="free, anonymous API: no quota",
    ),
    Target(
        name="openverse",
        kind=MediaKind.IMAGE,
        language="en",
        serve=_openverse,
        is_api=lambda method, path: method == "GET" and path == "/v1/images/",
        is_media=lambda method, path: method == "GET" and (path.endswith("/thumb/") or path.startswith("/files/")),
        media_in_json=False,
        rate_limited=lambda after: _detail(
            429, "Request was throttled. Expected available in 1 second.", headers=_retry_after(after)
        ),
        server_error=lambda status: (
            _detail(status, "A server error occurred.")
            if status == 500
            else Reply(status, openverse.GATEWAY_PAGE, {"Content-Type": "text/html"})
        ),
        unauthorized=_detail(401, "Incorrect authentication credentials."),
        forbidden=_detail(403, "You do not have permission to perform this action."),
        # The anonymous daily limit: DRF's throttle with a day to wait.
        quota=_detail(
            429, "Request was throttled. Expected available in 86400 seconds.", headers={"Retry-After": "86400"}
        ),
    ),
    Target(
        name="openai_tts",
        kind=MediaKind.AUDIO,
        language="de",
        serve=_openai_speech,
        is_api=_post(openai_speech.SPEECH_PATH),
        is_media=_post(openai_speech.SPEECH_PATH),
        media_in_json=False,
        rate_limited=lambda after: openai_speech.rate_limited(retry_after=after).reply(),
        server_error=lambda status: openai_speech.server_error(status).reply(),
        unauthorized=openai_speech.invalid_api_key().reply(),
        forbidden=openai_speech.forbidden().reply(),
        quota=openai_speech.insufficient_quota().reply(),
    ),
    Target(
        name="elevenlabs",
        kind=MediaKind.AUDIO,
        language="es",
        serve=_elevenlabs,
        is_api=_starts(eleven.TTS_PREFIX, "POST"),
        is_media=_starts(eleven.TTS_PREFIX, "POST"),
        media_in_json=False,
        rate_limited=lambda after: eleven.system_busy(retry_after=after).reply(),
        server_error=lambda status: eleven.server_error(status).reply(),
        unauthorized=eleven.invalid_api_key().reply(),
        forbidden=eleven.detail_failure(403, "forbidden", "You do not have access to this resource.").reply(),
        quota=eleven.quota_exceeded().reply(),
    ),
    Target(
        name="google_tts",
        kind=MediaKind.AUDIO,
        language="de",
        serve=_google,
        is_api=_post(google.SYNTHESIZE_PATH),
        is_media=_post(google.SYNTHESIZE_PATH),
        media_in_json=True,
        rate_limited=lambda after: google.rate_limited(retry_delay=None, retry_after=after).reply(),
        server_error=lambda status: google.server_error(status).reply(),
        unauthorized=google.invalid_token().reply(),
        forbidden=google.service_disabled().reply(),
        quota=google.billing_disabled().reply(),
    ),
    Target(
        name="azure_tts",
        kind=MediaKind.AUDIO,
        language="de",
        serve=_azure,
        is_api=_post(azure.SYNTHESIS_PATH),
        is_media=_post(azure.SYNTHESIS_PATH),
        media_in_json=False,
        rate_limited=lambda after: azure.too_many_requests(retry_after=after).reply(),
        server_error=lambda status: azure.server_error(status).reply(),
        unauthorized=azure.unauthorized().reply(),
        forbidden=azure.forbidden().reply(),
        quota=azure.quota_exceeded().reply(),
    ),
    Target(
        name="yandex_tts",
        kind=MediaKind.AUDIO,
        language="ru",
        serve=_yandex,
        is_api=_post(yandex.SYNTHESIZE_PATH),
        is_media=_post(yandex.SYNTHESIZE_PATH),
        media_in_json=False,
        rate_limited=lambda after: yandex.rate_limited(retry_after=after).reply(),
        server_error=lambda status: yandex.server_error(status).reply(),
        unauthorized=yandex.unknown_key().reply(),
        forbidden=yandex.permission_denied().reply(),
        quota=yandex.cloud_inactive().reply(),
    ),
    Target(
        name="forvo",
        kind=MediaKind.AUDIO,
        language="de",
        serve=_forvo,
        is_api=_starts("/key/"),
        is_media=lambda method, path: method == "GET" and path.startswith(("/mp3/", "/ogg/")),
        media_in_json=False,
        rate_limited=lambda after: forvo.rate_limited(retry_after=None if after is None else int(after)).reply(),
        server_error=lambda status: Reply(
            status, forvo.ERROR_PAGE if status == 500 else forvo.GATEWAY_PAGE, {"Content-Type": "text/html"}
        ),
        unauthorized=forvo.incorrect_domain(status=401).reply(),
        forbidden=forvo.incorrect_domain(status=403).reply(),
        quota=forvo.limit_reached().reply(),
    ),
    # Transcription (kind text): the transcript comes in the API's own JSON answer.
    Target(
        name="openai_stt",
        kind=MediaKind.TEXT,
        language="en",
        serve=_openai_stt,
        is_api=_post(openai_stt.TRANSCRIPTIONS_PATH),
        is_media=_post(openai_stt.TRANSCRIPTIONS_PATH),
        media_in_json=True,
        rate_limited=lambda after: openai_stt.rate_limited(retry_after=after).reply(),
        server_error=lambda status: openai_stt.server_error(status).reply(),
        unauthorized=openai_stt.invalid_api_key().reply(),
        forbidden=openai_stt.forbidden().reply(),
        quota=openai_stt.insufficient_quota().reply(),
    ),
    Target(
        name="google_stt",
        kind=MediaKind.TEXT,
        language="en",
        serve=_google_stt,
        is_api=_post(google_stt.RECOGNIZE_PATH),
        is_media=_post(google_stt.RECOGNIZE_PATH),
        media_in_json=True,
        rate_limited=lambda after: google_stt.rate_limited(retry_after=after).reply(),
        server_error=lambda status: google_stt.server_error(status).reply(),
        unauthorized=google_stt.invalid_token().reply(),
        forbidden=google_stt.service_disabled().reply(),
        quota=google_stt.billing_disabled().reply(),
    ),
    Target(
        name="yandex_stt",
        kind=MediaKind.TEXT,
        language="ru",
        serve=_yandex_stt,
        is_api=_post(yandex_stt.RECOGNIZE_PATH),
        is_media=_post(yandex_stt.RECOGNIZE_PATH),
        media_in_json=True,
        rate_limited=lambda after: yandex_stt.rate_limited(retry_after=after).reply(),
        server_error=lambda status: yandex_stt.server_error(status).reply(),
        unauthorized=yandex_stt.unknown_key().reply(),
        forbidden=yandex_stt.permission_denied().reply(),
        quota=yandex_stt.cloud_inactive().reply(),
    ),
)

TARGETS_BY_NAME = {target.name: target for target in TARGETS}


class RunningTargets:
    """Every target's fake, started on first use and stopped together by `close` (one per session
    or module). ``mp3`` is real speech, for the fakes that serve speech."""

    def __init__(self, mp3: bytes) -> None:
        self._mp3 = mp3
        self._stack = ExitStack()
        self._served: dict[str, Served] = {}

    def served(self, name: str) -> Served:
        if name not in self._served:
            self._served[name] = self._stack.enter_context(TARGETS_BY_NAME[name].serve(self._mp3))
        return self._served[name]

    def close(self) -> None:
        self._stack.close()

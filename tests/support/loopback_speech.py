"""`LoopbackSpeech`: a keyless HTTP speech provider for the engine tests and the benchmarks, talking to
`rate_limited_server` (or any server with EchoSpeech's wire format) on loopback.

It maps answers the way real HTTP providers must: statuses through `error_for_status` (429 →
`RateLimitError` with the server's Retry-After), bodies through `require_media`. Register it by
``register_provider`` or in the config's ``provider_modules`` as ``loopback_speech:LoopbackSpeech``
(``tests/support`` is on the path of pytest and of the CLI subprocesses of `cli_runner`).
"""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import requests

from addon.core.base.errors import TransientError
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, KeyUse
from addon.providers.http.status import error_for_status


class LoopbackSpeech(AudioProvider):
    """POST {base_url}/speak {"text", "language"}; the body is MP3.

    Thread safety: ``generate`` may run in several worker threads at once: each thread has its own
    ``requests.Session`` (a `threading.local`), and every session is closed by ``close``.
    """

    name = "loopback_speech"
    description = "Test speech server on loopback, without a key (tests and benchmarks)."
    capabilities = Capabilities(key=KeyUse.NONE, http=True)
    settings_schema: ClassVar[dict[str, Any]] = {}
    default_settings: ClassVar[dict[str, Any]] = {"timeout_s": 5, "max_concurrency": 4, "requests_per_minute": 6000}
    priority = 20

    def __init__(self, settings: Any, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    def _http(self) -> requests.Session:
        """This thread's session, made on first use (nothing connects in ``__init__``)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def generate(self, request: MediaRequest) -> MediaResult:
        started = time.monotonic()
        try:
            response = self._http().post(
                f"{self.base_url}/speak",
                json={"text": request.text, "language": request.language},
                timeout=self.timeout_s,
            )
        except requests.Timeout:
            raise TransientError(f"no answer within {self.timeout_s:g} s", provider=self.name) from None
        except requests.RequestException as exc:
            raise TransientError(f"cannot reach {self.base_url} ({type(exc).__name__})", provider=self.name) from None
        error = error_for_status(
            response.status_code,
            provider=self.name,
            headers=response.headers,
            body_text=response.text if response.status_code >= 300 else "",
        )
        if error is not None:
            raise error
        data = response.content
        require_media(MediaKind.AUDIO, data, extension="mp3", provider=self.name)
        return MediaResult(
            request=request,
            provider=self.name,
            data=data,
            extension="mp3",
            mime_type="audio/mpeg",
            elapsed_s=time.monotonic() - started,
        )

    def test_connection(self) -> HealthReport:
        started = time.monotonic()
        try:
            response = self._http().get(f"{self.base_url}/health", timeout=self.timeout_s)
        except requests.RequestException as exc:
            return HealthReport(self.name, False, time.monotonic() - started, f"cannot connect ({type(exc).__name__})")
        ok = response.status_code == 200
        return HealthReport(self.name, ok, time.monotonic() - started, "ok" if ok else f"HTTP {response.status_code}")

    def close(self) -> None:
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

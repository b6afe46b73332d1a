"""Provider classes used by the registry tests, loaded the way third-party providers are: by module
path in the config's ``provider_modules`` or through ``register_provider``.

`EchoSpeech` is a small but real HTTP provider (requests over loopback to a `fake_http` server)
that needs a key; its server's error bodies echo the key back, as careless real APIs do, so the
tests can prove the key never reaches a log, a report or an exception text.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import requests

from addon.api import (
    AudioProvider,
    AuthError,
    Capabilities,
    HealthReport,
    ImageProvider,
    KeyUse,
    MediaRequest,
    MediaResult,
    NotFoundError,
    PermanentError,
    QuotaError,
    TransientError,
)


class EchoSpeech(AudioProvider):
    """POST {base_url}/speak {"text", "language"} with a bearer key; the body is MP3."""

    name = "echo_speech"
    description = "Test speech server on loopback."
    capabilities = Capabilities(key=KeyUse.REQUIRED, http=True)
    settings_schema: ClassVar[dict[str, Any]] = {"voice": {"type": "string", "minLength": 1}}
    default_settings: ClassVar[dict[str, Any]] = {"voice": "anna", "timeout_s": 5, "max_concurrency": 2}
    priority = 10

    def __init__(self, settings: Any, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self._session: requests.Session | None = None

    def _http(self) -> requests.Session:
        if self._session is None:  # connected lazily
            self._session = requests.Session()
        return self._session

    def generate(self, request: MediaRequest) -> MediaResult:
        started = time.monotonic()
        try:
            response = self._http().post(
                f"{self.base_url}/speak",
                json={"text": request.text, "language": request.language, "voice": self.settings.get("voice")},
                headers={"Authorization": f"Bearer {self.api_key}"},
                timeout=self.timeout_s,
            )
        except requests.RequestException as exc:
            raise TransientError(f"request failed: {exc}", provider=self.name) from None
        body = response.text[:300] if response.status_code != 200 else ""
        if response.status_code == 401:
            raise AuthError(f"the server refused the key: {body}", provider=self.name)
        if response.status_code == 402:
            raise QuotaError(f"quota spent: {body}", provider=self.name)
        if response.status_code == 404:
            raise NotFoundError("no speech for this text", provider=self.name)
        if response.status_code in (429, 500, 502, 503):
            raise TransientError(f"server busy ({response.status_code}): {body}", provider=self.name)
        if response.status_code != 200:
            raise PermanentError(f"HTTP {response.status_code}: {body}", provider=self.name)
        return MediaResult(
            request=request,
            provider=self.name,
            data=response.content,
            extension="mp3",
            mime_type="audio/mpeg",
            elapsed_s=time.monotonic() - started,
        )

    def test_connection(self) -> HealthReport:
        started = time.monotonic()
        try:
            response = self._http().get(
                f"{self.base_url}/health", headers={"Authorization": f"Bearer {self.api_key}"}, timeout=self.timeout_s
            )
        except requests.RequestException as exc:
            return HealthReport(self.name, False, time.monotonic() - started, f"cannot connect: {exc}")
        ok = response.status_code == 200
        return HealthReport(self.name, ok, time.monotonic() - started, "ok" if ok else f"HTTP {response.status_code}")

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


class QuietPictures(ImageProvider):
    """An image provider without network or key that has nothing for any text."""

    name = "quiet_pictures"
    description = "Test image provider that never finds a picture."

    def generate(self, request: MediaRequest) -> MediaResult:
        raise NotFoundError("no picture", provider=self.name)

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0, "ok")


class HalfProvider(AudioProvider):  # misses test_connection on purpose
    name = "half"
    description = "Misses a method."

    def generate(self, request: MediaRequest) -> MediaResult:
        raise NotFoundError("nothing", provider=self.name)


class NotAProvider:
    name = "not_a_provider"

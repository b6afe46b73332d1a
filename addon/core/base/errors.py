"""The one error hierarchy of Media Fill.

Every failure a provider can meet is one of these classes, so the job runner can decide what to
do (retry, fall back, stop using a provider) without looking at messages. Messages are written
for users: they name the provider and say what to do, and never contain a key.

Thread safety: plain exception classes, safe anywhere.
"""

from __future__ import annotations

from .log import redact_secrets


class MediaFillError(Exception):
    """Base of every error this add-on raises on purpose."""


class ProviderError(MediaFillError):
    """A media provider could not produce media for a request.

    ``provider`` is the provider's registered name. ``provider_wide`` is True when the cause is
    not the request but the provider itself (missing program, bad key, spent quota): the job
    runner then stops sending that provider further requests in the same job.
    """

    provider_wide: bool = False

    def __init__(self, message: str, *, provider: str = "") -> None:
        # Redacted here, once: servers echo keys back in error bodies and URLs carry them.
        message = redact_secrets(message)
        super().__init__(message)
        self.provider = provider
        self.message = message

    def __str__(self) -> str:
        return f"{self.provider}: {self.message}" if self.provider else self.message


class TransientError(ProviderError):
    """Worth retrying later (timeouts, 5xx, rate limits). ``retry_after`` is in seconds when known."""

    def __init__(self, message: str, *, provider: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, provider=provider)
        self.retry_after = retry_after


class RateLimitError(TransientError):
    """The provider said "too many requests" (HTTP 429 or its equivalent). Retried after
    ``retry_after`` when the server gave it; the job also lowers that provider's request rate."""


class PermanentError(ProviderError):
    """Retrying the same request will not help."""


class AuthError(PermanentError):
    """A key is missing or refused."""

    provider_wide = True


class QuotaError(PermanentError):
    """A quota or daily limit is spent: never retried."""

    provider_wide = True


class NotFoundError(PermanentError):
    """The provider has nothing for this text; the next provider may. Not a provider failure."""


class InvalidResponseError(PermanentError):
    """The provider returned bytes that are not the media asked for (an HTML error page, a JSON
    body, a truncated or empty download). The job retries it once, then tries the next provider."""


class SoundMismatchError(PermanentError):
    """A checked sound (``verify_with``) was heard saying something else than its text: the message
    names what was heard. Not a failure of the provider that made it (its breaker is not told)."""


class ProviderUnavailableError(PermanentError):
    """The provider cannot run on this machine (e.g. a program is not installed)."""

    provider_wide = True


class ConfigError(PermanentError):
    """Settings are unusable: the add-on's config (the message names the key path) or a provider's
    own settings (an unknown voice, say). Provider-wide: no request to that provider can succeed."""

    provider_wide = True


class CircuitOpenError(ProviderError):
    """The provider's circuit breaker is open after repeated failures: calls are refused at once
    until the cool-down passes, and the rule's next provider is used meanwhile."""


class RegistryError(ConfigError):
    """A provider could not be registered or loaded. Each case has its own class below."""


class UnknownProviderError(RegistryError):
    """No provider of that kind is registered under that name."""


class ProviderImportError(RegistryError):
    """The provider's module failed to import, or has no such class."""


class ProviderInterfaceError(RegistryError):
    """The class does not implement the provider interface for its kind."""


class DuplicateProviderError(RegistryError):
    """A provider of that kind is already registered under that name."""

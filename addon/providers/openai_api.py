"""What OpenAI's APIs share, for the image and the speech provider: the error envelope (§1.4 of the
wire-format notes) and the errors that concern the account rather than the request.

Thread safety: pure functions and immutable values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import requests

from ..core.base.errors import AuthError, ConfigError, ProviderError, QuotaError
from .http.download import display_url
from .http.status import server_excerpt

DEFAULT_BASE_URL = "https://api.openai.com/v1"
BILLING_URL = "https://platform.openai.com/settings/organization/billing"
KEYS_URL = "https://platform.openai.com/api-keys"


@dataclass(frozen=True)
class ApiError:
    """The parts of OpenAI's error envelope; empty strings where the body had none."""

    message: str = ""
    type: str = ""
    code: str = ""
    param: str = ""

    @classmethod
    def of(cls, response: requests.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            return cls()
        error = body.get("error") if isinstance(body, Mapping) else None
        if not isinstance(error, Mapping):
            return cls()

        def text(key: str) -> str:
            value = error.get(key)
            return value if isinstance(value, str) else ""

        return cls(message=text("message"), type=text("type"), code=text("code"), param=text("param"))

    def quoted(self) -> str:
        """ ": <the server's words, shortened>", or "" when it said nothing."""
        # Without its last full stop: the caller's sentence goes on after it.
        return f": {server_excerpt(self.message).rstrip('.')}" if self.message else ""


def account_error(
    response: requests.Response, error: ApiError, *, provider: str, setting_path: str
) -> ProviderError | None:
    """The error when the answer concerns the account or the address, not this request: credit
    spent (429 ``insufficient_quota``), a refused key (401), or a path that does not exist (404 not
    about the model). None otherwise. ``setting_path`` is the provider's config slice path."""
    status = response.status_code
    label = f"HTTP {status}"
    if status == 429 and "insufficient_quota" in (error.code, error.type):
        return QuotaError(
            f"the OpenAI account has no credit left or reached its spending limit ({label}){error.quoted()}. "
            f"Add credit or raise the limit at {BILLING_URL}",
            provider=provider,
        )
    if status == 401:
        return AuthError(
            f"OpenAI refused the API key ({label}){error.quoted()}. Check {setting_path}.api_key (or api_key_env); "
            f"keys are made at {KEYS_URL}",
            provider=provider,
        )
    if status == 404 and error.code != "model_not_found" and error.param != "model":
        return ConfigError(
            f"{display_url(response.url)} does not exist ({label}){error.quoted()}. "
            f"Check {setting_path}.base_url (OpenAI's is {DEFAULT_BASE_URL})",
            provider=provider,
        )
    return None

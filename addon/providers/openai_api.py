"""What OpenAI's APIs share, for the image and the speech provider: the error envelope (§1.4 of the
wire-format notes), the errors that concern the account rather than the request, and the base class
with the address, the key, the model and the connection test (`OpenAIProvider`).

Thread safety: pure functions and immutable values; `OpenAIProvider` follows `HttpProvider` (any
number of worker threads; the connection test blocks on the network).
"""

from __future__ import annotations

import abc
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import requests

from ..core.base.errors import AuthError, ConfigError, ProviderError, QuotaError
from ..core.provider_system.media_provider import Capabilities, HealthReport, KeyUse
from .http.client import address_error, error_object, failure, json_body
from .http.health_probe import probe_health
from .http.service import HttpProvider
from .http.status import quoted_excerpt

DEFAULT_BASE_URL = "https://api.openai.com/v1"
BILLING_URL = "https://platform.openai.com/settings/organization/billing"
KEYS_URL = "https://platform.openai.com/api-keys"
MODEL_SCHEMA: Mapping[str, Any] = {"type": "string", "minLength": 1, "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:\-/]*$"}
"""The JSON Schema of the ``model`` setting: a model ID as OpenAI (or a compatible server) names it."""


@dataclass(frozen=True)
class ApiError:
    """The parts of OpenAI's error envelope; empty strings where the body had none."""

    message: str = ""
    type: str = ""
    code: str = ""
    param: str = ""

    @classmethod
    def of(cls, response: requests.Response) -> ApiError:
        error = error_object(response)
        if error is None:
            return cls()

        def text(key: str) -> str:
            value = error.get(key)
            return value if isinstance(value, str) else ""

        return cls(message=text("message"), type=text("type"), code=text("code"), param=text("param"))

    def quoted(self) -> str:
        """ ": <the server's words, shortened>", or "" when it said nothing."""
        return quoted_excerpt(self.message)


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
        return address_error(
            response,
            provider=provider,
            setting=f"{setting_path}.base_url",
            usual=f"OpenAI's is {DEFAULT_BASE_URL}",
            said=error.quoted(),
        )
    return None


class OpenAIProvider(HttpProvider, abc.ABC):
    """What the image and the speech provider share: OpenAI's address, the key as a Bearer token,
    the ``model`` setting, and the connection test, which looks the model up (``GET
    {base_url}/models/{model}``, OpenAI's free "retrieve model"): it checks the server, the key and
    the model without making (or paying for) anything. Put it before `AudioProvider` or
    `ImageProvider` in the bases."""

    default_base_url = DEFAULT_BASE_URL
    capabilities = Capabilities(key=KeyUse.REQUIRED, http=True)
    default_model: ClassVar[str]
    """The model when the config names none (config.json names one)."""
    model_kind: ClassVar[str] = "model"
    """What the models are, for messages ("text-to-speech model")."""
    model_advice: ClassVar[str] = "a current one"
    """What to set ``model`` to, for messages."""
    setting_params: ClassVar[Mapping[str, str]] = {}
    """Request fields that come from one setting each: a 400 about one is a settings problem."""

    @property
    def model(self) -> str:
        return str(self.settings.get("model") or self.default_model).strip()

    def _headers(self, accept: str = "application/json") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Accept": accept}

    def _api_error(self, response: requests.Response, *, language: str = "") -> ProviderError:
        """The error for a non-2xx answer of the API, read from OpenAI's error envelope (§1.4): the
        account's (`account_error`), the provider's own (`_request_error`), a model that does not
        exist or a refused setting (`ConfigError`), else the status's."""
        error = ApiError.of(response)
        setting = self.setting_path()
        found = account_error(response, error, provider=self.name, setting_path=setting)
        found = found or self._request_error(response, error, language=language)
        if found is not None:
            return found
        status = response.status_code
        said = f"(HTTP {status}){error.quoted()}"
        if error.code == "model_not_found" or (status in (400, 404) and error.param == "model"):
            return ConfigError(
                f"OpenAI has no {self.model_kind} {self.model!r} for this account {said}. "
                f"Set {setting}.model to {self.model_advice}",
                provider=self.name,
            )
        if status in (400, 422) and error.param in self.setting_params:
            return ConfigError(
                f"OpenAI refused the setting {error.param} for the model {self.model!r} {said}. "
                f"Change {setting}.{self.setting_params[error.param]}",
                provider=self.name,
            )
        return failure(response, provider=self.name, message=error.message or None)

    @abc.abstractmethod
    def _request_error(self, response: requests.Response, error: ApiError, *, language: str) -> ProviderError | None:
        """The provider's own reading of an error answer, before the shared cases; None when it
        has none. ``language`` is the request's ("" for the connection test)."""

    def test_connection(self) -> HealthReport:
        """Look the configured model up (see the class docstring). Never raises for a failure."""
        return probe_health(self, self._check_model)

    def _check_model(self) -> str:
        response = self.probe_get(
            f"{self.base_url}/models/{urllib.parse.quote(self.model, safe='')}",
            headers=self._headers(),
            error=self._api_error,
        )
        body = json_body(response, provider=self.name, hint="check base_url")
        found = body.get("id") if isinstance(body, Mapping) else None
        return f"the model {found or self.model} is available"

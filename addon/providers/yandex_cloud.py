"""What Yandex SpeechKit's APIs share, for the speech and the recognition provider: the error
envelope (`ApiError`), the errors that concern the account rather than the request
(`account_error`: a suspended cloud, the folder, the credentials, the role), and the base class
with the credentials and the folder (`YandexCloudProvider`).

Errors come as ``{"error_code", "error_message"}`` with the gRPC status inside the message
(``rpc error: code = Unauthenticated desc = …``; API v3's REST gateway: ``{"error": {"message"}}``).

Thread safety: pure functions and immutable values; `YandexCloudProvider` follows `HttpProvider`.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import requests

from ..core.base.errors import AuthError, ConfigError, ProviderError, QuotaError
from ..core.provider_system.media_provider import Capabilities, KeyUse
from .http.client import ERROR_BODY_CHARS, json_or_none
from .http.service import HttpProvider
from .http.status import quoted_excerpt, server_excerpt

CONSOLE_URL = "https://console.yandex.cloud"
BILLING_URL = "https://billing.yandex.cloud"
_GRPC_MESSAGE = re.compile(r"^\s*rpc error: code = (?P<code>\w+) desc = (?P<desc>.*)$", re.DOTALL)
# A cloud suspended for its balance, or a billing account that cannot pay: no retry helps.
_BILLING_WORDS = re.compile(r"\b(inactive|blocked|suspended|billing|balance|debt|payment|not active)\b", re.IGNORECASE)
_FOLDER_WORDS = re.compile(r"folder", re.IGNORECASE)


@dataclass(frozen=True)
class ApiError:
    """What an error answer said: the v1 envelope ``{"error_code", "error_message"}`` with the gRPC
    status in its message; also read: ``{"error": {"message"}}`` (API v3 REST) and ``{"code",
    "message"}`` (gRPC gateways). Empty strings where the body had none."""

    error_code: str = ""
    grpc_code: str = ""
    message: str = ""

    @classmethod
    def of(cls, response: requests.Response) -> ApiError:
        text = response.text[:ERROR_BODY_CHARS]
        body = json_or_none(response)
        error_code, message = "", ""
        if isinstance(body, Mapping):
            if isinstance(body.get("error_message"), str):
                error_code, message = str(body.get("error_code") or ""), str(body["error_message"])
            elif isinstance(body.get("error"), Mapping) and isinstance(body["error"].get("message"), str):
                message = str(body["error"]["message"])
            elif isinstance(body.get("message"), str):
                message = str(body["message"])
        if not message:
            return cls(error_code=error_code, message=server_excerpt(text))
        found = _GRPC_MESSAGE.match(message)
        if found:
            return cls(error_code=error_code, grpc_code=found["code"], message=found["desc"].strip())
        return cls(error_code=error_code, message=message.strip())


def account_error(
    response: requests.Response, error: ApiError, *, provider: str, setting: str, uses_iam_token: bool, role: str
) -> ProviderError | None:
    """The error when the answer concerns the account, not this request: a suspended cloud or one
    that cannot be billed (`QuotaError`), the folder (`ConfigError` naming ``folder_id``), refused
    credentials (401) or a missing ``role`` in the folder (403) (`AuthError`); None otherwise.
    ``setting`` is the provider's config slice path."""
    status = response.status_code
    quoted = quoted_excerpt(error.message)
    label = f"HTTP {status}"
    if status == 402 or (status in (403, 429) and _BILLING_WORDS.search(error.message)):
        return QuotaError(
            f"Yandex Cloud has suspended the account's cloud or cannot bill it ({label}){quoted}. "
            f"Top up or activate the billing account at {BILLING_URL}",
            provider=provider,
        )
    if status in (400, 401) and _FOLDER_WORDS.search(error.message):
        advice = (
            "Set it to the ID of the folder where SpeechKit is used (an IAM token of a user needs it)"
            if uses_iam_token
            else "Leave it empty with a service account's API key, or set the service account's own folder"
        )
        return ConfigError(
            f"Yandex Cloud refused the folder ({label}){quoted}. {advice}: {setting}.folder_id", provider=provider
        )
    if status == 401:
        if uses_iam_token:
            advice = (
                f"IAM tokens last at most 12 hours: put a fresh one (yc iam create-token) in {setting}.api_key, "
                f"or use a service account's API key with {setting}.auth set to api_key"
            )
        else:
            advice = (
                f"Check {setting}.api_key (or api_key_env): it must be an API key of a service account; for an "
                f"IAM token set {setting}.auth to iam_token"
            )
        return AuthError(f"Yandex Cloud refused the credentials ({label}){quoted}. {advice}", provider=provider)
    if status == 403:
        return AuthError(
            f"Yandex Cloud denied SpeechKit to this account ({label}){quoted}. Give the service account (or "
            f"user) the role {role} in the folder ({CONSOLE_URL})",
            provider=provider,
        )
    return None


class YandexCloudProvider(HttpProvider, abc.ABC):
    """What Yandex SpeechKit's providers share: ``auth`` (``api_key``: a service account's API
    key, sent as ``Api-Key``; ``iam_token``: an IAM token, sent as ``Bearer``, which a user's
    account can only use with ``folder_id``) and the reading of account errors naming
    `speechkit_role`. Put it before `AudioProvider` or `TranscriptionProvider` in the bases."""

    speechkit_role: ClassVar[str]
    """The role the account needs in the folder (``ai.speechkit-tts.user``…), for messages."""
    capabilities = Capabilities(key=KeyUse.REQUIRED, http=True)
    default_max_concurrency = 4
    priority = 300

    @property
    def uses_iam_token(self) -> bool:
        return bool(self.settings.get("auth", "api_key") == "iam_token")

    @property
    def folder_id(self) -> str:
        return str(self.settings.get("folder_id") or "").strip()

    def auth_header(self) -> dict[str, str]:
        scheme = "Bearer" if self.uses_iam_token else "Api-Key"
        return {"Authorization": f"{scheme} {self.api_key}"}

    def setup_problem(self) -> str | None:
        problem = super().setup_problem()
        if problem is None and self.uses_iam_token and not self.folder_id:
            return (
                f"uses an IAM token, which needs the folder's ID: set {self.setting_path('folder_id')} (the ID of the "
                f"folder where SpeechKit is used, shown in {CONSOLE_URL})"
            )
        return problem

    def account_error(self, response: requests.Response) -> tuple[ApiError, ProviderError | None]:
        """The answer's error envelope, and `account_error` of it (None: about the request)."""
        error = ApiError.of(response)
        found = account_error(
            response,
            error,
            provider=self.name,
            setting=self.setting_path(),
            uses_iam_token=self.uses_iam_token,
            role=self.speechkit_role,
        )
        return error, found

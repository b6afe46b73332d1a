"""``openai``: pictures made by OpenAI's Images API (``POST {base_url}/images/generations``), or by a
server that speaks the same API (set ``base_url``).

Wire format: ``../shared/provider_apis.md`` §1. The request always names the ``model`` (the API's own
default, dall-e-2, is retired) and asks for one image (``n: 1``), except for "Choose…": `candidates`
makes ``variations`` pictures of one prompt, in one request (``n``) for the models that take ``n``
above 1 (GPT image models and dall-e-2, up to 10, §1.2/§1.8), one request each for dall-e-3 (``n=1``
only) and for compatible servers (whether they take ``n`` is not known). GPT image models (``gpt-image-*``,
``chatgpt-image-*``) answer with base64 only and reject ``response_format``, so it is never sent;
they also get ``quality``, ``output_format`` and, for JPEG/WebP, ``output_compression``. A
``quality`` the model does not take (§1.2: ``low``/``medium``/``high``/``auto`` for GPT image
models, ``standard``/``hd`` for dall-e-3, ``standard`` for dall-e-2) is refused when the settings
are checked (`setup_problem`, naming the values it takes), before any request. Older models
(dall-e-*) and compatible servers may answer with a URL instead: it is downloaded with
`download_media` (https only, or the provider's own loopback server), without the key. Either way
the file's extension follows the bytes that came, not the format asked for.

Errors (§1.4-1.5, the envelope ``{"error": {"message", "type", "param", "code"}}``):

* 400 safety rejection (``content_policy_violation`` / ``moderation_blocked``) → `PermanentError`
  for this prompt only; a 400 about a setting (``param`` size, quality, output_format…) or a model
  that does not exist (``model_not_found``, 400 or 404) → `ConfigError` (no request can succeed);
  any other 400 → `PermanentError` with the server's message;
* 401 → `AuthError`; 403 "organization must be verified" → `AuthError` saying where to verify;
* 429 ``insufficient_quota`` → `QuotaError` (never retried); any other 429 → `RateLimitError`
  with the server's ``retry-after-ms`` / ``Retry-After``; 5xx → `TransientError`;
* 404 without ``model_not_found`` → `ConfigError` about ``base_url`` (an image API has no "nothing
  found" answer).

`test_connection` makes the cheapest call the API has: ``GET {base_url}/models/{model}`` (the
OpenAI API's "retrieve model", free; not in §1 of the spec, documented in OpenAI's OpenAPI file),
which checks the key and the model at once without making a picture.

Thread safety: `generate` may run on several worker threads at once; each thread uses its own
HTTP session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from ...core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    QuotaError,
)
from ...core.media.checks import require_media, sniff_image
from ...core.media.types import MediaKind, MediaRequest, MediaResult
from ...core.provider_system.media_provider import ImageProvider
from ..http.client import json_answer_limit, json_body
from ..openai_api import MODEL_SCHEMA, ApiError, OpenAIProvider

# dall-e-2/-3 were shut down 2026-05-12, gpt-image-1 on 2026-10-23, and gpt-image-1-mini, -1.5 and
# chatgpt-image-latest go on 2026-12-01 (provider_apis.md §1.7): the model is a setting, this is only
# the fallback when the config names none.
DEFAULT_MODEL = "gpt-image-2"
DEFAULT_SIZE = "1024x1024"
DEFAULT_QUALITY = "medium"
DEFAULT_OUTPUT_FORMAT = "jpeg"
DEFAULT_OUTPUT_COMPRESSION = 80
DEFAULT_VARIATIONS = 4
MAX_N = 10  # §1.2: ``n`` is 1–10

GPT_IMAGE_PREFIXES = ("gpt-image", "chatgpt-image")
# The ``quality`` values each model family takes (§1.2): the GPT image models low/medium/high/auto,
# dall-e-3 standard/hd, dall-e-2 standard only. A compatible server's model is not known: its
# ``quality`` is sent as set.
GPT_IMAGE_QUALITIES = ("low", "medium", "high", "auto")
DALL_E_QUALITIES: Mapping[str, tuple[str, ...]] = {"dall-e-3": ("standard", "hd"), "dall-e-2": ("standard",)}
_SAFETY_CODES = frozenset({"content_policy_violation", "moderation_blocked"})
_VERIFY_URL = "https://platform.openai.com/settings/organization/general"


def is_gpt_image_model(model: str) -> bool:
    """Whether ``model`` is one of OpenAI's GPT image models (base64 answers, no ``response_format``)."""
    return model.strip().lower().startswith(GPT_IMAGE_PREFIXES)


def valid_qualities(model: str) -> tuple[str, ...] | None:
    """The ``quality`` values ``model`` takes, or None for a model of a compatible server."""
    name = model.strip().lower()
    if is_gpt_image_model(name):
        return GPT_IMAGE_QUALITIES
    return next((qualities for prefix, qualities in DALL_E_QUALITIES.items() if name.startswith(prefix)), None)


class OpenAIImages(OpenAIProvider, ImageProvider):
    name = "openai"
    title = "OpenAI (pictures)"
    default_model = DEFAULT_MODEL
    model_advice = "a current GPT image model"
    setting_params: ClassVar[Mapping[str, str]] = {
        "model": "model",
        "size": "size",
        "quality": "quality",
        "output_format": "output_format",
        "output_compression": "output_compression",
    }
    description = "AI pictures from OpenAI's Images API (GPT image models; needs an API key, paid per picture)."
    default_max_concurrency = 3
    priority = 200
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "model": MODEL_SCHEMA,
        "size": {"type": "string", "pattern": r"^(auto|[1-9][0-9]{1,4}x[1-9][0-9]{1,4})$"},
        "quality": {"enum": ["low", "medium", "high", "auto", "standard", "hd"]},
        "output_format": {"enum": ["png", "jpeg", "webp"]},
        "output_compression": {"type": "integer", "minimum": 0, "maximum": 100},
        "variations": {"type": "integer", "minimum": 1, "maximum": MAX_N},
    }

    # --- settings -------------------------------------------------------------------------------

    def quality_problem(self) -> str | None:
        """Why the ``quality`` setting cannot work with the model (naming the values it takes), or
        None: an unset quality, a value the model takes, or a compatible server's model."""
        quality = str(self.settings.get("quality") or "")
        valid = valid_qualities(self.model)
        if not quality or valid is None or quality in valid:
            return None
        return (
            f"cannot ask the model {self.model!r} for the quality {quality!r}: set "
            f"{self.setting_path('quality')} to one of {', '.join(valid)} (the qualities that model takes)"
        )

    def setup_problem(self) -> str | None:
        return super().setup_problem() or self.quality_problem()

    def request_body(self, prompt: str, *, n: int = 1) -> dict[str, Any]:
        """The JSON body of one request for ``n`` pictures of ``prompt`` under the current settings."""
        model = self.model
        body: dict[str, Any] = {"model": model, "prompt": prompt, "n": n}
        size = str(self.settings.get("size", DEFAULT_SIZE) or "")
        if size:
            body["size"] = size
        quality = str(self.settings.get("quality", DEFAULT_QUALITY) or "")
        valid = valid_qualities(model)
        if is_gpt_image_model(model):
            if quality:
                body["quality"] = quality
            output_format = str(self.settings.get("output_format", DEFAULT_OUTPUT_FORMAT) or "")
            if output_format:
                body["output_format"] = output_format
                if output_format in ("jpeg", "webp"):
                    body["output_compression"] = int(
                        self.settings.get("output_compression", DEFAULT_OUTPUT_COMPRESSION)
                    )
        elif valid is not None:  # dall-e: only a quality it takes (`quality_problem` refuses others)
            if quality in valid:
                body["quality"] = quality
        elif quality:  # a compatible server: the user sets what it accepts
            body["quality"] = quality
        return body

    # --- generation -----------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        """One picture for ``request.text`` (the prompt). Blocks on the network: call it from a
        worker thread. Raises a `ProviderError` subclass as the module docstring says."""
        started = time.monotonic()
        data, extension = self._image_bytes(self._images(request, n=1)[0])
        return self.result(request, data=data, extension=extension, started=started)

    def takes_several(self) -> bool:
        """Whether the model makes several pictures in one request (``n`` above 1, §1.2)."""
        model = self.model.strip().lower()
        return is_gpt_image_model(model) or model.startswith("dall-e-2")

    def candidate_count(self, *, limit: int) -> int:
        """The ``variations`` setting (at most ``limit``): each is a picture paid for."""
        wanted = int(self.settings.get("variations") or DEFAULT_VARIATIONS)
        return max(1, min(limit, wanted, MAX_N))

    def candidates(self, request: MediaRequest, *, limit: int) -> list[MediaResult]:
        """`candidate_count` different pictures of one prompt (see the module docstring); a
        picture that cannot be read is a failed result among the others. Raises the error of the
        first request when no picture came at all."""
        count = self.candidate_count(limit=limit)
        started = time.monotonic()
        items: list[Mapping[str, Any]] = []
        if self.takes_several():
            items = self._images(request, n=count)[:count]
        else:
            for _ in range(count):
                try:
                    items.extend(self._images(request, n=1)[:1])
                except ProviderError:
                    if not items:
                        raise
                    break  # keep the pictures already made (and paid for)
        results = []
        for item in items:
            try:
                data, extension = self._image_bytes(item)
            except ProviderError as exc:
                results.append(MediaResult.failure(request, exc, provider=self.name))
                continue
            results.append(self.result(request, data=data, extension=extension, started=started))
        return results

    def _images(self, request: MediaRequest, *, n: int) -> list[Mapping[str, Any]]:
        """The ``data`` entries of one request for ``n`` pictures of ``request.text``."""
        problem = self.quality_problem()
        if problem is not None:
            raise ConfigError(problem, provider=self.name)
        prompt = request.text.strip()
        if not prompt:
            raise PermanentError(
                "the picture's description is empty; check the picture target's prompt", provider=self.name
            )
        response = self._http.send(
            "POST",
            f"{self.base_url}/images/generations",
            timeout_s=self.timeout_s,
            headers=self._headers(),
            json=self.request_body(prompt, n=n),
            max_body_bytes=json_answer_limit(self.max_media_bytes, media_count=n),
            error=self._api_error,
        )
        body = json_body(response, provider=self.name, hint="check base_url")
        data = body.get("data") if isinstance(body, Mapping) else None
        items = [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []
        if not items:
            raise InvalidResponseError("answered without a picture (no 'data' entries)", provider=self.name)
        return items

    def _image_bytes(self, item: Mapping[str, Any]) -> tuple[bytes, str]:
        """The picture's bytes and their real extension, from ``b64_json`` or by downloading ``url``."""
        encoded = item.get("b64_json")
        if isinstance(encoded, str) and encoded:
            try:
                data = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidResponseError(
                    "answered with picture data that is not valid base64", provider=self.name
                ) from None
            extension = sniff_image(data) or ""
            require_media(MediaKind.IMAGE, data, extension=extension, provider=self.name)
            return data, extension
        url = item.get("url")
        if isinstance(url, str) and url:
            try:
                return self.download(url)
            except (AuthError, QuotaError, NotFoundError) as exc:
                # The download carries no key and finds nothing by text: a refusal or a 404 concerns
                # this one signed URL, not the account, and must not stop the provider for the job.
                reason = exc.message.split(";")[0]
                raise PermanentError(
                    f"the picture it made could not be downloaded from its address: {reason}", provider=self.name
                ) from None
        raise InvalidResponseError("answered without a picture (neither b64_json nor url)", provider=self.name)

    # --- errors ---------------------------------------------------------------------------------

    def _request_error(self, response: requests.Response, error: ApiError, *, language: str) -> ProviderError | None:
        """An organization that must be verified (403) or a prompt the safety system refused (400);
        see the module docstring. (A picture has no ``language``.)"""
        label = f"HTTP {response.status_code}"
        if response.status_code == 403 and _needs_verification(error.message):
            return AuthError(
                f"OpenAI requires the organization to be verified before it may use the model {self.model!r} "
                f"({label}). Verify it at {_VERIFY_URL} (Verify Organization; it can take a few minutes to "
                f"take effect), or set {self.setting_path('model')} to a model the organization may use",
                provider=self.name,
            )
        if response.status_code in (400, 422) and (
            error.code in _SAFETY_CODES or error.type == "image_generation_user_error"
        ):
            return PermanentError(
                f"OpenAI's safety system refused this prompt ({label}){error.quoted()}. "
                "Change the note's text or the picture target's prompt",
                provider=self.name,
            )
        return None


def _needs_verification(message: str) -> bool:
    lowered = message.lower()
    return "must be verified" in lowered or "verify organization" in lowered

"""``sdwebui``: images from a local Stable Diffusion WebUI (AUTOMATIC1111) or Forge server.

One ``POST {base_url}/sdapi/v1/txt2img`` per request: a JSON object with the prompt and this
provider's settings (``steps``, ``sampler_name``, ``width``, ``height``, ``cfg_scale``,
``negative_prompt``, ``seed``; -1 is a random seed). The answer is ``{"images": ["<base64>"],
"parameters": {…}, "info": "<JSON string>"}``; the first image is a PNG (or JPEG/WebP when the
WebUI's "samples_format" option says so), sometimes with a ``data:image/…;base64,`` prefix (some
forks). The bytes are checked to be a whole image before they are returned. Shapes: the WebUI's
``modules/api/api.py`` and ``modules/api/models.py`` (see ``tests/fakes/sdwebui_fake.py``).

No key and no cost; the WebUI's HTTP basic auth (``--api-auth``) is not supported. The WebUI must
run with ``--api``. Local generation is slow: the shipped ``timeout_s`` is generous, and the WebUI
runs one generation at a time (it queues the rest), hence a ``max_concurrency`` of 1.

What goes wrong, and what the job is told:

* nothing listens at ``base_url`` → `ProviderUnavailableError` (start the WebUI, or set base_url);
* the API is off (the ``/sdapi`` routes answer FastAPI's plain 404) → `ProviderUnavailableError`
  (start it with ``--api``);
* an unknown sampler (the API's own 404 "Sampler not found") or settings the API refuses (422
  validation errors) → `ConfigError` naming the setting to fix;
* ``--api-auth`` is on (401) → `AuthError`;
* the GPU ran out of memory (500) → `PermanentError` (the same size would fail again);
* another 5xx, a proxy's 429, a timeout → `TransientError` / `RateLimitError` (retried);
* no image, base64 that does not decode, bytes that are not an image → `InvalidResponseError`.

Thread safety: `generate` may run on several worker threads at once; the shared `HttpClient` gives
each thread its own session, and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from ...core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    PermanentError,
    ProviderError,
    ProviderUnavailableError,
    TransientError,
)
from ...core.base.log import get_logger
from ...core.media.checks import require_media, sniff_image
from ...core.media.types import MediaKind, MediaRequest, MediaResult
from ...core.provider_system.media_provider import Capabilities, HealthReport, ImageProvider, KeyUse
from ..http.client import failure, json_answer_limit, json_body, json_or_none, read_answer
from ..http.download import display_url, network_error
from ..http.health_probe import probe_health
from ..http.service import HttpProvider
from ..http.status import shorten

log = get_logger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:7860"
TXT2IMG_PATH = "/sdapi/v1/txt2img"
MODELS_PATH = "/sdapi/v1/sd-models"
SAMPLERS_PATH = "/sdapi/v1/samplers"


# Fallbacks for settings missing from the config slice (built-ins keep theirs in config.json).
FALLBACKS: Mapping[str, Any] = {
    "steps": 20,
    "sampler_name": "Euler a",
    "width": 512,
    "height": 512,
    "cfg_scale": 7.0,
    "negative_prompt": "",
    "seed": -1,
}

_DATA_URI_PREFIX = re.compile(r"^data:image/[A-Za-z0-9.+-]+;base64,", re.IGNORECASE)
_SETTING = "providers.image.sdwebui"
# Names of urllib3's exceptions for "could not open a connection" (refused, no such host, no
# route); matched by name so this module does not import urllib3 itself.
_NO_CONNECTION_ERRORS = frozenset({"NewConnectionError", "NameResolutionError"})


class StableDiffusionWebUI(HttpProvider, ImageProvider):
    name = "sdwebui"
    title = "Stable Diffusion WebUI"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "Pictures from your own Stable Diffusion WebUI (AUTOMATIC1111) or Forge server, started with --api "
        "(free and private, needs a capable GPU)."
    )
    capabilities = Capabilities(key=KeyUse.NONE, offline=True, http=True)
    default_max_concurrency = 1
    priority = 300  # free and private, but only there for users who run the server
    probe_timeout_cap_s = 15.0  # listing models is quick even when generating is slow
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "steps": {"type": "integer", "minimum": 1, "maximum": 150},
        "sampler_name": {"type": "string"},
        "width": {"type": "integer", "minimum": 64, "maximum": 2048, "multipleOf": 8},
        "height": {"type": "integer", "minimum": 64, "maximum": 2048, "multipleOf": 8},
        "cfg_scale": {"type": "number", "minimum": 1, "maximum": 30},
        "negative_prompt": {"type": "string"},
        "seed": {"type": "integer", "minimum": -1, "maximum": 4294967295},
    }

    def _setting(self, key: str) -> Any:
        return self.settings.get(key, FALLBACKS[key])

    def payload(self, request: MediaRequest) -> dict[str, Any]:
        """The txt2img body for ``request``: one image, not saved on the server, sent back to us.
        Values go as configured (the config schema checks them; the API's 422 names any it refuses);
        an empty ``sampler_name`` leaves the choice to the server."""
        body: dict[str, Any] = {
            "prompt": request.text,
            "negative_prompt": self._setting("negative_prompt"),
            "steps": self._setting("steps"),
            "width": self._setting("width"),
            "height": self._setting("height"),
            "cfg_scale": self._setting("cfg_scale"),
            "seed": self._setting("seed"),
            "batch_size": 1,
            "n_iter": 1,
            "send_images": True,
            "save_images": False,
        }
        sampler = self._setting("sampler_name")
        if sampler:
            body["sampler_name"] = sampler
        return body

    def generate(self, request: MediaRequest) -> MediaResult:
        started = time.monotonic()
        response = self._send("POST", TXT2IMG_PATH, timeout_s=self.timeout_s, json=self.payload(request))
        self._raise_for_status(response)
        body = json_body(response, provider=self.name)
        data = self._image_bytes(body)
        extension = sniff_image(data) or "png"  # not an image: require_media says what it is instead
        require_media(MediaKind.IMAGE, data, extension=extension, provider=self.name)
        self._log_generation(body)
        return self.result(request, data=data, extension=extension, started=started)

    def test_connection(self) -> HealthReport:
        """Lists the server's model checkpoints (``GET /sdapi/v1/sd-models``): cheap, and it fails
        the same ways generating does when the server is down or its API is off."""
        return probe_health(self, self._list_models)

    def _list_models(self) -> str:
        response = self._send("GET", MODELS_PATH, timeout_s=self.probe_timeout_s)
        self._raise_for_status(response)
        models = json_body(response, provider=self.name)
        if not isinstance(models, list):
            raise InvalidResponseError(
                f"{self._where()} answered {MODELS_PATH} with something that is not a model list", provider=self.name
            )
        if not models:
            raise ConfigError(
                f"the Stable Diffusion server at {self._where()} has no model checkpoint: put one in its "
                "models/Stable-diffusion folder and restart it",
                provider=self.name,
            )
        first = models[0].get("title") if isinstance(models[0], Mapping) else None
        example = f", e.g. {shorten(str(first))}" if first else ""
        plural = "s" if len(models) != 1 else ""
        return f"Stable Diffusion server with {len(models)} model checkpoint{plural}{example}"

    # --- the wire -------------------------------------------------------------------------------

    def _where(self) -> str:
        return display_url(self.base_url)

    def _send(self, method: str, path: str, *, timeout_s: float, **kwargs: Any) -> requests.Response:
        """The answer, read whole but never past what one picture in JSON may need."""
        url = self.base_url + path
        try:
            response = self._http.session().request(method, url, timeout=timeout_s, stream=True, **kwargs)
            limit = json_answer_limit(self.max_media_bytes)
            return read_answer(response, url=url, provider=self.name, max_body_bytes=limit, timeout_s=timeout_s)
        except requests.RequestException as exc:
            if _is_no_connection(exc):
                raise ProviderUnavailableError(
                    f"no Stable Diffusion server at {self._where()} — start it with --api, or set {_SETTING}.base_url",
                    provider=self.name,
                ) from None
            if isinstance(exc, requests.Timeout):
                raise TransientError(
                    f"the Stable Diffusion server at {self._where()} did not answer within {timeout_s:g} s; "
                    f"a slow GPU, many steps or a large size may need a larger {_SETTING}.timeout_s",
                    provider=self.name,
                ) from None
            raise network_error(exc, url=url, provider=self.name, timeout_s=timeout_s) from None

    def _raise_for_status(self, response: requests.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        body = json_or_none(response)
        said = _server_message(body)
        if status == 404:
            if isinstance(body, Mapping) and "error" in body:  # the API itself answered (its middleware's envelope)
                raise self._not_found_error(said)
            raise ProviderUnavailableError(
                f"the server at {self._where()} has no Stable Diffusion API ({response.request.path_url} answered "
                f"404) — start the WebUI with --api (add it to COMMANDLINE_ARGS), or check {_SETTING}.base_url",
                provider=self.name,
            )
        if status == 401:
            raise AuthError(
                f"the Stable Diffusion server at {self._where()} asks for a user name and password (it runs with "
                "--api-auth), which Media Fill cannot send — start it without --api-auth",
                provider=self.name,
            )
        if status == 422:
            raise ConfigError(
                f"the Stable Diffusion server refused the request's settings ({said or 'HTTP 422'}) — "
                f"fix them under {_SETTING}",
                provider=self.name,
            )
        if status >= 500 and "out of memory" in said.lower():
            raise PermanentError(
                f"the Stable Diffusion server ran out of GPU memory ({said}) — lower {_SETTING}.width and "
                "height, or free the GPU from other programs",
                provider=self.name,
            )
        raise failure(response, provider=self.name, message=said or None)

    def _not_found_error(self, said: str) -> ProviderError:
        if said.lower().startswith("sampler"):
            sampler = shorten(str(self._setting("sampler_name")))
            return ConfigError(
                f"the Stable Diffusion server has no sampler {sampler!r} — set {_SETTING}.sampler_name to one "
                f'it lists at {self._where()}{SAMPLERS_PATH}, or to "" for its default',
                provider=self.name,
            )
        return ConfigError(
            f"the Stable Diffusion server could not find what the settings ask for ({said or 'HTTP 404'}) — "
            f"check {_SETTING}",
            provider=self.name,
        )

    def _image_bytes(self, body: Any) -> bytes:
        images = body.get("images") if isinstance(body, Mapping) else None
        if not isinstance(images, list) or not images:
            raise InvalidResponseError(
                "the Stable Diffusion server answered without a picture (an extension may keep it back); "
                "nothing was saved",
                provider=self.name,
            )
        first = images[0]
        if not isinstance(first, str):
            raise InvalidResponseError(
                "the Stable Diffusion server's picture is not a base64 text; nothing was saved", provider=self.name
            )
        text = "".join(_DATA_URI_PREFIX.sub("", first.strip(), count=1).split())
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidResponseError(
                f"the Stable Diffusion server's picture is not valid base64 (it starts {shorten(text, limit=24)!r}); "
                "nothing was saved",
                provider=self.name,
            ) from None

    def _log_generation(self, body: Mapping[str, Any]) -> None:
        """Log the seed and model the server used (to make an image again), when ``info`` says."""
        try:
            info = json.loads(body.get("info") or "{}")
        except (TypeError, ValueError):
            return
        if isinstance(info, Mapping):
            log.debug("sdwebui: seed %s, model %s", info.get("seed"), info.get("sd_model_name"))


def _is_no_connection(exc: requests.RequestException) -> bool:
    """Whether no connection could be opened at all (refused, unknown host, no route), as opposed
    to a timeout or a connection lost while waiting for the answer."""
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.Timeout):
        return False
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending and len(seen) < 16:
        current = pending.pop()
        if any(current is other for other in seen):
            continue
        seen.append(current)
        if isinstance(current, ConnectionRefusedError) or type(current).__name__ in _NO_CONNECTION_ERRORS:
            return True
        for inner in (*current.args[:1], getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(inner, BaseException):
                pending.append(inner)
    return False


def _server_message(body: Any) -> str:
    """The server's words in its error bodies: FastAPI's validation list (``{"detail": [{"loc",
    "msg"}]}``), the WebUI middleware's envelope (``{"error", "detail", "errors"}``) or a plain
    ``{"detail": "…"}``; "" for anything else (the status error then quotes the raw body)."""
    if not isinstance(body, Mapping):
        return ""
    detail = body.get("detail")
    if isinstance(detail, list):
        parts = []
        for item in detail[:3]:
            if isinstance(item, Mapping):
                loc = [str(p) for p in item.get("loc", []) if p != "body"] if isinstance(item.get("loc"), list) else []
                parts.append(f"{'.'.join(loc)}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
        return shorten("; ".join(parts))
    if isinstance(detail, str) and detail:
        return shorten(detail)
    errors, kind = body.get("errors"), body.get("error")
    if isinstance(errors, str) and errors:
        return shorten(f"{kind}: {errors}" if isinstance(kind, str) and kind else errors)
    if isinstance(kind, str):
        return shorten(kind)
    return ""

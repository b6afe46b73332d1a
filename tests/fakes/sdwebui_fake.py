"""A fake Stable Diffusion WebUI (AUTOMATIC1111, or its Forge fork) API on 127.0.0.1, for the ``sdwebui``
provider's tests: real sockets, real HTTP, the WebUI's own request validation and answer shapes.

``provider_apis.md`` has no section on this server; every shape below is read from the WebUI's source
(AUTOMATIC1111/stable-diffusion-webui, v1.x: ``modules/api/api.py`` and ``modules/api/models.py``):

* ``POST /sdapi/v1/txt2img`` takes a JSON object validated by the pydantic model
  ``StableDiffusionTxt2ImgProcessingAPI`` (generated from ``StableDiffusionProcessingTxt2Img.__init__``):
  every field is optional and unknown fields are ignored; ints (``steps``, ``width``, ``height``,
  ``seed``, ``batch_size``, ``n_iter``), a float (``cfg_scale``), strings (``prompt``,
  ``negative_prompt``, ``sampler_name``), bools (``send_images``, ``save_images``). Validation is
  pydantic v1's (the WebUI pins FastAPI 0.94): lax, so ``"20"`` passes as an int and ``"many"`` does
  not. `validate_txt2img` does the same for those fields.
* Success, ``TextToImageResponse``: ``{"images": ["<base64 PNG>"], "parameters": {the request with
  defaults}, "info": "<JSON string of Processed.js(): seed, all_seeds, sd_model_name, …>"}``; the PNG
  carries a ``parameters`` text chunk, as the WebUI's PNGs do.
* A body that fails validation: FastAPI's own handler, 422 ``{"detail": [{"loc": ["body", "steps"],
  "msg": "value is not a valid integer", "type": "type_error.integer"}]}``.
* Errors raised inside the API go through ``api_middleware``'s ``handle_exception``:
  ``{"error": "<exception class>", "detail": "<HTTPException detail or ''>", "body": "", "errors":
  "<str(exception)>"}`` with the exception's status, else 500. An unknown sampler is
  ``validate_sampler_name``'s 404 ``"Sampler not found"``; a generation failure (CUDA out of memory,
  NaNs in the UNet) is a 500.
* Started without ``--api``, the ``/sdapi`` routes do not exist: FastAPI's plain 404
  ``{"detail": "Not Found"}``. A known path with the wrong method is 405 ``{"detail": "Method Not Allowed"}``.
* With ``--api-auth user:password`` every route needs HTTP basic auth; missing or wrong credentials
  are a 401 in the middleware's envelope (``"Not authenticated"`` / ``"Incorrect username or password"``).
* ``GET /sdapi/v1/sd-models`` lists ``{"title", "model_name", "hash", "sha256", "filename", "config"}``;
  ``GET /sdapi/v1/options`` returns the settings (``sd_model_checkpoint``, ``samples_format``, …);
  ``GET /sdapi/v1/samplers`` lists ``{"name", "aliases", "options"}``.

Failures are scripted through `tests.support.failure_script` (`RunningSdWebUI.fail`, ``fail_always``,
``hang``, ``stop_failing``) on txt2img requests that passed validation (``on="txt2img"``, the
default) or on the GET routes (``on="sd-models"``, ``"options"``, ``"samplers"``, or ``"any"``):
`out_of_memory` and `server_error` (500s of the WebUI), and, not from the WebUI itself but met in
the wild, `rate_limited` (a 429 with ``Retry-After`` from a reverse proxy or queueing front) and a
hang (a generation slower than the client waits: no answer until ``hang_s`` passes or the fake is
reconfigured or stops). Broken images are a switch (``broken_image``): base64 that is not base64,
base64 of bytes that are no image, of an HTML page, no image at all (``send_images`` off or an
extension eating it); so are a JPEG (the WebUI's ``samples_format`` option) and a
``data:image/png;base64,`` prefix (some forks).

Thread safety: the server answers on its own threads; change a `SdWebUIFake`'s switches only
between requests (the failure script is guarded by its own lock).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.media_samples import jpeg_bytes, png_bytes

TXT2IMG_PATH = "/sdapi/v1/txt2img"
SD_MODELS_PATH = "/sdapi/v1/sd-models"
OPTIONS_PATH = "/sdapi/v1/options"
SAMPLERS_PATH = "/sdapi/v1/samplers"

BrokenImage = Literal[
    "garbage_base64",  # images[0] is not base64
    "not_image",  # images[0] is base64 of bytes that are no image
    "html_base64",  # images[0] is base64 of an HTML page
    "no_images",  # images is []
]

DEFAULT_SAMPLERS = ("DPM++ 2M", "DPM++ SDE", "Euler a", "Euler", "LMS", "Heun", "DDIM", "UniPC")
DEFAULT_MODELS = ("v1-5-pruned-emaonly.safetensors [6ce0161689]",)

# The defaults of StableDiffusionProcessingTxt2Img the answer's "parameters" echoes.
_TXT2IMG_DEFAULTS: Mapping[str, Any] = {
    "prompt": "",
    "negative_prompt": "",
    "styles": None,
    "seed": -1,
    "subseed": -1,
    "subseed_strength": 0,
    "sampler_name": None,
    "batch_size": 1,
    "n_iter": 1,
    "steps": 50,
    "cfg_scale": 7.0,
    "width": 512,
    "height": 512,
    "restore_faces": None,
    "tiling": None,
    "do_not_save_samples": False,
    "do_not_save_grid": False,
    "override_settings": None,
    "enable_hr": False,
    "sampler_index": "Euler",
    "script_name": None,
    "script_args": [],
    "send_images": True,
    "save_images": False,
    "alwayson_scripts": {},
}
_INT_FIELDS = ("steps", "width", "height", "seed", "subseed", "batch_size", "n_iter")
_FLOAT_FIELDS = ("cfg_scale", "subseed_strength")
_STR_FIELDS = ("prompt", "negative_prompt", "sampler_name", "sampler_index", "script_name")
_BOOL_FIELDS = ("send_images", "save_images", "enable_hr", "restore_faces", "tiling")
_TRUE_WORDS = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE_WORDS = frozenset({"0", "off", "f", "false", "n", "no"})

HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
)


# --- request validation as pydantic v1 does it ----------------------------------------------------


def _error(field_name: str, msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", field_name], "msg": msg, "type": kind}


def _check_int(value: Any) -> bool:
    if isinstance(value, bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        try:
            int(value.strip())
        except ValueError:
            return False
        return True
    return False


def _check_float(value: Any) -> bool:
    if isinstance(value, bool | int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def validate_txt2img(body: Any) -> list[dict[str, Any]]:
    """The 422 ``detail`` list pydantic v1 gives for this body ([] when it is valid). ``None`` is
    accepted for every field (they are all ``Optional``)."""
    if not isinstance(body, dict):
        return [{"loc": ["body"], "msg": "value is not a valid dict", "type": "type_error.dict"}]
    errors: list[dict[str, Any]] = []
    for name, value in body.items():
        if value is None:
            continue
        if name in _INT_FIELDS and not _check_int(value):
            errors.append(_error(name, "value is not a valid integer", "type_error.integer"))
        elif name in _FLOAT_FIELDS and not _check_float(value):
            errors.append(_error(name, "value is not a valid float", "type_error.float"))
        elif name in _STR_FIELDS and not isinstance(value, str | int | float):
            errors.append(_error(name, "str type expected", "type_error.str"))
        elif name in _BOOL_FIELDS and not (
            isinstance(value, bool)
            or (isinstance(value, int) and value in (0, 1))
            or (isinstance(value, str) and value.lower() in _TRUE_WORDS | _FALSE_WORDS)
        ):
            errors.append(_error(name, "value could not be parsed to a boolean", "type_error.bool"))
    return errors


def _envelope(error: str, *, detail: str = "", errors: str = "") -> dict[str, str]:
    """What the WebUI's ``api_middleware.handle_exception`` answers for an exception."""
    return {"error": error, "detail": detail, "body": "", "errors": errors}


# --- failures -------------------------------------------------------------------------------------


def server_error() -> Failure:
    """A generation failure: 500 in the middleware's envelope (NaNs in the UNet)."""
    text = "A tensor with all NaNs was produced in Unet. Use --disable-nan-check to disable this check."
    return _failure(500, _envelope("NansException", errors=text))


def out_of_memory() -> Failure:
    """500 ``OutOfMemoryError`` in the middleware's envelope."""
    text = (
        "CUDA out of memory. Tried to allocate 2.25 GiB (GPU 0; 7.79 GiB total capacity; "
        "5.12 GiB already allocated; 1.02 GiB free)"
    )
    return _failure(500, _envelope("OutOfMemoryError", errors=text))


def rate_limited(*, retry_after: str | None = "1") -> Failure:
    """429 from a proxy or queue in front of the WebUI, with ``Retry-After`` (None: no header)."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return _failure(429, {"detail": "Too many requests, slow down"}, headers=headers)


def _failure(status: int, body: Any, *, headers: Mapping[str, str] | None = None) -> Failure:
    return Failure(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})


HANG = Failure(hang=True)


# --- the fake ---------------------------------------------------------------------------------------


@dataclass
class SdWebUIFake:
    """The switches of one fake server.

    ``broken_image`` answers txt2img with a broken image (see `BrokenImage`); ``hang_s`` is the longest
    a hanging request waits (failures are scripted on the running server, see the module docstring).
    ``api_enabled=False`` is a WebUI started without ``--api``;
    ``auth=("user", "pw")`` one started with ``--api-auth``; ``samplers`` the names txt2img accepts;
    ``models`` what sd-models lists (empty: no checkpoint); ``image_format`` the WebUI's
    samples_format; ``data_uri`` prefixes the base64 with ``data:image/…;base64,``."""

    api_enabled: bool = True
    broken_image: BrokenImage | None = None
    hang_s: float = 3.0
    image_format: Literal["png", "jpeg"] = "png"
    data_uri: bool = False
    samplers: Sequence[str] = DEFAULT_SAMPLERS
    models: Sequence[str] = DEFAULT_MODELS
    auth: tuple[str, str] | None = None
    seed_used: int = 1234567890

    def handle(self, request: Recorded, failures: FailureScript[Failure]) -> Reply:
        """The answer to ``request``; ``failures`` are the running server's scripted failures."""
        if not self.api_enabled or not request.path.startswith("/sdapi/v1/"):
            return Reply.of_json({"detail": "Not Found"}, status=404)
        routes = {TXT2IMG_PATH: "POST", SD_MODELS_PATH: "GET", OPTIONS_PATH: "GET", SAMPLERS_PATH: "GET"}
        if request.path not in routes:
            return Reply.of_json({"detail": "Not Found"}, status=404)
        if routes[request.path] != request.method:
            return Reply.of_json({"detail": "Method Not Allowed"}, status=405)
        refused = self._auth_refusal(request)
        if refused is not None:
            return refused
        if request.path == TXT2IMG_PATH:
            return self._txt2img(request, failures)
        failure = failures.next_failure(request.path.rsplit("/", 1)[-1])
        if failure is not None:
            return failures.answer(failure, hang_s=self.hang_s)
        if request.path == SD_MODELS_PATH:
            return Reply.of_json([_model_item(title) for title in self.models])
        if request.path == SAMPLERS_PATH:
            return Reply.of_json([{"name": name, "aliases": [], "options": {}} for name in self.samplers])
        return Reply.of_json(
            {"sd_model_checkpoint": self.models[0] if self.models else None, "samples_format": self.image_format}
        )

    def _auth_refusal(self, request: Recorded) -> Reply | None:
        if self.auth is None:
            return None
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return Reply.of_json(
                _envelope("HTTPException", detail="Not authenticated", errors="401: Not authenticated"),
                status=401,
            )
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        if (user, password) != self.auth:
            detail = "Incorrect username or password"
            return Reply.of_json(_envelope("HTTPException", detail=detail, errors=f"401: {detail}"), status=401)
        return None

    def _txt2img(self, request: Recorded, failures: FailureScript[Failure]) -> Reply:
        try:
            body = json.loads(request.body)
        except json.JSONDecodeError as exc:
            detail = [{"loc": ["body", exc.pos], "msg": str(exc), "type": "value_error.jsondecode"}]
            return Reply.of_json({"detail": detail}, status=422)
        errors = validate_txt2img(body)
        if errors:
            return Reply.of_json({"detail": errors}, status=422)
        sampler = body.get("sampler_name") or body.get("sampler_index") or "Euler"
        if sampler not in self.samplers:
            return Reply.of_json(
                _envelope("HTTPException", detail="Sampler not found", errors="404: Sampler not found"), status=404
            )
        failure = failures.next_failure("txt2img")
        if failure is not None:
            return failures.answer(failure, hang_s=self.hang_s)
        params = {**_TXT2IMG_DEFAULTS, **{k: v for k, v in body.items() if v is not None}}
        info = self._info(params)
        broken = self.broken_image
        if broken == "no_images":
            images: list[str] = []
        elif broken == "garbage_base64":
            images = ["this is %%% not base64 at all!"]
        elif broken == "not_image":
            images = [base64.b64encode(b"\x00\x01\x02 definitely not a picture " * 8).decode()]
        elif broken == "html_base64":
            images = [base64.b64encode(HTML_PAGE).decode()]
        else:
            images = [self._encoded_image(params, info)]
        return Reply.of_json({"images": images, "parameters": params, "info": json.dumps(info)})

    def _info(self, params: Mapping[str, Any]) -> dict[str, Any]:
        seed = int(params["seed"]) if int(params["seed"]) != -1 else self.seed_used
        model = (self.models[0] if self.models else "none").split(" ", maxsplit=1)[0]
        return {
            "prompt": params["prompt"],
            "all_prompts": [params["prompt"]],
            "negative_prompt": params["negative_prompt"],
            "seed": seed,
            "all_seeds": [seed],
            "subseed": 42,
            "width": int(params["width"]),
            "height": int(params["height"]),
            "sampler_name": params["sampler_name"] or params["sampler_index"],
            "cfg_scale": float(params["cfg_scale"]),
            "steps": int(params["steps"]),
            "batch_size": 1,
            "sd_model_name": model.rsplit(".", 1)[0],
            "sd_model_hash": "6ce0161689",
            "infotexts": [f"{params['prompt']}\nSteps: {params['steps']}, Seed: {seed}"],
            "styles": [],
            "version": "v1.10.1",
        }

    def _encoded_image(self, params: Mapping[str, Any], info: Mapping[str, Any]) -> str:
        if self.image_format == "jpeg":
            data, mime = jpeg_bytes(), "image/jpeg"
        else:
            text = str(info["infotexts"][0]).encode("latin-1", "replace")
            data, mime = png_bytes(8, 8, text=(b"parameters", text)), "image/png"
        encoded = base64.b64encode(data).decode()
        return f"data:{mime};base64,{encoded}" if self.data_uri else encoded


def _model_item(title: str) -> dict[str, Any]:
    filename = title.split(" ", maxsplit=1)[0]
    return {
        "title": title,
        "model_name": filename.rsplit(".", 1)[0],
        "hash": "6ce0161689",
        "sha256": "6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa",
        "filename": f"/home/user/stable-diffusion-webui/models/Stable-diffusion/{filename}",
        "config": None,
    }


class RunningSdWebUI(ScriptedFailures):
    """A started fake: its ``url`` (the provider's base_url), the ``requests`` it recorded, its
    ``fake`` switches and its scripted failures. `reconfigure` gives it new switches and forgets its
    requests and failures, so one server can serve many tests (starting and stopping one costs half a
    second)."""

    failing_endpoint = "txt2img"  # failure endpoints: "txt2img", "sd-models", "options", "samplers"

    def __init__(self, server: FakeServer, fake: SdWebUIFake) -> None:
        self.server = server
        self.fake = fake
        self._failures = FailureScript(HANG, after_hang=lambda: server_error().reply())

    def handle(self, request: Recorded) -> Reply:
        return self.fake.handle(request, self._failures)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Recorded]:
        return self.server.requests

    def txt2img_requests(self) -> list[Recorded]:
        return [r for r in self.server.requests if r.path == TXT2IMG_PATH]

    def reconfigure(self, **switches: Any) -> RunningSdWebUI:
        """New switches (as `SdWebUIFake`'s fields), no scripted failures, and an empty request
        record; a request of the previous test still hanging is released."""
        self._failures.reset()
        self.fake = SdWebUIFake(**switches)
        self.server.requests.clear()
        return self


@contextmanager
def serve_sdwebui(fake: SdWebUIFake | None = None, **switches: Any) -> Iterator[RunningSdWebUI]:
    """Run a fake WebUI on 127.0.0.1 for the ``with`` block; switches as `SdWebUIFake`'s fields."""
    running: RunningSdWebUI | None = None

    def handle(request: Recorded) -> Reply:
        assert running is not None
        return running.handle(request)

    with serve(handle) as server:
        running = RunningSdWebUI(server, fake if fake is not None else SdWebUIFake(**switches))
        try:
            yield running
        finally:
            running._failures.release()

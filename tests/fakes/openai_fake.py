"""A fake of OpenAI's Images API on 127.0.0.1, for the ``openai`` image provider's tests.

``with serve_openai() as fake:`` starts it; point the provider's ``base_url`` at ``fake.url`` (which
ends in ``/v1``) and use ``TEST_KEY`` as its key. ``fake.requests`` records every request (method,
path, query, lower-case headers, body), downloads included.

Where each shape comes from (``../shared/provider_apis.md``):

* ``POST /v1/images/generations`` — §1.1 (Bearer auth, JSON body), §1.2 (fields and the values each
  model family accepts; ``prompt`` required; ``response_format`` only for dall-e, GPT image models
  reject it with 400 ``unknown_parameter``; ``output_format``/``output_compression``/``background``/
  ``moderation`` only for GPT image models; dall-e-3 only ``n=1``; the default model when none is sent
  is dall-e-2, which is retired (§1.7) and so unknown here unless listed in ``models``).
* Success — §1.3: GPT image models answer ``{"created", "background", "data": [{"b64_json"}],
  "output_format", "quality", "size", "usage"}``; dall-e models answer ``{"created", "data":
  [{"url", "revised_prompt"}]}`` (``revised_prompt`` dall-e-3 only) or ``b64_json`` when asked.
  ``data`` has ``n`` entries (§1.3), each a different picture (`variant`), as a real model draws. URLs
  point at this server, ``/files/<id>.png?st=…&se=…&sig=…`` (a signed, 60-minute blob URL, §1.3).
  Headers ``x-request-id``, ``openai-processing-ms``, ``openai-version`` (§1.1 [OBS]).
* Errors — §1.4 envelope ``{"error": {"message", "type", "param", "code"}}`` and the cases of §1.5:
  `invalid_api_key` (401), `org_not_verified` (403), `safety_rejection` / `content_policy_violation`
  (400), `model_not_found` (404; "404 (or 400)" in §1.5), `rate_limited` (429 + ``Retry-After``,
  §1.6; ``retry-after-ms`` optional), `insufficient_quota` (429), `server_error` (500/502/503).
  The invalid size/quality message is §1.5's ``invalid_value`` wording.
* Not in provider_apis.md, from OpenAI's OpenAPI file and commonly seen answers, marked
  [UNCONFIRMED] in the code: ``GET /v1/models`` and ``GET /v1/models/{model}`` (the model object
  ``{"id", "object": "model", "created", "owned_by"}``), the 401 wording for a missing key, the 400
  for a body that is not JSON, the "string too long" 400, and the 404 "Invalid URL" for unknown routes.

What the fake can be told (attributes and methods of `OpenAIFake`):

* ``answer``: ``"auto"`` (GPT image models base64, dall-e and other models a URL unless
  ``response_format: b64_json``), ``"b64_json"`` or ``"url"`` (any model; a compatible server);
* ``image_format``: serve this format (``png``/``jpeg``/``webp``) whatever was asked; ``payload``:
  serve these exact bytes as the image (e.g. an HTML page or a cut-short PNG);
* ``new_picture_each_request``: each request's pictures differ from every earlier request's too (as a
  real model draws anew each time; dall-e-3 makes one picture a request), instead of starting again
  from `IMAGES`;
* `fail` (a `Failure`, ``times=N``) and `fail_always` / `stop_failing`; ``on="generations"``
  (default), ``"models"`` or ``"any"`` says which API requests the failure answers;
* `hang` (``times=N`` or always): the request gets no answer until ``hang_s`` passes or the fake
  stops;
* ``files_html``: the download URLs answer with an HTML page (200, ``text/html``);
  ``file_failure``: they answer with this `Failure` instead;
* ``models``: the model IDs it knows (others get 404 ``model_not_found``); append a name to play a
  compatible server's model;
* ``latency_s``: every API answer waits this long first (a slow server; tests of responsiveness);
* `reset`: back to the state ``serve_openai`` gave, for one server shared by several tests.

Thread safety: the server answers on its own daemon threads; the switches may be set from the test
thread at any time (the failure queue is guarded by a lock).
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tests.contracts.checker import OPENAI, observe_reply
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.media_samples import PILLOW_JPEG, PILLOW_WEBP, jpeg_bytes, png_bytes, webp_bytes

TEST_KEY = "sk-test-openai-4f7c2a9d1e8b"

GPT_IMAGE_MODELS = (
    "gpt-image-2",
    "gpt-image-2-2026-04-21",
    "gpt-image-1-mini",
    "gpt-image-1.5",
    "chatgpt-image-latest",
)
DALL_E_MODELS = ("dall-e-3",)
DEFAULT_MODELS = (*GPT_IMAGE_MODELS, *DALL_E_MODELS)

GENERATIONS_PATH = "/v1/images/generations"

# §1.2: what each model family accepts.
_GPT_SIZES = ("1024x1024", "1024x1536", "1536x1024", "auto")
_DALL_E_3_SIZES = ("1024x1024", "1792x1024", "1024x1792")
_DALL_E_2_SIZES = ("256x256", "512x512", "1024x1024")
_GPT_QUALITIES = ("low", "medium", "high", "auto")
_DALL_E_3_QUALITIES = ("standard", "hd")
_DALL_E_2_QUALITIES = ("standard",)
_GPT_FIELDS = frozenset(
    {
        "prompt", "model", "n", "size", "quality", "output_format", "output_compression", "background",
        "moderation", "stream", "partial_images", "user",
    }
)  # fmt: skip
_DALL_E_FIELDS = frozenset({"prompt", "model", "n", "size", "quality", "response_format", "style", "user"})
_PROMPT_LIMITS = {"gpt": 32000, "dall-e-3": 4000, "dall-e-2": 1000, "other": 32000}
_SIZE = re.compile(r"^(\d+)x(\d+)$")


# --- Media ----------------------------------------------------------------------------------------


# Pillow's JPEG and WebP (real encoder output) and a hand-made PNG.
IMAGES = {"png": png_bytes(), "jpeg": PILLOW_JPEG, "webp": PILLOW_WEBP}
_FILE_TYPES = {"png": ("png", "image/png"), "jpeg": ("jpg", "image/jpeg"), "webp": ("webp", "image/webp")}


def variant(image_format: str, index: int) -> bytes:
    """The ``index``-th picture of one request (0: `IMAGES`; the others differ from it and from
    each other: a PNG's colour, a JPEG's width, a WebP's XMP note)."""
    if index == 0:
        return IMAGES[image_format]
    if image_format == "png":
        return png_bytes(rgb=(200, 30, (30 + 20 * index) % 256))
    if image_format == "jpeg":
        return jpeg_bytes(8 * (index + 1), 8)
    return webp_bytes(note=f"variation {index}".encode())


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><h1>Sign in to continue</h1>"
    b"<p>This content is not available. Please sign in to view it.</p></body></html>\n"
)


# --- Failures -------------------------------------------------------------------------------------


def error_body(message: str, *, type: str, param: str | None = None, code: str | None = None) -> bytes:
    """OpenAI's error envelope (§1.4): all four keys always present."""
    return json.dumps({"error": {"message": message, "type": type, "param": param, "code": code}}).encode()


def api_failure(
    status: int,
    message: str,
    *,
    type: str,
    param: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Failure:
    return Failure(
        status,
        error_body(message, type=type, param=param, code=code),
        {"Content-Type": "application/json", "x-request-id": f"req_{uuid.uuid4().hex}", **(headers or {})},
    )


def server_error(status: int = 500) -> Failure:
    """§1.5 500/502/503 (wording [UNCONFIRMED])."""
    return api_failure(
        status, "The server had an error while processing your request. Sorry about that!", type="server_error"
    )


def rate_limited(*, retry_after: str | None = "1", retry_after_ms: str | None = None) -> Failure:
    """§1.5/§1.6: 429 ``rate_limit_exceeded`` with ``Retry-After`` (and ``retry-after-ms`` when given)."""
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if retry_after_ms is not None:
        headers["retry-after-ms"] = retry_after_ms
    return api_failure(
        429,
        "Rate limit reached for gpt-image-2 in organization org-test on images per minute (IPM): Limit 5, Used 5, "
        "Requested 1. Please try again in 12s. Visit https://platform.openai.com/account/rate-limits to learn more.",
        type="requests",
        code="rate_limit_exceeded",
        headers=headers,
    )


def insufficient_quota() -> Failure:
    """§1.5: 429 ``insufficient_quota`` — spent, not busy; never to be retried."""
    return api_failure(
        429,
        "You exceeded your current quota, please check your plan and billing details. For more information on this "
        "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        type="insufficient_quota",
        code="insufficient_quota",
    )


def _masked(key: str) -> str:
    return f"{key[:3]}****{key[-4:]}" if len(key) > 8 else "****"


def invalid_api_key(sent_key: str = "sk-wrong-key-0000") -> Failure:
    """§1.5: 401 ``invalid_api_key``; the key is quoted masked, as OpenAI does."""
    return api_failure(
        401,
        f"Incorrect API key provided: {_masked(sent_key)}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        type="invalid_request_error",
        code="invalid_api_key",
    )


def missing_api_key() -> Failure:
    """401 without any key (wording [UNCONFIRMED], commonly seen)."""
    return api_failure(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
        "auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from "
        "https://platform.openai.com/account/api-keys.",
        type="invalid_request_error",
    )


def org_not_verified(model: str = "gpt-image-2") -> Failure:
    """§1.5: 403 when the organization is not verified for GPT image models."""
    return api_failure(
        403,
        f"Your organization must be verified to use the model `{model}`. Please go to: "
        "https://platform.openai.com/settings/organization/general and click on Verify Organization. If you just "
        "verified, it can take up to 15 minutes for access to propagate.",
        type="invalid_request_error",
    )


def safety_rejection() -> Failure:
    """§1.5: 400 GPT image moderation (``image_generation_user_error`` / ``moderation_blocked``)."""
    return api_failure(
        400,
        "Your request was rejected by the safety system. If you believe this is an error, contact us at "
        "help.openai.com and include the request ID req_0123. safety_violations=[violence].",
        type="image_generation_user_error",
        code="moderation_blocked",
    )


def content_policy_violation() -> Failure:
    """§1.5: 400 dall-e safety rejection (``content_policy_violation``)."""
    return api_failure(
        400,
        "Your request was rejected as a result of our safety system. Your prompt may contain text that is not "
        "allowed by our safety system.",
        type="invalid_request_error",
        code="content_policy_violation",
    )


def model_not_found(model: str, *, status: int = 404) -> Failure:
    """§1.5: an unknown or retired model ("404 (or 400)", ``model_not_found``)."""
    return api_failure(
        status,
        f"The model `{model}` does not exist or you do not have access to it.",
        type="invalid_request_error",
        param="model",
        code="model_not_found",
    )


def html_gateway_error(status: int = 502) -> Failure:
    """A proxy's HTML error page in front of the API (5xx, not JSON)."""
    page = f"<html><head><title>{status} Bad Gateway</title></head><body><h1>{status} Bad Gateway</h1></body></html>"
    return Failure(status, page.encode(), {"Content-Type": "text/html"})


HANG = Failure(hang=True)


def _invalid_value(value: object, supported: tuple[str, ...], *, param: str) -> Failure:
    """§1.5 ``invalid_value`` wording."""
    listed = [f"'{v}'" for v in supported]
    choices = ", ".join(listed[:-1]) + f", and {listed[-1]}" if len(listed) > 1 else listed[0]
    return api_failure(
        400,
        f"Invalid value: '{value}'. Supported values are: {choices}.",
        type="invalid_request_error",
        param=param,
        code="invalid_value",
    )


def _unknown_parameter(name: str) -> Failure:
    """§1.5: 400 ``unknown_parameter`` (e.g. ``response_format`` sent to a GPT image model)."""
    return api_failure(
        400, f"Unknown parameter: '{name}'.", type="invalid_request_error", param=name, code="unknown_parameter"
    )


# --- The fake -------------------------------------------------------------------------------------


def _family(model: str) -> str:
    lowered = model.lower()
    if lowered.startswith(("gpt-image", "chatgpt-image")):
        return "gpt"
    if lowered.startswith("dall-e-3"):
        return "dall-e-3"
    if lowered.startswith("dall-e"):
        return "dall-e-2"
    return "other"


class OpenAIFake(ScriptedFailures):
    """The state and answers of the fake; see the module docstring for the switches."""

    failing_endpoint = "generations"  # failure endpoints: "generations", "models"

    def __init__(self, *, key: str, models: tuple[str, ...], answer: str, hang_s: float) -> None:
        self.key = key
        self._initial_models = tuple(models)
        self.models: list[str] = []
        self.hang_s = hang_s
        self._initial_answer = answer
        self._server: FakeServer | None = None
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(504).reply())
        self.files: dict[str, tuple[bytes, str]] = {}
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.models = list(self._initial_models)
        self.answer = self._initial_answer
        self.image_format: str | None = None
        self.payload: bytes | None = None
        self.new_picture_each_request = False
        self._pictures_made = 0
        self.files_html = False
        self.file_failure: Failure | None = None
        # Seconds each API answer waits, as a busy real server does (a slow server, not a hang).
        self.latency_s = 0.0
        self._failures.stop_failing()
        self.files.clear()

    def reset(self) -> None:
        """Back to a fresh fake on the same port (for a server shared by several tests): switches
        off, models as given, failures forgotten, hanging requests released, recorded requests
        cleared."""
        self._set_defaults()
        self._failures.reset()
        if self._server is not None:
            self._server.requests.clear()

    # --- what tests use ---

    @property
    def root(self) -> str:
        assert self._server is not None, "the fake is not serving"
        return self._server.url

    @property
    def url(self) -> str:
        """The base URL for the provider, ending in ``/v1``."""
        return f"{self.root}/v1"

    @property
    def requests(self) -> list[Recorded]:
        assert self._server is not None, "the fake is not serving"
        return self._server.requests

    def generation_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == GENERATIONS_PATH]

    def file_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith("/files/")]

    # --- serving ---

    def handle(self, request: Recorded) -> Reply:
        """The answer to ``request`` (checked against OpenAI's OpenAPI document by tests.contracts)."""
        reply = self._answer(request)
        observe_reply(OPENAI, request, reply)
        return reply

    def _answer(self, request: Recorded) -> Reply:
        if request.path.startswith("/files/") and request.method == "GET":
            return self._file(request)
        if request.path.startswith("/v1/"):
            if self.latency_s:
                time.sleep(self.latency_s)
            auth = self._check_auth(request)
            if auth is not None:
                return auth.reply()
            if request.path == GENERATIONS_PATH and request.method == "POST":
                failure = self._failures.next_failure("generations")
                return self._failures.answer(failure, hang_s=self.hang_s) if failure else self._generate(request)
            if request.method == "GET" and (request.path == "/v1/models" or request.path.startswith("/v1/models/")):
                failure = self._failures.next_failure("models")
                return self._failures.answer(failure, hang_s=self.hang_s) if failure else self._models(request)
        # [UNCONFIRMED] OpenAI's answer for a route it does not have.
        return api_failure(404, f"Invalid URL ({request.method} {request.path})", type="invalid_request_error").reply()

    def _check_auth(self, request: Recorded) -> Failure | None:
        header = request.headers.get("authorization", "")
        if not header:
            return missing_api_key()
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or token != self.key:
            return invalid_api_key(token or header)
        return None

    def _models(self, request: Recorded) -> Reply:
        """[UNCONFIRMED, not in provider_apis.md] OpenAI's list and retrieve model answers."""
        if request.path == "/v1/models":
            return Reply.of_json({"object": "list", "data": [self._model_object(m) for m in self.models]})
        model = request.path.removeprefix("/v1/models/")
        if model not in self.models:
            return model_not_found(model).reply()
        return Reply.of_json(self._model_object(model))

    @staticmethod
    def _model_object(model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": 1745000000, "owned_by": "system"}

    def _generate(self, request: Recorded) -> Reply:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self._not_json()
        try:
            body = json.loads(request.body)
        except ValueError:
            return self._not_json()
        if not isinstance(body, dict):
            return self._not_json()
        problem = self._validate(body)
        if problem is not None:
            return problem.reply()
        model = str(body.get("model") or "dall-e-2")
        family = _family(model)
        n = int(body.get("n", 1))
        asked_format = str(body.get("output_format", "png")) if family in ("gpt", "other") else "png"
        served_format = self.image_format or asked_format
        if self.answer == "auto":
            as_url = family != "gpt" and body.get("response_format") != "b64_json"
        else:
            as_url = self.answer == "url"
        items: list[dict[str, Any]] = []
        first = self._pictures_made if self.new_picture_each_request else 0
        self._pictures_made += n
        for index in range(first, first + n):
            data = self.payload if self.payload is not None else variant(served_format, index)
            item: dict[str, Any] = (
                {"url": self._file_url(data, served_format)}
                if as_url
                else {"b64_json": base64.b64encode(data).decode()}
            )
            if family == "dall-e-3":
                item["revised_prompt"] = f"A detailed illustration: {body['prompt']}"
            items.append(item)
        answer: dict[str, Any] = {"created": int(time.time()), "data": items}
        if family == "gpt":
            answer.update(
                background=body.get("background", "opaque") if body.get("background") != "auto" else "opaque",
                output_format=served_format,
                quality=body.get("quality", "auto") if body.get("quality") != "auto" else "medium",
                size=body.get("size", "auto") if body.get("size") != "auto" else "1024x1024",
                usage={
                    "input_tokens": 12,
                    "input_tokens_details": {"image_tokens": 0, "text_tokens": 12},
                    "output_tokens": 272,
                    "total_tokens": 284,
                },
            )
        return Reply.of_json(
            answer,
            headers={
                "x-request-id": f"req_{uuid.uuid4().hex}",
                "openai-processing-ms": "1234",
                "openai-version": "2020-10-01",
            },
        )

    @staticmethod
    def _not_json() -> Reply:
        """[UNCONFIRMED] wording of OpenAI's answer to a body that is not JSON."""
        return api_failure(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
            "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
            type="invalid_request_error",
        ).reply()

    def _validate(self, body: dict[str, Any]) -> Failure | None:
        """What the real API rejects (§1.2, §1.5)."""
        prompt = body.get("prompt")
        if prompt is None:
            return api_failure(
                400,
                "Missing required parameter: 'prompt'.",
                type="invalid_request_error",
                param="prompt",
                code="missing_required_parameter",
            )
        model = body.get("model", "dall-e-2")  # §1.2: the API's default model
        if not isinstance(model, str) or model not in self.models:
            return model_not_found(str(model))
        family = _family(model)
        allowed = _GPT_FIELDS if family == "gpt" else _DALL_E_FIELDS if family.startswith("dall-e") else None
        if allowed is not None:
            for name in body:
                if name not in allowed:
                    return _unknown_parameter(name)
        if not isinstance(prompt, str) or not prompt.strip():
            return api_failure(
                400,
                "Invalid 'prompt': empty string.",
                type="invalid_request_error",
                param="prompt",
                code="invalid_value",
            )
        limit = _PROMPT_LIMITS[family]
        if len(prompt) > limit:  # [UNCONFIRMED] wording
            return api_failure(
                400,
                f"Invalid 'prompt': string too long. Expected a string with maximum length {limit}, but got a string "
                f"with length {len(prompt)} instead.",
                type="invalid_request_error",
                param="prompt",
                code="string_above_max_length",
            )
        n = body.get("n", 1)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 10 or (family == "dall-e-3" and n != 1):
            return _invalid_value(n, ("1",) if family == "dall-e-3" else tuple(str(i) for i in range(1, 11)), param="n")
        if "size" in body:
            problem = self._size_problem(body["size"], model=model, family=family)
            if problem is not None:
                return problem
        if "quality" in body:
            qualities = {"gpt": _GPT_QUALITIES, "dall-e-3": _DALL_E_3_QUALITIES, "dall-e-2": _DALL_E_2_QUALITIES}
            supported = qualities.get(family, _GPT_QUALITIES + _DALL_E_3_QUALITIES)
            if body["quality"] not in supported:
                return _invalid_value(body["quality"], supported, param="quality")
        if "response_format" in body and body["response_format"] not in ("url", "b64_json"):
            return _invalid_value(body["response_format"], ("url", "b64_json"), param="response_format")
        output_format = body.get("output_format", "png")
        if output_format not in ("png", "jpeg", "webp"):
            return _invalid_value(output_format, ("png", "jpeg", "webp"), param="output_format")
        if "output_compression" in body:
            compression = body["output_compression"]
            if not isinstance(compression, int) or isinstance(compression, bool) or not 0 <= compression <= 100:
                return _invalid_value(compression, ("0", "100"), param="output_compression")
            if output_format == "png" and compression < 100:  # [UNCONFIRMED] §1.2: "with jpeg/webp"
                return api_failure(
                    400,
                    "Compression less than 100 is not supported for PNG output format.",
                    type="invalid_request_error",
                    param="output_compression",
                    code="invalid_value",
                )
        return None

    @staticmethod
    def _size_problem(size: object, *, model: str, family: str) -> Failure | None:
        supported = {"gpt": _GPT_SIZES, "dall-e-3": _DALL_E_3_SIZES, "dall-e-2": _DALL_E_2_SIZES}.get(
            family, _GPT_SIZES + _DALL_E_3_SIZES + _DALL_E_2_SIZES
        )
        if size in supported:
            return None
        match = _SIZE.match(size) if isinstance(size, str) else None
        if match and model.startswith("gpt-image-2"):  # §1.2: any WxH, /16, aspect 1:3-3:1, <= 3840x2160
            w, h = int(match.group(1)), int(match.group(2))
            if (
                w % 16 == 0
                and h % 16 == 0
                and max(w, h) <= 3 * min(w, h)
                and max(w, h) <= 3840
                and w * h <= 3840 * 2160
            ):
                return None
        return _invalid_value(size, supported, param="size")

    def _file_url(self, data: bytes, image_format: str) -> str:
        file_id = uuid.uuid4().hex[:16]
        extension, content_type = _FILE_TYPES[image_format]
        self.files[file_id] = (data, content_type)
        return (
            f"{self.root}/files/{file_id}.{extension}?st=2026-11-22T05%3A00%3A00Z&se=2026-11-22T06%3A00%3A00Z"
            f"&sp=r&sig=FAKE{uuid.uuid4().hex}SIGNATURE"
        )

    def _file(self, request: Recorded) -> Reply:
        if self.file_failure is not None:
            return self.file_failure.reply()
        if self.files_html:
            return Reply(200, HTML_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        name = request.path.removeprefix("/files/")
        stored = self.files.get(name.split(".")[0])
        if stored is None:
            return Reply(404, b"<Error><Code>BlobNotFound</Code></Error>", {"Content-Type": "application/xml"})
        data, content_type = stored
        return Reply(200, data, {"Content-Type": content_type})

    def _release(self) -> None:
        self._failures.release()


@contextmanager
def serve_openai(
    *,
    key: str = TEST_KEY,
    models: tuple[str, ...] = DEFAULT_MODELS,
    answer: str = "auto",
    hang_s: float = 30.0,
) -> Iterator[OpenAIFake]:
    """Serve the fake until the block ends; hanging requests are released then."""
    fake = OpenAIFake(key=key, models=models, answer=answer, hang_s=hang_s)
    with serve(fake.handle) as server:
        fake._server = server
        try:
            yield fake
        finally:
            fake._release()

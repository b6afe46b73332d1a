"""``runware``: AI images from Runware's REST task API (FLUX and other models), several per request.

One HTTP request carries up to ``batch_size`` ``imageInference`` tasks (``POST {base_url}``, a JSON
array, ``Authorization: Bearer <key>``); each task has its own UUID v4 and its result or error is
matched back to its request by that ``taskUUID``. One task's error (a refused prompt, a busy model)
becomes that request's result and never fails the others; an error of the whole request (a refused
key, spent credit, "too many requests", a server error, a timeout) is raised from `generate_batch`
so the job handles it once for the batch. Images come back as base64 in the answer or as URLs that
are then downloaded (``output_type``); every image's bytes are checked before they are returned.
For "Choose…", `candidates` sends one task with ``numberResults`` set to the ``variations``
setting: the answer has one item per picture, all with the task's UUID (§4.3).

Wire format: ``../shared/provider_apis.md`` §4 (endpoint and auth §4.1, task fields §4.2, success
§4.3, errors §4.5, batching §4.7).

Thread safety: `generate` and `generate_batch` may run on several worker threads at once (up to
``max_concurrency``); each call builds its own tasks and uses its thread's own HTTP session, and the
provider keeps no other state. Nothing connects before the first request.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import requests

from ...core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from ...core.base.log import get_logger
from ...core.media.checks import mime_type, require_media, sniff_image
from ...core.media.types import MediaKind, MediaRequest, MediaResult
from ...core.provider_system.media_provider import Capabilities, HealthReport, ImageProvider, KeyUse
from ...core.text.cleaning import fold_whitespace
from ..http.client import json_answer_limit, json_body, status_error
from ..http.health_probe import probe_health
from ..http.service import HttpProvider
from ..http.status import error_for_status, parse_retry_after

log = get_logger(__name__)

USER_AGENT = "MediaFill (Anki add-on)"
DEFAULT_BASE_URL = "https://api.runware.ai/v1"
DEFAULT_MODEL = "runware:100@1"  # FLUX.1 schnell
# Runware's size rule for width and height (§4.2: 512–2048, divisible by 64).
MIN_SIDE, MAX_SIDE, SIDE_STEP = 512, 2048, 64
OUTPUT_TYPES = ("base64Data", "URL", "dataURI")
OUTPUT_FORMATS = {"JPG": "jpg", "PNG": "png", "WEBP": "webp"}
DEFAULT_STEPS = 4  # what FLUX.1 schnell is made for; other models want more (or null: the model's own)
MESSAGE_CHARS = 200
# Runware's API reference (image inference, negativePrompt): "The length of the prompt must be
# between 2 and 3000 characters".
NEGATIVE_PROMPT_CHARS = (2, 3000)
# Empty (none), or at least two characters once the spaces around are trimmed.
NEGATIVE_PROMPT_PATTERN = r"^(\s*|\s*\S[\s\S]*\S\s*)$"
DEFAULT_VARIATIONS = 4
MAX_VARIATIONS = 10
# Statuses that concern the request as a whole whatever its body says (5xx too): the key, credit,
# the rate, "try again later".
WHOLE_REQUEST_STATUSES = frozenset({401, 402, 403, 408, 409, 425, 429})

# Task fields that come from one of our settings: an error naming one is the settings' fault, and
# no task of the batch can succeed until the user changes that setting.
SETTING_OF_PARAMETER = {
    "model": "model",
    "width": "width",
    "height": "height",
    "steps": "steps",
    "outputType": "output_type",
    "outputFormat": "output_format",
    "negativePrompt": "negative_prompt",
}
# Codes (SDK mapping, §4.5) of failures that pass: the same task may succeed when tried again.
TRANSIENT_CODES = frozenset({"timeoutprovider", "noavailableserver", "modelunavailable", "internalservererror"})
_DATA_URI = re.compile(r"^data:[^,;]*(?:;[^,;]*)*;base64,", re.IGNORECASE)


@dataclass(frozen=True)
class _Task:
    uuid: str
    request: MediaRequest
    body: Mapping[str, Any]


class RunwareImages(HttpProvider, ImageProvider):
    name = "runware"
    title = "Runware"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "AI pictures from Runware (FLUX and other models; cheap and fast, several pictures per request; needs a key)."
    )
    capabilities = Capabilities(batch=True, key=KeyUse.REQUIRED, http=True)
    default_batch_size = 10
    default_max_concurrency = 2
    priority = 200
    default_user_agent = USER_AGENT
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "model": {"type": "string", "pattern": r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$"},
        "width": {"type": "integer", "minimum": MIN_SIDE, "maximum": MAX_SIDE, "multipleOf": SIDE_STEP},
        "height": {"type": "integer", "minimum": MIN_SIDE, "maximum": MAX_SIDE, "multipleOf": SIDE_STEP},
        "steps": {"type": ["integer", "null"], "minimum": 1, "maximum": 100},
        "output_type": {"enum": list(OUTPUT_TYPES)},
        "output_format": {"enum": list(OUTPUT_FORMATS)},
        "batch_size": {"type": "integer", "minimum": 1, "maximum": 50},
        "negative_prompt": {
            "type": "string",
            "maxLength": NEGATIVE_PROMPT_CHARS[1],
            "pattern": NEGATIVE_PROMPT_PATTERN,
        },
        "variations": {"type": "integer", "minimum": 1, "maximum": MAX_VARIATIONS},
    }

    # --- settings

    def _setting(self, key: str, default: Any) -> Any:
        value = self.settings.get(key)
        return default if value is None else value

    def _settings_problem(self) -> str | None:
        """What is wrong with the provider's own settings (naming the setting), or None."""
        where = self.setting_path()
        for side in ("width", "height"):
            value = self._setting(side, 512)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not MIN_SIDE <= value <= MAX_SIDE
                or value % SIDE_STEP
            ):
                return (
                    f"Runware makes pictures {MIN_SIDE}–{MAX_SIDE} pixels wide and high in steps of {SIDE_STEP}; "
                    f"set {where}.{side} to such a value (e.g. 512 or 1024), not {value!r}"
                )
        steps = self.settings.get("steps")
        if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= 100):
            return f"set {where}.steps to a whole number from 1 to 100 (or null for the model's default)"
        if self._setting("output_type", "base64Data") not in OUTPUT_TYPES:
            return f"set {where}.output_type to one of {', '.join(OUTPUT_TYPES)}"
        if str(self._setting("output_format", "JPG")).upper() not in OUTPUT_FORMATS:
            return f"set {where}.output_format to one of {', '.join(OUTPUT_FORMATS)}"
        if not str(self._setting("model", DEFAULT_MODEL)).strip():
            return f"set {where}.model to a Runware model id such as {DEFAULT_MODEL}"
        negative = str(self._setting("negative_prompt", "")).strip()
        shortest, longest = NEGATIVE_PROMPT_CHARS
        if negative and not shortest <= len(negative) <= longest:
            return (
                f"Runware takes a negative prompt of {shortest} to {longest:,} characters, and "
                f"{where}.negative_prompt has {len(negative):,}; write what the pictures should not show "
                f"(e.g. text, watermark) in {shortest} to {longest:,} characters, or leave it empty for none"
            )
        return None

    def setup_problem(self) -> str | None:
        return super().setup_problem() or self._settings_problem()

    def _check_settings(self) -> None:
        """Raise before anything is sent when the settings cannot work."""
        problem = super().setup_problem()
        if problem is not None:
            raise (AuthError if not self.api_key else ConfigError)(problem, provider=self.name)
        problem = self._settings_problem()
        if problem is not None:
            raise ConfigError(problem, provider=self.name)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}

    # --- generating

    def generate(self, request: MediaRequest) -> MediaResult:
        """One picture: a batch of one. Raises the request's error."""
        result = self.generate_batch([request])[0]
        if result.error is not None:
            raise result.error
        return result

    def generate_batch(self, requests: Sequence[MediaRequest]) -> list[MediaResult]:
        """One HTTP request with a task per request; one result per request, in order.

        A task's own error becomes its request's failed result. Raises a `ProviderError` for what
        concerns the whole request: settings (`ConfigError`, before anything is sent), the key
        (`AuthError`), credit (`QuotaError`), "too many requests" (`RateLimitError`), the network
        and server errors (`TransientError`).
        """
        self._check_settings()
        started = time.monotonic()
        outcomes: dict[int, _Image | ProviderError] = {}
        tasks: dict[int, _Task] = {}
        for index, request in enumerate(requests):
            if request.text.strip():
                tasks[index] = self._task(request)
            else:
                outcomes[index] = PermanentError(
                    "the picture's prompt is empty; check the target's source and prompt", provider=self.name
                )
        if tasks:
            found = self._run(list(tasks.values()))
            for index, task in tasks.items():
                outcomes[index] = found[task.uuid][0]
        elapsed = time.monotonic() - started
        return [self._result(request, outcomes[index], elapsed) for index, request in enumerate(requests)]

    def candidate_count(self, *, limit: int) -> int:
        """The ``variations`` setting (at most ``limit``): each is a picture paid for."""
        wanted = int(self.settings.get("variations") or DEFAULT_VARIATIONS)
        return max(1, min(limit, wanted, MAX_VARIATIONS))

    def candidates(self, request: MediaRequest, *, limit: int) -> list[MediaResult]:
        """`candidate_count` pictures of one prompt from one task (``numberResults``); a picture
        that cannot be read is a failed result among the others. Raises like `generate_batch`, and
        the task's own error when it made no picture."""
        self._check_settings()
        if not request.text.strip():
            raise PermanentError(
                "the picture's prompt is empty; check the target's source and prompt", provider=self.name
            )
        started = time.monotonic()
        task = self._task(request, count=self.candidate_count(limit=limit))
        made = self._run([task], keep=task.body["numberResults"])[task.uuid]
        if len(made) == 1 and isinstance(made[0], ProviderError):
            raise made[0]
        return [self._result(request, outcome, time.monotonic() - started) for outcome in made]

    def _result(self, request: MediaRequest, outcome: _Image | ProviderError, elapsed: float) -> MediaResult:
        if isinstance(outcome, ProviderError):
            return MediaResult.failure(request, outcome, provider=self.name)
        return MediaResult(
            request=request,
            provider=self.name,
            data=outcome.data,
            extension=outcome.extension,
            mime_type=mime_type(outcome.extension),
            elapsed_s=elapsed,
        )

    def _task(self, request: MediaRequest, *, count: int = 1) -> _Task:
        body: dict[str, Any] = {
            "taskType": "imageInference",
            "taskUUID": str(uuid.uuid4()),
            "model": str(self._setting("model", DEFAULT_MODEL)).strip(),
            "positivePrompt": request.text,
            "width": self._setting("width", 512),
            "height": self._setting("height", 512),
            "numberResults": count,
            "outputType": self._setting("output_type", "base64Data"),
            "outputFormat": str(self._setting("output_format", "JPG")).upper(),
        }
        steps = self.settings.get("steps", DEFAULT_STEPS)
        if steps is not None:
            body["steps"] = steps
        negative = str(self._setting("negative_prompt", "")).strip()
        if negative:
            body["negativePrompt"] = negative
        return _Task(uuid=body["taskUUID"], request=request, body=body)

    def _run(self, tasks: list[_Task], *, keep: int = 1) -> dict[str, list[_Image | ProviderError]]:
        """Send the tasks in one request; by task UUID, up to ``keep`` pictures of each task (a
        picture that cannot be read is its error), or the task's own error alone."""
        log.debug("runware: %d tasks in one request", len(tasks))
        response = self._http.send(
            "POST",
            self.base_url,
            timeout_s=self.timeout_s,
            json=[t.body for t in tasks],
            headers=self._headers(),
            max_body_bytes=json_answer_limit(self.max_media_bytes, media_count=len(tasks) * keep),
        )
        data, errors = self._answer(response)
        ours = {t.uuid for t in tasks}
        found: dict[str, list[_Image | ProviderError]] = {}
        unscoped: list[ProviderError] = []
        for item in errors:
            error = self._task_error(item, response.headers)
            if error.provider_wide or isinstance(error, RateLimitError):
                raise error  # the key, the credit, a setting, the rate: no task of the batch can succeed
            task_uuid = item.get("taskUUID")
            if isinstance(task_uuid, str) and task_uuid in ours:
                found.setdefault(task_uuid, [error])
            else:
                unscoped.append(error)
        images: dict[str, list[Mapping[str, Any]]] = {}
        for item in data:
            task_uuid = item.get("taskUUID")
            if isinstance(task_uuid, str) and task_uuid in ours and task_uuid not in found:
                images.setdefault(task_uuid, []).append(item)  # one item per picture (§4.3)
        if not images and unscoped:
            raise unscoped[0]  # the request as a whole failed
        for task_uuid, items in images.items():
            found[task_uuid] = [self._image(item) for item in items[:keep]]  # more than asked: not ours to keep
        for task in tasks:
            if task.uuid not in found:
                found[task.uuid] = [
                    unscoped[0]
                    if unscoped
                    else InvalidResponseError("Runware's answer had no picture for this prompt", provider=self.name)
                ]
        return found

    def _answer(self, response: requests.Response) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
        """The ``data`` and ``errors`` items of an answer; raises the error of a whole request
        (a status that concerns every task, or an answer that is not Runware's JSON)."""
        status = response.status_code
        ok = 200 <= status < 300
        try:
            body = response.json()
        except ValueError:
            if ok:
                json_body(response, provider=self.name)  # raises InvalidResponseError naming what came
            raise _or_permanent(status_error(response, provider=self.name), status, self.name) from None
        if not isinstance(body, Mapping):
            if ok:
                raise InvalidResponseError("answered with JSON that is not Runware's answer", provider=self.name)
            raise _or_permanent(status_error(response, provider=self.name), status, self.name)
        errors = [e for e in _list(body.get("errors")) if isinstance(e, Mapping)]
        data = [d for d in _list(body.get("data")) if isinstance(d, Mapping)]
        if status in WHOLE_REQUEST_STATUSES or status >= 500:
            message = _error_text(errors[0]) if errors else None
            raise _or_permanent(
                error_for_status(status, provider=self.name, headers=response.headers, message=message),
                status,
                self.name,
            )
        if not ok and not errors and not data:
            raise _or_permanent(status_error(response, provider=self.name), status, self.name)
        return data, errors

    def _task_error(self, item: Mapping[str, Any], headers: Mapping[str, str]) -> ProviderError:
        """The error class and message for one item of ``errors`` (codes as the SDK maps them, §4.5)."""
        code = str(item.get("code") or "")
        low = code.lower()
        parameter = str(item.get("parameter") or "")
        said = _error_text(item).rstrip(".")
        detail = (f" ({code})" if code else "") + (f": {said}" if said else "")
        where = self.setting_path()
        if low == "invalidapikey" or "apikey" in low or parameter == "apiKey":
            return AuthError(f"Runware refused the API key{detail}; check {where}.api_key", provider=self.name)
        if any(word in low for word in ("credit", "balance", "quota", "payment")):
            return QuotaError(
                f"the Runware account has no credit left{detail}; top it up at my.runware.ai", provider=self.name
            )
        if "ratelimit" in low:
            return RateLimitError(
                f"Runware asks for fewer requests{detail}", provider=self.name, retry_after=parse_retry_after(headers)
            )
        if low in TRANSIENT_CODES or "timeout" in low or "unavailable" in low:
            return TransientError(f"Runware could not make this picture now{detail}", provider=self.name)
        if low in ("unknownmodel", "invalidmodel") or parameter == "model":
            model = str(self._setting("model", DEFAULT_MODEL))
            return ConfigError(
                f"Runware cannot use the model {model!r}{detail}; set {where}.model to a model id (AIR) "
                "from Runware's model list",
                provider=self.name,
            )
        setting = SETTING_OF_PARAMETER.get(parameter)
        if setting is not None:
            return ConfigError(f"Runware refused the setting {where}.{setting}{detail}; change it", provider=self.name)
        if "contentpolicy" in low or "nsfw" in low or "safety" in low:
            return PermanentError(f"Runware refused this prompt under its content policy{detail}", provider=self.name)
        if low == "invalidpositiveprompt" or parameter == "positivePrompt":
            return PermanentError(
                f"Runware refused this prompt{detail}; it takes prompts of 4 to 2000 characters: change the "
                "picture target's prompt (e.g. 'a picture of {text}' for short words)",
                provider=self.name,
            )
        return PermanentError(f"Runware rejected this request{detail}", provider=self.name)

    def _image(self, item: Mapping[str, Any]) -> _Image | ProviderError:
        """The checked picture of one ``data`` item, or the reason it cannot be used."""
        fmt = str(self._setting("output_format", "JPG")).upper()
        try:
            if isinstance(item.get("imageBase64Data"), str):
                data = _decode_base64(item["imageBase64Data"], provider=self.name)
            elif isinstance(item.get("imageDataURI"), str):
                uri = item["imageDataURI"]
                prefix = _DATA_URI.match(uri)
                if prefix is None:
                    raise InvalidResponseError(
                        "Runware sent a picture in a data URI it cannot read", provider=self.name
                    )
                data = _decode_base64(uri[prefix.end() :], provider=self.name)
            elif isinstance(item.get("imageURL"), str):
                return _Image(*self.download(item["imageURL"]))
            else:
                raise InvalidResponseError("Runware's answer for this prompt holds no picture", provider=self.name)
            extension = sniff_image(data) or OUTPUT_FORMATS.get(fmt, "jpg")
            require_media(MediaKind.IMAGE, data, extension=extension, provider=self.name)
        except ProviderError as exc:
            return exc
        return _Image(data, extension)

    # --- health

    def test_connection(self) -> HealthReport:
        """The cheapest call Runware has: an ``authentication`` task alone, which makes no picture."""
        return probe_health(self, self._authenticate)

    def _authenticate(self) -> str:
        response = self._http.send(
            "POST",
            self.base_url,
            timeout_s=self.timeout_s,
            json=[{"taskType": "authentication", "apiKey": self.api_key}],
            headers=self._headers(),
        )
        _, errors = self._answer(response)
        if errors:
            raise self._task_error(errors[0], response.headers)
        return "Runware accepted the API key"


@dataclass(frozen=True)
class _Image:
    data: bytes
    extension: str


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _error_text(item: Mapping[str, Any]) -> str:
    """An error item's message, whitespace collapsed and cut to `MESSAGE_CHARS`."""
    text = fold_whitespace(str(item.get("message") or ""))
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1].rstrip() + "…"


def _or_permanent(error: ProviderError | None, status: int, provider: str) -> ProviderError:
    return error or PermanentError(f"Runware answered with an unexpected HTTP {status}", provider=provider)


def _decode_base64(text: str, *, provider: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidResponseError("Runware sent a picture whose base64 text is damaged", provider=provider) from None

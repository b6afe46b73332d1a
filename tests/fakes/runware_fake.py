"""A fake of Runware's REST task API on 127.0.0.1, for the ``runware`` provider's tests.

Where each shape comes from (``../shared/provider_apis.md``, section 4):

* ``POST /v1`` with a JSON **array** of tasks; auth by ``Authorization: Bearer <key>`` or by a first
  task ``{"taskType": "authentication", "apiKey": …}`` (§4.1). A missing or wrong key → 401 with the
  documented ``invalidApiKey`` error (§4.5).
* ``imageInference`` fields and their rules (§4.2): ``taskUUID`` a UUID v4, ``model`` an AIR id the
  fake knows (else ``unknownModel``), ``positivePrompt`` 4–2000 characters (``invalidPositivePrompt``),
  ``negativePrompt`` 2–3000 characters when sent (Runware's API reference; ``invalidNegativePrompt``),
  ``width``/``height`` 512–2048 and divisible by 64 (``invalidParameter`` naming the parameter),
  ``outputType`` ``URL``/``base64Data``/``dataURI``, ``outputFormat`` ``JPG``/``PNG``/``WEBP``.
* Success (§4.3): ``{"data": [...]}``, one item per image (``numberResults`` items per task, each a
  different picture with the task's ``taskUUID`` and its own ``imageUUID``) with ``taskType``, ``taskUUID``,
  ``imageUUID``, ``seed``, ``NSFWContent``, ``cost`` (with ``includeCost``) and the image as
  ``imageURL`` (served by this fake at ``/files/<imageUUID>.<ext>``), ``imageBase64Data`` or
  ``imageDataURI``. The ``authentication`` task answers ``{"taskType": "authentication",
  "connectionSessionUUID": …}`` (§4.1, SDK).
* Errors (§4.5): ``{"errors": [{code, message, parameter, taskType, taskUUID}]}``, scoped to the task
  that failed; other tasks of the same request still succeed, so a body may hold ``data`` and
  ``errors``. Status codes per error are [UNCONFIRMED] in the spec; this fake answers 200 when at
  least one task succeeded and 400 when none did (the SDK's tests use 400 for validation errors),
  401 for a bad key, and whatever a test scripts (402 credits, 429 with ``Retry-After``, 500 …: the
  builders `insufficient_credits`, `rate_limited`, `server_error`, `errors_failure`; the codes of
  those bodies are [UNCONFIRMED] as well).

What a test can tell the fake (attributes of the yielded `RunwareFake`, changeable at any time):

* ``fail_prompts``: ``{prompt: TaskFailure}`` — the task with that ``positivePrompt`` gets that error
  item (scoped by its ``taskUUID``) instead of an image;
* ``drop_prompts``: tasks with these prompts get neither an image nor an error (a broken answer);
* `fail` / `fail_always` / `hang` / `stop_failing` (`tests.support.failure_script`): the next
  ``times`` API requests (or every one) fail as a whole with a `Failure` (a status, an ``errors``
  body, optionally ``Retry-After``), or get no answer until ``hang_s`` passes or the fake stops;
* ``html_files``: ``/files/…`` serves an HTML page (200, ``text/html``) instead of the image;
* ``bad_images``: ``{prompt: bytes}`` — the "picture" of that prompt is these bytes (an HTML page, a
  cut-short PNG…), in whichever output type was asked for;
* ``reverse_data``: answer the ``data`` items in the reverse order of the tasks (results must be
  matched by ``taskUUID``, never by position);
* ``models``: the model AIR ids the fake knows;
* `reset` (method): all of the above back to a healthy fake, and the recorded requests cleared.

``served`` holds, by prompt, the bytes of the last picture made for it (the first of its task);
``served_all`` every picture of the prompt's last task.

Images are real, minimal files from `tests.support.media_samples` (a PNG coloured by the prompt, a
baseline greyscale JPEG as wide as the prompt says, a lossless WebP).
Thread safety: the server answers on its own threads; the switches are read under a lock, the
failure script has its own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.support.failure_script import ANY, FailureScript, ScriptedFailures
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.media_samples import jpeg_bytes, png_bytes, webp_bytes

API_PATH = "/v1"
FILES_PATH = "/files/"
DEFAULT_KEY = "sk-test-runware-0123456789"
KNOWN_MODELS = frozenset({"runware:100@1", "runware:101@1", "runware:400@1", "civitai:4384@128713"})
INVALID_API_KEY = {
    "code": "invalidApiKey",
    "message": "Invalid API key. Get one at https://my.runware.ai/signup",
    "parameter": "apiKey",
    "taskType": "authentication",
}
_AIR_ID = re.compile(r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$")
_OUTPUT_TYPES = ("URL", "base64Data", "dataURI")
_FORMATS = {"JPG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    b"<body><h1>Checking your browser before accessing im.runware.ai</h1></body></html>"
)


def image_bytes(output_format: str, prompt: str, index: int = 0) -> bytes:
    """The ``index``-th picture "made" for ``prompt`` by one task: PNGs differ in colour and JPEGs in
    width by prompt, so a test can tell which prompt a picture was made for; the pictures of one
    task (``numberResults``, at most 16) differ from each other as well."""
    fmt = output_format.upper()
    digest = hashlib.sha1(prompt.encode("utf-8")).digest()
    if fmt == "PNG":
        return png_bytes(rgb=(digest[0], digest[1], (digest[2] + index) % 256))
    if fmt == "WEBP":
        return webp_bytes(note=f"{index}".encode() if index else b"")
    return jpeg_bytes(w=8 * (1 + (digest[0] + index) % 16))


# --- switches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFailure:
    """An error item for one task (§4.5); ``parameter`` is left out when empty."""

    code: str
    message: str
    parameter: str = ""


CONTENT_POLICY = TaskFailure(
    "contentPolicyViolation", "The prompt was flagged by the content policy.", "positivePrompt"
)
PROVIDER_TIMEOUT = TaskFailure("timeoutProvider", "The inference provider did not answer in time.")


def errors_failure(status: int, code: str = "", message: str = "", *, retry_after: str | None = None) -> Failure:
    """The whole request fails with ``status`` and an ``errors`` body of ``code``/``message`` (§4.5;
    no body when both are empty), and ``Retry-After`` when given."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    if not code and not message:
        return Failure(status, b"", headers)
    body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
    return Failure(status, body, {"Content-Type": "application/json", **headers})


def invalid_api_key() -> Failure:
    """401 ``invalidApiKey`` (§4.5), as a wrong key gets it."""
    return Failure(401, json.dumps({"errors": [INVALID_API_KEY]}).encode(), {"Content-Type": "application/json"})


def insufficient_credits(status: int = 402) -> Failure:
    return errors_failure(status, "insufficientCredits", "Insufficient credits to run this task.")


def rate_limited(*, retry_after: str | None = "1") -> Failure:
    return errors_failure(429, "rateLimitExceeded", "Too many requests.", retry_after=retry_after)


def server_error(status: int = 500) -> Failure:
    return errors_failure(status, "internalServerError", "Internal server error.")


HANG = Failure(hang=True)


class RunwareFake(ScriptedFailures):
    """The running fake: ``url`` is the provider's ``base_url``; ``requests`` every recorded request."""

    failing_endpoint = ANY  # one failure endpoint: the task API

    def __init__(self, *, api_key: str, hang_s: float) -> None:
        self.api_key = api_key
        self.hang_s = hang_s
        self._lock = threading.Lock()
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(504).reply())
        self._server: FakeServer | None = None
        self.reset()

    def reset(self) -> None:
        """Back to a healthy fake with nothing recorded (for one server shared by several tests):
        failures forgotten, a request still hanging released."""
        self.models: set[str] = set(KNOWN_MODELS)
        self.fail_prompts: dict[str, TaskFailure] = {}
        self.drop_prompts: set[str] = set()
        self.html_files = False
        self.reverse_data = False
        self.bad_images: dict[str, bytes] = {}
        self.served: dict[str, bytes] = {}
        self.served_all: dict[str, list[bytes]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self._failures.reset()
        if self._server is not None:
            self._server.requests.clear()

    # --- what tests read

    @property
    def root(self) -> str:
        assert self._server is not None
        return self._server.url

    @property
    def url(self) -> str:
        return self.root + API_PATH

    @property
    def requests(self) -> list[Recorded]:
        assert self._server is not None
        return list(self._server.requests)

    @property
    def api_requests(self) -> list[Recorded]:
        """The requests to the task API (not the image downloads)."""
        return [r for r in self.requests if r.path == API_PATH]

    @property
    def downloads(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(FILES_PATH)]

    # --- what tests tell it

    # --- serving

    def handle(self, request: Recorded) -> Reply:
        if request.path.startswith(FILES_PATH):
            return self._file(request)
        if request.path != API_PATH:
            return _errors(404, [{"code": "notFound", "message": f"Unknown endpoint {request.path}."}])
        if request.method != "POST":
            return _errors(405, [{"code": "methodNotAllowed", "message": "Use POST."}])
        failure = self._failures.next_failure()
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        try:
            tasks = request.json()
        except ValueError:
            return _errors(400, [{"code": "invalidJson", "message": "The request body is not valid JSON."}])
        if not isinstance(tasks, list) or not tasks or not all(isinstance(t, dict) for t in tasks):
            return _errors(400, [{"code": "invalidTasks", "message": "The request body must be an array of tasks."}])
        if not self._authorized(request, tasks):
            return invalid_api_key().reply()
        return self._run_tasks(tasks)

    def _authorized(self, request: Recorded, tasks: list[dict[str, Any]]) -> bool:
        header = request.headers.get("authorization", "")
        if header == f"Bearer {self.api_key}":
            return True
        first = tasks[0]
        return first.get("taskType") == "authentication" and first.get("apiKey") == self.api_key

    def _run_tasks(self, tasks: list[dict[str, Any]]) -> Reply:
        data: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for index, task in enumerate(tasks):
            kind = task.get("taskType")
            if kind == "authentication" and index == 0:
                data.append({"taskType": "authentication", "connectionSessionUUID": str(uuid.uuid4())})
                continue
            if kind != "imageInference":
                errors.append(_item("invalidTaskType", f"Unsupported task type {kind!r}.", "taskType", task))
                continue
            problem = self._task_problem(task)
            if problem is not None:
                errors.append(problem)
                continue
            prompt = task["positivePrompt"]
            failure = self.fail_prompts.get(prompt)
            if failure is not None:
                errors.append(_item(failure.code, failure.message, failure.parameter, task))
            elif prompt not in self.drop_prompts:
                fmt = str(task.get("outputFormat", "JPG")).upper()
                pictures = [
                    self.bad_images.get(prompt) or image_bytes(fmt, prompt, index)
                    for index in range(task.get("numberResults", 1))
                ]
                data.extend(self._image_item(task, picture) for picture in pictures)
                with self._lock:
                    self.served[prompt] = pictures[0]
                    self.served_all[prompt] = pictures
        if self.reverse_data:
            data.reverse()
        images = [d for d in data if d.get("taskType") == "imageInference"]
        status = 400 if errors and not images and not any(d["taskType"] == "authentication" for d in data) else 200
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        return Reply.of_json(body, status=status)

    def _task_problem(self, task: Mapping[str, Any]) -> dict[str, Any] | None:
        task_uuid = task.get("taskUUID")
        try:
            valid_uuid = isinstance(task_uuid, str) and uuid.UUID(task_uuid).version == 4
        except ValueError:
            valid_uuid = False
        if not valid_uuid:
            return {
                "code": "invalidTaskUUID",
                "message": "Invalid value for 'taskUUID' parameter. It must be a UUID v4.",
                "parameter": "taskUUID",
                "taskType": "imageInference",
            }
        model = task.get("model")
        if not isinstance(model, str) or not _AIR_ID.match(model):
            return _item("invalidModel", "Invalid value for 'model' parameter. Use an AIR id.", "model", task)
        if model not in self.models:
            return _item("unknownModel", f"Model {model} does not exist or is not available.", "model", task)
        prompt = task.get("positivePrompt")
        if not isinstance(prompt, str) or not 4 <= len(prompt) <= 2000:
            return _item(
                "invalidPositivePrompt",
                "Invalid value for 'positivePrompt' parameter. It must be between 4 and 2000 characters.",
                "positivePrompt",
                task,
            )
        negative = task.get("negativePrompt")
        if negative is not None and (not isinstance(negative, str) or not 2 <= len(negative) <= 3000):
            # The API reference: "between 2 and 3000 characters" (code name and wording [UNCONFIRMED]).
            return _item(
                "invalidNegativePrompt",
                "Invalid value for 'negativePrompt' parameter. It must be between 2 and 3000 characters.",
                "negativePrompt",
                task,
            )
        for side in ("width", "height"):
            value = task.get(side)
            if not isinstance(value, int) or isinstance(value, bool) or not 512 <= value <= 2048 or value % 64:
                return _item(
                    "invalidParameter",
                    f"Invalid value for '{side}' parameter. It must be a multiple of 64 between 512 and 2048.",
                    side,
                    task,
                )
        if task.get("outputType", "URL") not in _OUTPUT_TYPES:
            return _item("invalidParameter", "Invalid value for 'outputType' parameter.", "outputType", task)
        if str(task.get("outputFormat", "JPG")).upper() not in _FORMATS:
            return _item("invalidParameter", "Invalid value for 'outputFormat' parameter.", "outputFormat", task)
        results = task.get("numberResults", 1)
        if not isinstance(results, int) or results < 1:
            return _item("invalidParameter", "Invalid value for 'numberResults' parameter.", "numberResults", task)
        steps = task.get("steps")
        if steps is not None and (not isinstance(steps, int) or not 1 <= steps <= 100):
            return _item("invalidParameter", "Invalid value for 'steps' parameter.", "steps", task)
        return None

    def _image_item(self, task: Mapping[str, Any], data: bytes) -> dict[str, Any]:
        extension, mime = _FORMATS[str(task.get("outputFormat", "JPG")).upper()]
        image_uuid = str(uuid.uuid4())
        item: dict[str, Any] = {
            "taskType": "imageInference",
            "taskUUID": task["taskUUID"],
            "imageUUID": image_uuid,
            "seed": 123456789,
            "NSFWContent": False,
        }
        output_type = task.get("outputType", "URL")
        if output_type == "base64Data":
            item["imageBase64Data"] = base64.b64encode(data).decode("ascii")
        elif output_type == "dataURI":
            item["imageDataURI"] = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
        else:
            with self._lock:
                self.files[image_uuid] = (data, mime)
            item["imageURL"] = f"{self.root}{FILES_PATH}{image_uuid}.{extension}"
        if task.get("includeCost"):
            item["cost"] = 0.0006
        return item

    def _file(self, request: Recorded) -> Reply:
        if request.method != "GET":
            return Reply(405, b"", {})
        if self.html_files:
            return Reply(200, HTML_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        image_uuid = request.path[len(FILES_PATH) :].rsplit(".", 1)[0]
        with self._lock:
            found = self.files.get(image_uuid)
        if found is None:
            return Reply(404, b"Not Found", {"Content-Type": "text/plain"})
        return Reply(200, found[0], {"Content-Type": found[1]})

    def _stop(self) -> None:
        self._failures.release()


def _item(code: str, message: str, parameter: str, task: Mapping[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "message": message}
    if parameter:
        item["parameter"] = parameter
    item["taskType"] = task.get("taskType", "")
    if isinstance(task.get("taskUUID"), str):
        item["taskUUID"] = task["taskUUID"]
    return item


def _errors(status: int, errors: list[dict[str, Any]]) -> Reply:
    return Reply.of_json({"errors": errors}, status=status)


@contextmanager
def serve_runware(*, api_key: str = DEFAULT_KEY, hang_s: float = 30.0) -> Iterator[RunwareFake]:
    """Run a fake Runware API for the ``with`` block; see the module docstring for its switches.
    ``hang_s`` is the longest a hanging request waits (they are released when the block ends)."""
    fake = RunwareFake(api_key=api_key, hang_s=hang_s)
    with serve(fake.handle) as server:
        fake._server = server
        try:
            yield fake
        finally:
            fake._stop()

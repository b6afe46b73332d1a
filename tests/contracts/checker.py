"""Contract checks: our providers' requests and our fakes' answers against the vendors' own specifications.

The documents are vendored in ``specs/`` (see specs/SOURCES.md): OpenAI's and ElevenLabs' OpenAPI
documents (the operations we call, extracted by devtools/vendor_api_specs.py) are checked with
``openapi-core``; Google's Text-to-Speech and Speech-to-Text discovery documents with
`discovery.Discovery`.

`check_exchange` checks one exchange (a request as a fake recorded it, and the fake's answer) and
returns what it found: ``violations`` (the request, or a documented answer, breaks the document)
and ``notes`` (what the document does not cover, said plainly so it is not mistaken for checked):

* a path a fake serves that is no part of the vendor's API (a picture's download URL, a voice's
  preview on a CDN) is a note naming it, from `OUTSIDE_THE_API`; any other path the document lacks
  is a violation (a provider calling an endpoint the vendor does not have);
* an answer with a status the operation does not document (most errors: 401, 500, …) is a note;
  so is an answer the fake serves off the spec on purpose (``off_spec``: a fault test's garbled
  body), and the body of binary audio (the documents say only "binary", and list one media type
  for every format: ``audio/mpeg`` for ElevenLabs, ``application/octet-stream`` for OpenAI);
* the request is always checked, whatever the answer.

The fakes (tests/fakes/openai_fake.py, openai_tts_fake.py, openai_stt_fake.py, elevenlabs_fake.py,
google_tts_fake.py, google_stt_fake.py) call `observe` for every exchange. It does nothing unless a `ContractLog` is active (`recording`):
tests.contracts.plugin activates one around every test of tests/providers and tests/contracts and
fails the test when a violation was logged; everywhere else (the GUI and collection tiers, the
older Ankis' venvs) the fakes run unchecked and ``openapi-core`` is never imported.

Thread safety: `observe` runs on the fakes' server threads; the active log is guarded by a lock
and each `ContractLog` by its own. The parsed documents are built once (under a lock) and only
read afterwards.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.contracts.discovery import Discovery
from tests.support.fake_http import Recorded, Reply

SPECS = Path(__file__).parent / "specs"

OPENAI = "openai"
ELEVENLABS = "elevenlabs"
GOOGLE_TTS = "google_tts"
GOOGLE_STT = "google_stt"

_OPENAPI_FILES = {OPENAI: "openai.openapi.json", ELEVENLABS: "elevenlabs.openapi.json"}
_GOOGLE_FILES = {GOOGLE_TTS: "texttospeech.v1.discovery.json", GOOGLE_STT: "speech.v1.discovery.json"}
# The origin each document's paths are matched under (OpenAI's server URL is …/v1; ElevenLabs'
# document names no server, so its paths start at the root).
_HOSTS = {OPENAI: "https://api.openai.com", ELEVENLABS: "https://api.elevenlabs.io"}

OUTSIDE_THE_API: Mapping[str, tuple[tuple[str, str], ...]] = {
    OPENAI: (("/files/", "a picture's download URL (a blob store's signed link, not the API)"),),
    ELEVENLABS: (("/previews/", "a voice's preview_url (ElevenLabs' CDN, public, not the API)"),),
    GOOGLE_TTS: (),
    GOOGLE_STT: (),
}
"""Per API: path prefixes our fakes serve that are no part of the vendor's API, and why."""


@dataclass(frozen=True)
class Checked:
    """What checking one exchange found."""

    api: str
    exchange: str
    """``METHOD /path -> status``."""
    violations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class ContractLog:
    """Every exchange checked while it was active."""

    checked: list[Checked] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: Checked) -> None:
        with self._lock:
            self.checked.append(result)

    def results(self) -> list[Checked]:
        with self._lock:
            return list(self.checked)

    def violations(self) -> list[str]:
        return [f"{r.api}: {r.exchange}: {v}" for r in self.results() for v in r.violations]

    def notes(self) -> list[str]:
        return [f"{r.api}: {r.exchange}: {n}" for r in self.results() for n in r.notes]


_active_lock = threading.Lock()
_active: list[ContractLog] = []
"""The logs of the `recording` blocks now open, innermost last (the last one gets the exchanges)."""


@contextmanager
def recording() -> Iterator[ContractLog]:
    """Check every exchange the fakes see until the block ends, into the log yielded."""
    log = ContractLog()
    with _active_lock:
        _active.append(log)
    try:
        yield log
    finally:
        with _active_lock:
            _active.remove(log)


def observe(
    api: str,
    request: Recorded,
    *,
    status: int,
    content_type: str,
    body: bytes,
    off_spec: str = "",
) -> None:
    """A fake's exchange: checked into the active log, if there is one (else nothing is done)."""
    with _active_lock:
        log = _active[-1] if _active else None
    if log is None:
        return
    try:
        result = check_exchange(api, request, status=status, content_type=content_type, body=body, off_spec=off_spec)
    except Exception as error:  # a checker's own fault fails the test, never the fake's answer
        failed = f"the contract check failed: {type(error).__name__}: {str(error)[:300]}"
        result = Checked(api, f"{request.method} {request.path} -> {status}", (failed,))
    log.add(result)


def observe_reply(api: str, request: Recorded, reply: Reply, *, off_spec: str = "") -> None:
    """`observe` for a fake's `Reply`."""
    content_type = next((v for k, v in reply.headers.items() if k.lower() == "content-type"), "")
    observe(api, request, status=reply.status, content_type=content_type, body=reply.body, off_spec=off_spec)


def check_exchange(
    api: str,
    request: Recorded,
    *,
    status: int,
    content_type: str,
    body: bytes,
    off_spec: str = "",
) -> Checked:
    """Check ``request`` and the answer (``status``, ``content_type``, ``body``) against ``api``'s
    document. ``off_spec`` (the reason) exempts the answer, never the request."""
    exchange = f"{request.method} {request.path} -> {status}"
    for prefix, reason in OUTSIDE_THE_API[api]:
        if request.path.startswith(prefix):
            return Checked(api, exchange, notes=(f"not checked: {reason}",))
    if api in _GOOGLE_FILES:
        violations, notes = _google_check(
            api, request, status=status, content_type=content_type, body=body, off_spec=off_spec
        )
    else:
        violations, notes = _openapi_check(
            api, request, status=status, content_type=content_type, body=body, off_spec=off_spec
        )
    return Checked(api, exchange, tuple(violations), tuple(notes))


# --- OpenAPI (openapi-core) -----------------------------------------------------------------------


_load_lock = threading.Lock()


@functools.cache
def _document(api: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SPECS / _OPENAPI_FILES[api]).read_text(encoding="utf-8"))
    return document


# Defects of a vendor's document that keep openapi-core from loading it, repaired in memory only
# (the vendored file stays the vendor's text; specs/SOURCES.md lists them): (api, the path to the
# schema, the key dropped).
REPAIRS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # OpenAI's TranscriptionInclude is a string enum with "default": [] (the array's default put on
    # its items), which no JSON Schema validator accepts as a string's default.
    (OPENAI, ("components", "schemas", "TranscriptionInclude"), "default"),
)


def _repaired(api: str, document: dict[str, Any]) -> dict[str, Any]:
    for repaired_api, path, key in REPAIRS:
        node: Any = document
        for part in path:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if repaired_api == api and isinstance(node, dict):
            node.pop(key, None)
    return document


@functools.cache
def _openapi(api: str) -> Any:
    from openapi_core import OpenAPI  # a test-only dependency, imported when first needed

    with _load_lock:
        return OpenAPI.from_dict(_repaired(api, copy.deepcopy(_document(api))))


def openapi_document(api: str) -> dict[str, Any]:
    """The vendored document of ``api`` (a fresh copy)."""
    return copy.deepcopy(_document(api))


def _mock_request(api: str, request: Recorded) -> Any:
    from openapi_core.testing import MockRequest

    return MockRequest(
        _HOSTS[api],
        request.method.lower(),
        request.path,
        args={name: values[-1] for name, values in request.query.items()},
        headers=dict(request.headers),
        data=request.body or None,
        content_type=request.headers.get("content-type", ""),
    )


def _describe(error: BaseException) -> list[str]:
    """An openapi-core error in words, with each schema error's place and message."""
    summary = str(error)
    summary = summary if len(summary) <= 160 else summary[:157] + "..."
    lines = [f"{type(error).__name__}: {summary}".rstrip(": ")]
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        for schema_error in getattr(cause, "schema_errors", None) or ():
            place = "/".join(str(part) for part in getattr(schema_error, "absolute_path", ())) or "(top)"
            message = str(getattr(schema_error, "message", schema_error))
            message = message if len(message) <= 300 else message[:297] + "..."
            lines.append(f"  at {place}: {message}")
        cause = cause.__cause__ or cause.__context__
    return lines


def _openapi_check(
    api: str, request: Recorded, *, status: int, content_type: str, body: bytes, off_spec: str
) -> tuple[list[str], list[str]]:
    from openapi_core.templating.paths.exceptions import PathError
    from openapi_core.templating.responses.exceptions import ResponseNotFound
    from openapi_core.testing import MockResponse

    spec = _openapi(api)
    mock = _mock_request(api, request)
    violations: list[str] = []
    notes: list[str] = []
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        request_errors, violations = _multipart_check(api, request)
    else:
        request_errors = spec.unmarshal_request(mock).errors
    for error in request_errors:
        if isinstance(error, PathError):
            return [f"the request: {request.method} {request.path} is no operation of {_OPENAPI_FILES[api]}"], []
        violations.append("the request breaks the spec: " + "\n".join(_describe(error)))
    if off_spec:
        return violations, [f"answer not checked: served off the spec on purpose ({off_spec})"]
    if _binary_only(api, request, status):
        return violations, [f"answer's body not checked: binary audio ({content_type!r}; the spec: any bytes)"]
    answer = MockResponse(body, status_code=status, headers={"Content-Type": content_type}, content_type=content_type)
    for error in spec.unmarshal_response(mock, answer).errors:
        if any(isinstance(cause, ResponseNotFound) for cause in _causes(error)):
            notes.append(f"answer not checked: the spec documents no {status} answer for this operation")
        else:
            violations.append("the answer breaks the spec: " + "\n".join(_describe(error)))
    return violations, notes


def _multipart_check(api: str, request: Recorded) -> tuple[list[BaseException], list[str]]:
    """A multipart request (OpenAI's transcriptions), checked here rather than by openapi-core,
    whose multipart reading keeps parts as bytes, lets a binary part fail ``type: string`` and
    fills absent array fields with ``[]``: the path and the bearer key through openapi-core (a
    copy of the request without its body), the form as JSON Schema (text parts as strings, numbers
    and booleans read as JSON, repeated ``name[]`` parts as arrays, the file part as a string)."""
    import jsonschema
    from openapi_core.testing import MockRequest

    spec = _openapi(api)
    bodiless = MockRequest(
        _HOSTS[api],
        request.method.lower(),
        request.path,
        headers={k: v for k, v in request.headers.items() if k != "content-type"},
    )
    errors = [
        error
        for error in spec.unmarshal_request(bodiless).errors
        if "body" not in type(error).__name__.lower()  # the body is checked below
    ]
    document = _repaired(api, copy.deepcopy(_document(api)))
    schema = _request_schema(document, api, request)
    if schema is None:
        return errors, ["the request: its operation documents no multipart/form-data body"]
    form = _form(request, schema, document)
    validator = jsonschema.Draft202012Validator({**schema, "components": document["components"]})
    problems = [
        f"the request breaks the spec: at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}"
        for e in validator.iter_errors(form)
    ]
    return errors, problems


def _request_schema(document: dict[str, Any], api: str, request: Recorded) -> dict[str, Any] | None:
    for template, item in document["paths"].items():
        operation = item.get(request.method.lower())
        if operation is not None and _path_matches(template, api, request.path):
            body = operation.get("requestBody", {})
            schema = body.get("content", {}).get("multipart/form-data", {}).get("schema")
            return dict(schema) if isinstance(schema, dict) else None
    return None


def _form(request: Recorded, schema: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """The multipart body as the JSON instance its schema describes (see `_multipart_check`)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    head = b"Content-Type: " + request.headers.get("content-type", "").encode() + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    target = schema
    while "$ref" in target:
        kind, ref_name = str(target["$ref"]).removeprefix("#/components/").split("/")
        target = document["components"][kind][ref_name]
    properties = target.get("properties", {})
    form: dict[str, Any] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        value: Any = "<file>" if part.get_filename() is not None else text
        key = name.removesuffix("[]")
        kinds = str(properties.get(key, {}).get("type", ""))
        if part.get_filename() is None and kinds in ("number", "integer", "boolean"):
            with suppress(ValueError):
                value = json.loads(value)
        if name.endswith("[]"):
            form.setdefault(key, []).append(value)
        else:
            form[key] = value
    return form


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def _binary_only(api: str, request: Recorded, status: int) -> bool:
    """The documented ``status`` answer of the operation is binary in every media type listed."""
    document = _document(api)
    for template, item in document["paths"].items():
        operation = item.get(request.method.lower())
        if operation is None or not _path_matches(template, api, request.path):
            continue
        content = operation.get("responses", {}).get(str(status), {}).get("content", {})
        return bool(content) and all(
            media.get("schema", {}).get("format") == "binary"
            for media_type, media in content.items()
            if media_type != "text/event-stream"
        )
    return False


def _path_matches(template: str, api: str, path: str) -> bool:
    prefix = "/v1" if api == OPENAI else ""
    regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(prefix + template))
    return re.fullmatch(regex, path) is not None


# --- Google (discovery) ---------------------------------------------------------------------------


@functools.cache
def google_discovery(api: str = GOOGLE_TTS) -> Discovery:
    """The discovery document of ``api`` (Text-to-Speech unless named)."""
    return Discovery(json.loads((SPECS / _GOOGLE_FILES[api]).read_text(encoding="utf-8")))


def _google_check(
    api: str, request: Recorded, *, status: int, content_type: str, body: bytes, off_spec: str
) -> tuple[list[str], list[str]]:
    discovery = google_discovery(api)
    method = discovery.method(request.method, request.path)
    if method is None:
        return [f"the request: {request.method} {request.path} is no method of {_GOOGLE_FILES[api]}"], []
    violations: list[str] = []
    sent: Any = None
    if request.body:
        try:
            sent = json.loads(request.body)
        except ValueError:
            violations.append("the request's body is not JSON")
    if not violations:
        problems = discovery.request_problems(method, query=request.query, body=sent, has_body=bool(request.body))
        violations.extend(f"the request breaks the spec: {p}" for p in problems)
    if off_spec:
        return violations, [f"answer not checked: served off the spec on purpose ({off_spec})"]
    if status != 200:
        return violations, [f"answer not checked: the discovery document describes no {status} answer"]
    if not content_type.startswith("application/json"):
        return [*violations, f"the answer breaks the spec: {content_type!r} is not JSON"], []
    try:
        answer = json.loads(body)
    except ValueError:
        return [*violations, "the answer breaks the spec: its body is not JSON"], []
    violations.extend(f"the answer breaks the spec: {p}" for p in discovery.response_problems(method, answer))
    return violations, []

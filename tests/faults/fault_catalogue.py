"""The faults of the matrix: what each does to a provider's requests, and what must come of it.

Each fault is given either to the first request it is for (``times=1``: a passing glitch the job
must ride out by retrying) or to every one (``times=None``: a lasting fault, after which the rule's
next provider must fill the notes). The expected outcome is the same for every provider:

* ``ok``: filled by the provider, with no more requests than without the fault;
* ``retried → ok``: filled by the provider after one more request than without the fault;
* ``fell back``: filled by the next provider; the failing one wrote no file. ``not_retried``
  faults (a refused key, a spent quota, a forbidden request) are never asked twice; the key and
  the quota stop the provider for the rest of the job after its first answer.

Thread safety: immutable data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from addon.core.media.types import MediaKind
from tests.faults.fault_targets import Target
from tests.support.fault_proxy import Answer, CutBody, Fault, Hang, Rewrite, Upstream

OK = "ok"
RETRIED = "retried → ok"
FELL_BACK = "fell back"
FAILED = "failed"

MEDIA_CAP_MB = 1
"""The job's ``max_media_mb`` in the matrix: small, so a body over it is quick to send."""

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Our service is "
    b"temporarily unavailable</h1><p>Please try again later.</p></body></html>"
)
JSON_INSTEAD = json.dumps(
    {"error": {"code": 503, "message": "The backend is temporarily unavailable; please try again later."}}
).encode()
BROKEN_JSON = b'{"data": [{"b64_json": "iVBORw0KGgoAAAANSUhEUgAAA'


@dataclass(frozen=True)
class FaultCase:
    key: str
    """The column's name in the matrix and the test id."""
    description: str
    expect: str
    times: int | None
    on: str
    """``api`` (the request that asks for media) or ``media`` (the answer that carries it)."""
    make: Callable[[Target], Fault | None]
    """The fault for a target; None: not applicable (the refused connection has no proxy fault)."""
    error: str = ""
    """What the failing provider's message must say (a regular expression, any case)."""
    not_retried: bool = False
    provider_wide: bool = False


def _padded(upstream: Upstream) -> Upstream:
    """The answer followed by filler to six times the cap (a JSON answer's filler is spaces): over
    the cap for media, and over what a JSON answer carrying a batch of three base64 files of the
    cap may be."""
    filler = (b" " if upstream.body[:1] in (b"{", b"[") else b"\0") * (MEDIA_CAP_MB * 1024 * 1024 * 6)
    return replace(upstream, body=upstream.body + filler)


def _wrong_type(upstream: Upstream) -> Upstream:
    return upstream.with_header("Content-Type", "text/plain; charset=utf-8")


def _quota(target: Target) -> Fault | None:
    return Answer(target.quota) if target.quota is not None else None


def _answer(status: int, body: bytes, content_type: str) -> Answer:
    from tests.support.fake_http import Reply

    return Answer(Reply(status, body, {"Content-Type": content_type}))


FAULTS: tuple[FaultCase, ...] = (
    FaultCase("none", "no fault: the provider's normal answer", OK, None, "api", lambda t: None),
    FaultCase("429+RA", "429 with Retry-After: 1", RETRIED, 1, "api", lambda t: Answer(t.rate_limited("1")), error="."),
    FaultCase("429", "429 without Retry-After", RETRIED, 1, "api", lambda t: Answer(t.rate_limited(None)), error="."),
    FaultCase("500", "500 Internal Server Error", RETRIED, 1, "api", lambda t: Answer(t.server_error(500)), error="."),
    FaultCase("502", "502 Bad Gateway", RETRIED, 1, "api", lambda t: Answer(t.server_error(502)), error="."),
    FaultCase("503", "503 Service Unavailable", RETRIED, 1, "api", lambda t: Answer(t.server_error(503)), error="."),
    FaultCase(
        "refused",
        "connection refused: nothing listens at the provider's address",
        FELL_BACK,
        None,
        "api",
        lambda t: None,
        error=r"connect|refused|reach|running|server at",
    ),
    FaultCase(
        "reset",
        "connection reset (RST) half-way through the body",
        RETRIED,
        1,
        "media",
        lambda t: CutBody(reset=True),
        error=".",
    ),
    FaultCase("hang", "the server accepts and never answers", RETRIED, 1, "api", lambda t: Hang(), error="."),
    FaultCase(
        "truncated",
        "Content-Length longer than the body sent, then the connection closes",
        RETRIED,
        1,
        "media",
        lambda t: CutBody(reset=False),
        error=".",
    ),
    FaultCase(
        "html-200",
        "an HTML error page with status 200 where media (or its JSON) was expected",
        FELL_BACK,
        None,
        "media",
        lambda t: _answer(200, HTML_ERROR_PAGE, "text/html; charset=utf-8"),
        error=r"html|web page|not (an? )?(audio|image|picture|sound|json)|json",
    ),
    FaultCase(
        "json",
        "JSON (an error envelope, status 200) where media was expected",
        FELL_BACK,
        None,
        "media",
        lambda t: _answer(200, JSON_INSTEAD, "application/json"),
        error=".",
    ),
    FaultCase(
        "wrong-type",
        "the real media with Content-Type: text/plain",
        OK,
        None,
        "media",
        lambda t: Rewrite(_wrong_type),
    ),
    FaultCase(
        "over-cap",
        f"a body six times the size cap (max_media_mb: {MEDIA_CAP_MB})",
        FELL_BACK,
        None,
        "media",
        lambda t: Rewrite(_padded),
        error=r"MiB|MB|large|size|big|limit",
    ),
    FaultCase(
        "bad-json",
        "status 200, Content-Type JSON, a body that is not valid JSON",
        FELL_BACK,
        None,
        "api",
        lambda t: _answer(200, BROKEN_JSON, "application/json"),
        error=r"json|not (an? )?(audio|image|picture|sound)|invalid|unreadable|cut short",
    ),
    FaultCase(
        "401",
        "401: the key is refused (the provider's own error body)",
        FELL_BACK,
        None,
        "api",
        lambda t: Answer(t.unauthorized),
        error=r"key|credential|token|password|auth",
        not_retried=True,
        provider_wide=True,
    ),
    FaultCase(
        "403",
        "403: forbidden (the provider's own error body)",
        FELL_BACK,
        None,
        "api",
        lambda t: Answer(t.forbidden),
        error=r".",
        not_retried=True,
    ),
    FaultCase(
        "quota",
        "the quota or credit is spent (the provider's own answer)",
        FELL_BACK,
        None,
        "api",
        _quota,
        error=r"quota|limit|credit|billing|balance|inactive|allowance|used up",
        not_retried=True,
        provider_wide=True,
    ),
)

FAULTS_BY_KEY = {fault.key: fault for fault in FAULTS}


def applies(fault: FaultCase, target: Target) -> bool:
    """False for the quota of an API that has none (the matrix says why)."""
    return not (fault.key == "quota" and target.quota is None)


def backup_for(target: Target) -> str:
    """The rule's next provider in the matrix: espeak (offline) for speech, another fake for pictures."""
    if target.kind is MediaKind.AUDIO:
        return "espeak"
    return "openai" if target.name == "sdwebui" else "sdwebui"

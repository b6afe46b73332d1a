"""A fake speech server on 127.0.0.1 that enforces a rate limit the way real APIs do, for the engine
tests and the benchmarks.

``POST /speak`` with ``{"text": ..., "language": ...}`` (EchoSpeech's wire format) is admitted by a
server-side token bucket (``rate_per_s`` tokens a second, ``burst`` tokens at most, full at start).
An admitted request waits ``latency_s`` and gets the body; one beyond the bucket gets at once a 429
with OpenAI's error envelope (``type: requests``, ``code: rate_limit_exceeded``) and a
``Retry-After`` header as integer seconds (≥ 1, rounded up from the time until the next token), as
an HTTP-date, or not at all. ``GET /health`` answers 200 and is not limited.

Thread safety: one thread per connection (daemon threads, a listen backlog of 128, so 40+ clients
may connect at once); the bucket and the counters are guarded by one lock. Read the counters from
any thread; they are exact once the clients' requests have returned.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

RetryAfterForm = Literal["seconds", "date", "none"]
Body = bytes | Callable[[str], bytes]


@dataclass
class RateLimitedServer:
    """What the server saw. ``url`` is its base URL (``http://127.0.0.1:PORT``); ``served`` and
    ``rejected`` count admitted and 429'd ``/speak`` requests; ``by_text`` counts every ``/speak``
    request per text (admitted or not) and ``served_by_text`` the admitted ones; ``served_at`` holds
    the `time.monotonic` time each admitted request was let through the bucket, in order."""

    url: str = ""
    served: int = 0
    rejected: int = 0
    by_text: Counter[str] = field(default_factory=Counter)
    served_by_text: Counter[str] = field(default_factory=Counter)
    served_at: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def requests(self) -> int:
        """Every ``/speak`` request, admitted or not."""
        with self.lock:
            return self.served + self.rejected


class _TokenBucket:
    """``rate`` tokens a second up to ``capacity``; full at start. Not locked: the caller holds the lock."""

    def __init__(self, *, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self._clock = clock
        self._stamp = clock()

    def take(self) -> float:
        """Take a token and return 0, or return the seconds until one is available (taking nothing)."""
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen backlog: the default 5 drops SYNs when 40 clients connect at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout under test) is expected; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _rate_limit_body(*, rate_per_s: float, wait_s: float) -> bytes:
    message = (
        f"Rate limit reached for requests per second (RPS): Limit {rate_per_s:g}, Used {rate_per_s:g}, "
        f"Requested 1. Please try again in {max(wait_s, 0.001):.3g}s."
    )
    error = {"message": message, "type": "requests", "param": None, "code": "rate_limit_exceeded"}
    return json.dumps({"error": error}).encode()


def _retry_after_header(form: RetryAfterForm, wait_s: float) -> str | None:
    if form == "seconds":
        return str(max(1, math.ceil(wait_s)))
    if form == "date":  # whole seconds only: round up, so waiting until then always finds a token
        return formatdate(math.ceil(time.time() + wait_s), usegmt=True)
    return None


@contextmanager
def serve_rate_limited(
    *,
    rate_per_s: float,
    burst: float | None = None,
    latency_s: float,
    body: Body,
    content_type: str = "audio/mpeg",
    retry_after: RetryAfterForm = "seconds",
) -> Iterator[RateLimitedServer]:
    """Run the server on a free loopback port for the ``with`` block and yield its `RateLimitedServer`.

    ``burst`` is the bucket's capacity (default: ``rate_per_s``, one second's worth, at least 1);
    ``body`` is the audio served, or a function of the request's text giving it.
    """
    if rate_per_s <= 0:
        raise ValueError("rate_per_s must be positive")
    if retry_after not in ("seconds", "date", "none"):
        raise ValueError(f"retry_after must be 'seconds', 'date' or 'none', not {retry_after!r}")
    state = RateLimitedServer()
    bucket = _TokenBucket(rate=rate_per_s, capacity=max(1.0, rate_per_s if burst is None else burst))

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _reply(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _error(self, status: int, message: str, code: str) -> None:
            error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
            self._reply(status, json.dumps({"error": error}).encode(), {"Content-Type": "application/json"})

        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/health":
                self._reply(200, b'{"status": "ok"}', {"Content-Type": "application/json"})
            else:
                self._error(404, f"Unknown path {self.path.split('?')[0]}", "not_found")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.split("?")[0] != "/speak":
                self._error(404, f"Unknown path {self.path.split('?')[0]}", "not_found")
                return
            try:
                text = str(json.loads(raw)["text"])
            except (ValueError, KeyError, TypeError):
                self._error(400, 'The body must be JSON with a "text" field.', "invalid_json")
                return
            with state.lock:
                state.by_text[text] += 1
                wait_s = bucket.take()
                if wait_s:
                    state.rejected += 1
                else:
                    state.served += 1
                    state.served_by_text[text] += 1
                    state.served_at.append(time.monotonic())
            if wait_s:
                headers = {"Content-Type": "application/json"}
                header = _retry_after_header(retry_after, wait_s)
                if header is not None:
                    headers["Retry-After"] = header
                self._reply(429, _rate_limit_body(rate_per_s=rate_per_s, wait_s=wait_s), headers)
                return
            time.sleep(latency_s)
            payload = body(text) if callable(body) else body
            self._reply(200, payload, {"Content-Type": content_type})

    httpd = _Server(("127.0.0.1", 0), _Handler)
    host, port = httpd.server_address[:2]
    state.url = f"http://{host!s}:{port}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="rate-limited-http", daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)

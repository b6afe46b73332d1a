"""``forvo``: pronunciations of words recorded by people, from Forvo's API (api.forvo.com).

One lookup per request (provider_apis.md §3.1), parameters as ``name/value`` path segments::

    GET {base_url}/key/{key}/format/json/action/word-pronunciations/word/{word}/language/{lang}
        [/sex/{m|f}]/order/{order}

The word is percent-encoded as UTF-8 (spaces as ``%20``, ``/`` as ``%2F``). The language is the
request's (``pt-BR`` → ``pt``: the part before ``-``, unless the ``languages`` setting maps the code
to another Forvo code, e.g. ``{"zh-HK": "yue"}``).

The answer's items are filtered and ranked by the settings (`answers.ranked`); the best one's
``pathmp3`` (``pathogg`` only for an Ogg-only item with ``allow_ogg``) is downloaded; when that file
is dead or not audio, the next item is tried (`first_acceptable`), at most `MAX_DOWNLOAD_TRIES`
downloads. Network trouble or a rate limit ends the request at once: every try costs a request of
the daily limit. Error answers are read as `answers` says. No items → `NotFoundError`: the job
falls back to the rule's next provider, which is not a failure.

Daily limit (§3.4): every lookup and every audio download counts as a request. The provider counts
both in a JSON file (`daily_counter`; ``counter_file``, by default ``forvo_counter.json`` in the
provider's ``state_dir``: the add-on's ``user_files`` folder, or the job's state folder) and refuses
with `QuotaError`, *without calling Forvo*, once ``daily_limit`` requests were made since the last
reset. Every request sent is counted, even one that failed. When Forvo itself says the limit is
reached, the counter is set to the limit, so later jobs wait for the reset too. A provider built
outside a registry has no ``state_dir``: it then needs ``counter_file`` as a full path
(`setup_problem` says so, and nothing is sent).

Licensing (§3.4): Forvo requires the credit "Pronunciations by Forvo" with a link; each result
carries it as its `Attribution` (speaker, word page on forvo.com).

Thread safety: `generate` may run on several worker threads at once. Each thread uses its own HTTP
session (`HttpClient`); the daily counter is shared safely (see `daily_counter`). Nothing connects
before the first request; `close` is called once, after every `generate` has returned.
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from ....core.base.errors import ConfigError, NotFoundError, PermanentError, ProviderError, QuotaError, TransientError
from ....core.media.types import Attribution, MediaRequest, MediaResult
from ....core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, KeyUse, Setting
from ...http.candidates import all_acceptable
from ...http.health_probe import probe_health
from ...http.service import HttpProvider
from .answers import LIMIT_REACHED, ORDERS, SEXES, lookup_items, ranked
from .daily_counter import COUNTER_FILE_NAME, DailyCounter, until_text, utc_now

DEFAULT_BASE_URL = "https://apifree.forvo.com"
USER_AGENT = "MediaFill/0.1.0 (Anki add-on Media Fill; https://ankiweb.net/shared/addons) Forvo pronunciations"
DEFAULT_ORDER = "rate-desc"
DEFAULT_DAILY_LIMIT = 500  # the historical free plan (§3.4); paid plans allow more
MAX_WORD_CHARS = 100  # Forvo has words and short phrases; a sentence is never found, so it is not asked
MAX_DOWNLOAD_TRIES = 2  # each download counts against the daily limit
HEALTH_WORD = ("hello", "en")
CREDIT = "Pronunciations by Forvo"
CREDIT_URL = "https://forvo.com/"
_NAMES_PATTERN = {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True}


class ForvoPronunciations(HttpProvider, AudioProvider):
    """Forvo word pronunciations; see the module docstring (threading rules included)."""

    name = "forvo"
    title = "Forvo"
    default_base_url = DEFAULT_BASE_URL
    default_user_agent = USER_AGENT
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

    allow_ogg = Setting("allow_ogg", bool, False)
    daily_limit = Setting("daily_limit", int, DEFAULT_DAILY_LIMIT)

    def _counter_file(self) -> Path:
        configured = str(self.settings.get("counter_file", "") or "").strip()
        return Path(configured).expanduser() if configured else Path(COUNTER_FILE_NAME)

    @property
    def counter_path(self) -> Path:
        """``counter_file`` (empty: ``forvo_counter.json``), a relative path taken in `state_dir`;
        `ConfigError` when it is relative and there is no `state_dir`."""
        path = self._counter_file()
        if path.is_absolute():
            return path
        if self.state_dir is None:
            raise ConfigError(self._no_counter_folder(), provider=self.name)
        return self.state_dir / path

    def _no_counter_folder(self) -> str:
        return (
            f"has no folder for its daily request counter: set {self.setting_path('counter_file')} "
            "to the full path of a file"
        )

    def setup_problem(self) -> str | None:
        problem = super().setup_problem()
        if problem is None and self.state_dir is None and not self._counter_file().is_absolute():
            return self._no_counter_folder()
        return problem

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
        return self._pronunciations(request, limit=1, max_tries=MAX_DOWNLOAD_TRIES)[0]

    def candidates(self, request: MediaRequest, *, limit: int) -> list[MediaResult]:
        """Up to ``limit`` pronunciations of the word, ranked as for `generate`, each captioned with
        its speaker, country and votes. Every download counts against the daily limit."""
        return self._pronunciations(request, limit=limit, max_tries=limit + MAX_DOWNLOAD_TRIES - 1)

    def _pronunciations(self, request: MediaRequest, *, limit: int, max_tries: int) -> list[MediaResult]:
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
        candidates = ranked(
            items, language=language, settings=self.settings, sex=self.sex, order=self.order, file_url=self._file_url
        )
        if not candidates:
            raise NotFoundError(self._nothing_found(word, language, found=len(items)), provider=self.name)
        chosen = all_acceptable(
            candidates,
            lambda item: self.download(self._file_url(item)),
            provider=self.name,
            what="the pronunciation's file",
            limit=limit,
            max_tries=max_tries,
            describe=lambda item: f"pronunciation {item.get('id', '?')}",
            ends_request=self._ends_request,
            before_each=self._count_request,
        )
        return [
            self.result(
                request,
                data=each.data,
                extension=each.extension,
                started=started,
                attribution=self._attribution(each.candidate, word, language),
                caption=_caption(each.candidate),
            )
            for each in chosen
        ]

    def _lookup(self, word: str, language: str, *, extra: Sequence[tuple[str, str]] = ()) -> list[Mapping[str, Any]]:
        """One word-pronunciations call: its items (maybe none), or the error it means."""
        self._count_request()
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
        response = self._http.send(
            "GET",
            f"{self.base_url}/{path}",
            timeout_s=self.timeout_s,
            headers={"Accept": "application/json"},
            shown_url=self.base_url,  # the path holds the key
        )
        return lookup_items(response, provider=self, limit_reached=self._server_limit)

    def _count_request(self) -> None:
        if not self.counter.take(limit=self.daily_limit):
            raise QuotaError(
                f"the daily limit of {self.daily_limit} Forvo requests ({self.setting_path('daily_limit')}) is reached, "
                f"so nothing was sent to Forvo; it resets {until_text(self._clock())}. Raise the limit if your "
                "Forvo plan allows more",
                provider=self.name,
            )

    def _server_limit(self, shown: str) -> QuotaError:
        self.counter.mark_spent(limit=self.daily_limit)
        return QuotaError(
            f"Forvo says the daily request limit of the key's plan is reached ({shown}); it resets "
            f"{until_text(self._clock())}",
            provider=self.name,
        )

    def _ends_request(self, error: ProviderError) -> ProviderError | None:
        """What ends a request instead of trying the next pronunciation: network trouble and rate
        limits (each try costs a request of the daily limit), and the audio URLs saying the limit
        is reached (§3.3)."""
        if isinstance(error, TransientError):
            return error
        if LIMIT_REACHED in error.message.lower():
            return self._server_limit("Limit/day reached.")
        return None

    # -- choosing ---------------------------------------------------------------------------------

    def _file_url(self, item: Mapping[str, Any]) -> str:
        mp3 = str(item.get("pathmp3") or "")
        if mp3:
            return mp3
        return str(item.get("pathogg") or "") if self.allow_ogg else ""

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
        return probe_health(self, self._look_up_health_word)

    def _look_up_health_word(self) -> str:
        word, language = HEALTH_WORD
        with contextlib.suppress(NotFoundError):  # an answer all the same: the key works
            self._lookup(word, language, extra=[("limit", "1")])
        return (
            f"the API key works; {self.counter.used()} of {self.daily_limit} requests used since the last reset "
            f"(next {until_text(self._clock())})"
        )


def _caption(item: Mapping[str, Any]) -> str:
    """ "maria (Spain), 3 votes, rated 2": who recorded a pronunciation and how others rated it."""
    user = str(item.get("username") or "someone")
    country = str(item.get("country") or "")
    votes = _whole(item.get("num_votes"))
    rate = _whole(item.get("rate"))
    parts = [f"{user} ({country})" if country else user, f"{votes} vote{'' if votes == 1 else 's'}"]
    if votes:
        parts.append(f"rated {rate}")
    return ", ".join(parts)


def _whole(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0

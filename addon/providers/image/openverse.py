"""``openverse``: openly licensed images from the Openverse catalogue (WordPress), with their credit.

One search per request, ``GET {base_url}/v1/images/?q=…&page_size=…&mature=false`` plus the licence
filters of the settings (``license``, ``license_type``), then one download: the image's thumbnail
(``/v1/images/{id}/thumb/``, Openverse's own resizing proxy: about 600 px wide, compressed, and
throttled apart from searches) or, with ``use_thumbnail`` off, the original file on its host
(Flickr, Wikimedia…), which may be large or gone. The first result that downloads as a real image
wins; a result whose file is dead, not an image or refused is passed over for the next one, at most
`MAX_DOWNLOAD_TRIES` of them. The result carries its `Attribution` (creator, licence such as
"CC BY 2.0", licence and landing page URLs, title).

No key is needed. Anonymous use is throttled per IP address (third parties report 20 searches a
minute and 200 a day; unconfirmed). An optional OAuth2 access token (``api_key``, sent as
``Authorization: Bearer …``) raises that to 100 a minute and 10,000 a day; Openverse's tokens expire
after 12 hours. Wire format and errors: provider_apis.md §8.2 and the Openverse API source.

Thread safety: `generate` may run on several worker threads at once; each thread uses its own HTTP
session (`HttpClient`) and the provider keeps no other state. Nothing connects before the first
request. `close` is called once, after every `generate` has returned.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
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
    RateLimitError,
)
from ...core.base.log import get_logger
from ...core.media.types import Attribution, MediaRequest, MediaResult
from ...core.provider_system.media_provider import Capabilities, HealthReport, ImageProvider, KeyUse, Setting
from ..http.candidates import all_acceptable
from ..http.client import json_body, json_or_none, status_error
from ..http.download import display_url
from ..http.health_probe import probe_health
from ..http.service import HttpProvider
from ..http.status import parse_retry_after, quoted_excerpt, server_excerpt, wait_text

log = get_logger(__name__)

DEFAULT_BASE_URL = "https://api.openverse.org"
USER_AGENT = "MediaFill/0.1.0 (Anki add-on Media Fill; https://ankiweb.net/shared/addons) Openverse image search"

# Every licence code the API knows (api/constants/licenses.py); PDM and CC0 are marks, not licences.
LICENSES = ("by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd", "cc0", "pdm", "sampling+", "nc-sampling+")
LICENSE_TYPES = ("all", "all-cc", "commercial", "modification")
PUBLIC_DOMAIN_MARKS = frozenset({"cc0", "pdm"})
DEFAULT_LICENSES = ("by", "by-sa", "cc0", "pdm")
MAX_QUERY_CHARS = 200  # the API truncates longer queries itself
MAX_ANONYMOUS_PAGE_SIZE = 20  # more without a token is refused with HTTP 401
DEFAULT_PAGE_SIZE = 5
MAX_DOWNLOAD_TRIES = 3
# Throttled for longer than this means the daily (sustained) allowance is spent, not the per-minute one.
DAILY_LIMIT_AFTER_S = 600.0
# File types of originals the media check accepts; others (svg, tiff) are passed over.
IMAGE_FILETYPES = frozenset({"jpg", "jpeg", "png", "gif", "webp"})
# Search parameters and the setting each comes from, for the API's 400 "{detail: {param: [...]}}".
PARAMETER_SETTINGS = {
    "license": "licenses",
    "license_type": "license_type",
    "page_size": "page_size",
}
HEALTH_QUERY = "apple"


def license_name(code: str, version: str | None) -> str:
    """The licence's display name as Openverse writes it: "CC BY-SA 4.0", "CC0 1.0",
    "Public Domain Mark 1.0" (api/utils/licenses.py)."""
    code = code.lower()
    name = "Public Domain Mark" if code == "pdm" else code.upper().replace("SAMPLING", "Sampling")
    if version:
        name = f"{name} {version}"
    if code not in PUBLIC_DOMAIN_MARKS:
        name = f"CC {name}"
    return name.strip()


class OpenverseImages(HttpProvider, ImageProvider):
    """Image search in Openverse; see the module docstring (threading rules included)."""

    name = "openverse"
    title = "Openverse"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "Openly licensed pictures found in Openverse (Flickr, Wikimedia Commons, museums…), with their credit. "
        "No key needed; an optional access token raises the rate limits."
    )
    capabilities = Capabilities(key=KeyUse.OPTIONAL, http=True)
    default_max_concurrency = 1
    priority = 320  # a found picture, after generated ones and Wikimedia Commons
    default_user_agent = USER_AGENT
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "licenses": {"type": "array", "items": {"enum": list(LICENSES)}, "uniqueItems": True},
        "license_type": {"type": "array", "items": {"enum": list(LICENSE_TYPES)}, "uniqueItems": True},
        "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_ANONYMOUS_PAGE_SIZE},
        "use_thumbnail": {"type": "boolean"},
    }

    # -- settings ---------------------------------------------------------------------------------

    @property
    def licenses(self) -> list[str]:
        return _codes(self.settings.get("licenses", DEFAULT_LICENSES))

    @property
    def license_types(self) -> list[str]:
        return _codes(self.settings.get("license_type", ()))

    page_size = Setting("page_size", int, DEFAULT_PAGE_SIZE)
    use_thumbnail = Setting("use_thumbnail", bool, True)

    def setup_problem(self) -> str | None:
        problem = super().setup_problem()
        if problem is not None:
            return problem
        if not self.api_key and self.page_size > MAX_ANONYMOUS_PAGE_SIZE:
            return (
                f"asks for {self.page_size} results a page, more than the {MAX_ANONYMOUS_PAGE_SIZE} allowed "
                f"without an access token: lower {self.setting_path('page_size')}"
            )
        return None

    # -- requests ---------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _search_params(self, query: str, *, page_size: int) -> dict[str, str]:
        params = {"q": query[:MAX_QUERY_CHARS], "page_size": str(page_size), "mature": "false"}
        if self.licenses:
            params["license"] = ",".join(self.licenses)
        if self.license_types:
            params["license_type"] = ",".join(self.license_types)
        return params

    def _search(self, query: str, *, page_size: int) -> requests.Response:
        return self._http.send(
            "GET",
            f"{self.base_url}/v1/images/",
            timeout_s=self.timeout_s,
            params=self._search_params(query, page_size=page_size),
            headers=self._headers(),
        )

    def generate(self, request: MediaRequest) -> MediaResult:
        return self._pictures(request, limit=1, page_size=self.page_size)[0]

    def candidates(self, request: MediaRequest, *, limit: int) -> list[MediaResult]:
        """Up to ``limit`` pictures of one search (a page of at least ``limit`` results, at most
        the anonymous maximum), each downloaded as `generate` downloads one."""
        page_size = min(max(self.page_size, limit), MAX_ANONYMOUS_PAGE_SIZE)
        return self._pictures(request, limit=limit, page_size=page_size)

    def _pictures(self, request: MediaRequest, *, limit: int, page_size: int) -> list[MediaResult]:
        query = " ".join(request.text.split())
        if not query:
            raise NotFoundError("there is no text to search pictures for", provider=self.name)
        started = time.monotonic()
        response = self._search(query, page_size=page_size)
        results = self._results(response)
        candidates = [result for result in results if self._usable(result)]
        if not candidates:
            raise NotFoundError(self._nothing_found(query, found=len(results)), provider=self.name)
        chosen = all_acceptable(
            candidates,
            lambda result: self.download(self._file_url(result)),
            provider=self.name,
            what="the picture",
            limit=limit,
            max_tries=max(MAX_DOWNLOAD_TRIES, limit + MAX_DOWNLOAD_TRIES - 1),
            describe=lambda result: f"picture {result.get('id', '?')}",
        )
        return [
            self.result(
                request,
                data=each.data,
                extension=each.extension,
                started=started,
                attribution=self._attribution(each.candidate),
            )
            for each in chosen
        ]

    def _nothing_found(self, query: str, *, found: int) -> str:
        shown = query if len(query) <= 60 else query[:59] + "…"
        if found:
            return f"Openverse found no usable picture for {shown!r} ({found} results, none a downloadable picture)"
        filters = ", ".join(self.licenses + self.license_types)
        allowed = f" under the licences allowed ({filters}; see {self.setting_path('licenses')})" if filters else ""
        return f"Openverse found no picture for {shown!r}{allowed}"

    def _results(self, response: requests.Response) -> list[Mapping[str, Any]]:
        """The search's result list, or the error its status means."""
        error = self._error_for(response)
        if error is not None:
            raise error
        body = json_body(response, provider=self.name)
        results = body.get("results") if isinstance(body, Mapping) else None
        if not isinstance(results, list):
            raise InvalidResponseError(
                "Openverse answered a search without a result list; the API may have changed", provider=self.name
            )
        return [result for result in results if isinstance(result, Mapping)]

    def _usable(self, result: Mapping[str, Any]) -> bool:
        """Whether a result is worth downloading: not marked mature, of an allowed licence (the server
        filters already; this guards against a server that ignored the filter), of a file type the
        media check takes, and with an address to download."""
        if result.get("mature") is True:
            return False
        license_code = str(result.get("license") or "").lower()
        if self.licenses and license_code not in self.licenses:
            return False
        filetype = str(result.get("filetype") or "").lower()
        if filetype and filetype not in IMAGE_FILETYPES:
            return False
        return bool(self._file_url(result))

    def _file_url(self, result: Mapping[str, Any]) -> str:
        thumbnail = str(result.get("thumbnail") or "")
        original = str(result.get("url") or "")
        if self.use_thumbnail:
            if not thumbnail and result.get("id"):
                thumbnail = f"{self.base_url}/v1/images/{result['id']}/thumb/"
            return thumbnail or original
        return original

    @staticmethod
    def _attribution(result: Mapping[str, Any]) -> Attribution:
        code = str(result.get("license") or "")
        version = result.get("license_version")
        return Attribution(
            author=str(result.get("creator") or ""),
            license=license_name(code, str(version) if version else None) if code else "",
            license_url=str(result.get("license_url") or ""),
            source_url=str(result.get("foreign_landing_url") or ""),
            title=str(result.get("title") or ""),
        )

    # -- errors -----------------------------------------------------------------------------------

    def _error_for(self, response: requests.Response) -> ProviderError | None:
        """Openverse's error answers (Django REST framework: ``{"detail": "…"}``, validation errors
        ``{"detail": {"param": ["…"]}}``) as the add-on's errors; None for a 2xx."""
        status = response.status_code
        if 200 <= status < 300:
            return None
        detail = _detail(response)
        said = quoted_excerpt(detail)
        if status == 400:
            return self._bad_request(response, said)
        if status == 401:
            if not self.api_key:
                if "less than or equal to" in detail:  # DRF's words for a page size over the anonymous maximum
                    return ConfigError(
                        f"Openverse refused a search without an access token (HTTP 401){said}; lower "
                        f"{self.setting_path('page_size')} to {MAX_ANONYMOUS_PAGE_SIZE} or less",
                        provider=self.name,
                    )
                return AuthError(
                    f"Openverse refused a search without an access token (HTTP 401){said}; an access token in "
                    f"{self.setting_path('api_key')} may be needed",
                    provider=self.name,
                )
            return AuthError(
                f"Openverse refused the access token (HTTP 401){said}. Tokens expire after 12 hours: put a new one "
                f"in {self.setting_path('api_key')}, or empty it to search without a token",
                provider=self.name,
            )
        if status == 403:
            return AuthError(
                f"Openverse refused access (HTTP 403){said}; the access token's application may be revoked: put "
                f"another token in {self.setting_path('api_key')}, or empty it to search without a token",
                provider=self.name,
            )
        if status == 404:  # the API's own paths always exist: the address is wrong
            return ConfigError(
                f"there is no Openverse API at {display_url(response.url)} (HTTP 404); set "
                f"{self.setting_path('base_url')} to the server's root, e.g. {DEFAULT_BASE_URL} (without /v1)",
                provider=self.name,
            )
        if status == 429:
            return self._throttled(response, said)
        return status_error(response, provider=self.name, message=server_excerpt(detail) if detail else None)

    def _throttled(self, response: requests.Response, said: str) -> ProviderError:
        retry_after = parse_retry_after(response.headers)
        who = "this access token" if self.api_key else "searches without an access token"
        if retry_after is not None and retry_after > DAILY_LIMIT_AFTER_S:
            hours = retry_after / 3600
            when = f"{hours:.0f} hours" if hours >= 1.5 else f"{retry_after / 60:.0f} minutes"
            hint = "" if self.api_key else f"; an access token in {self.setting_path('api_key')} allows more"
            return QuotaError(
                f"Openverse's daily allowance for {who} is used up (HTTP 429): it is available again in about "
                f"{when}{hint}",
                provider=self.name,
            )
        return RateLimitError(
            f"Openverse is throttling {who} (HTTP 429){wait_text(retry_after)}{said}",
            provider=self.name,
            retry_after=retry_after,
        )

    def _bad_request(self, response: requests.Response, said: str) -> ProviderError:
        problems = _field_problems(response)
        for parameter, message in problems.items():
            setting = PARAMETER_SETTINGS.get(parameter)
            if setting is not None:
                return ConfigError(
                    f"Openverse rejected the search's {parameter} (HTTP 400): {message} — check "
                    f"{self.setting_path(setting)}",
                    provider=self.name,
                )
        if problems:
            parameter, message = next(iter(problems.items()))
            return PermanentError(
                f"Openverse rejected the search's {parameter} (HTTP 400): {message}", provider=self.name
            )
        return PermanentError(f"Openverse rejected the search (HTTP 400){said}", provider=self.name)

    # -- health -----------------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """With a token: ``GET /v1/rate_limit/`` (the token's own usage, costs no search). Without:
        one search for one result, which checks the licence settings too and reads how many
        anonymous searches are left from the ``X-RateLimit-Available-*`` headers."""
        return probe_health(self, self._check_token if self.api_key else self._check_anonymous)

    def _check_token(self) -> str:
        response = self._http.send(
            "GET", f"{self.base_url}/v1/rate_limit/", timeout_s=self.timeout_s, headers=self._headers()
        )
        error = self._error_for(response)
        if error is not None:
            raise error
        body = json_body(response, provider=self.name)
        if not isinstance(body, Mapping):
            raise InvalidResponseError(
                "Openverse answered the token check with something unexpected", provider=self.name
            )
        model = body.get("rate_limit_model") or "unknown"
        used = f"{body.get('requests_this_minute') or 0} requests this minute, {body.get('requests_today') or 0} today"
        message = f"the access token works (rate limit model {model}; {used})"
        if body.get("verified") is False:
            message += "; its e-mail address is not verified yet, so anonymous limits apply"
        return message

    def _check_anonymous(self) -> str:
        response = self._search(HEALTH_QUERY, page_size=1)
        self._results(response)
        left = [
            f"{response.headers[f'X-RateLimit-Available-{scope}']} of {response.headers[f'X-RateLimit-Limit-{scope}']}"
            for scope in ("anon_burst", "anon_sustained")
            if f"X-RateLimit-Available-{scope}" in response.headers and f"X-RateLimit-Limit-{scope}" in response.headers
        ]
        return "searching works without an access token" + (f" ({', '.join(left)} searches left)" if left else "")


def _codes(value: Any) -> list[str]:
    """A list setting's codes, lower-cased; a comma-separated string is taken too."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return [str(item).strip().lower() for item in items if str(item).strip()]


def _detail(response: requests.Response) -> str:
    """The text of an error answer: DRF's ``detail`` (a string, or the first field's first message),
    else the body itself (an HTML error page of a proxy, reduced to text later)."""
    body = json_or_none(response)
    if isinstance(body, Mapping):
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        problems = _problems_in(detail)
        if problems:
            return "; ".join(f"{name}: {message}" for name, message in problems.items())
    return response.text[:8192]


def _field_problems(response: requests.Response) -> dict[str, str]:
    body = json_or_none(response)
    return _problems_in(body.get("detail") if isinstance(body, Mapping) else None)


def _problems_in(detail: Any) -> dict[str, str]:
    """``{"param": ["message", …]}`` or ``{"param": "message"}`` → {param: first message}."""
    if not isinstance(detail, Mapping):
        return {}
    problems: dict[str, str] = {}
    for name, messages in detail.items():
        if isinstance(messages, list) and messages:
            problems[str(name)] = str(messages[0])
        elif isinstance(messages, str):
            problems[str(name)] = messages
    return problems

"""Reading Forvo's answers (provider_apis.md §3.2-3.3): the pronunciations of a lookup, in the order
the settings want, or the error the answer means.

Errors arrive as a JSON array of one string (§3.3): ``["Limit/day reached."]`` → `QuotaError`
(never retried; also sent by the audio URLs once the quota is spent); ``["Calling from incorrect
domain."]`` (a wrong key, or a key bound to another domain) → `AuthError`; ``["Invalid value…"]`` →
`PermanentError`; 429 → `RateLimitError` with its ``Retry-After``; 5xx → `TransientError`. A 404
means ``base_url`` is not the API's root (its own paths always answer) → `ConfigError`.

Ranking: the items of ``blocked_users``, of the other sex when ``sex`` is set, of another language,
and those without an MP3 (an Ogg-only item is kept when ``allow_ogg`` is on) are dropped; the rest
come ``preferred_users`` first (in their order), then ``preferred_countries`` (in their order,
matched against the country *names* Forvo returns, e.g. "United Kingdom"), then items with an MP3,
then by ``order`` (``rate-desc``: best rated, most votes first; ``date-desc``: newest first; …).

Thread safety: pure functions of their arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import requests

from ....core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    PermanentError,
    ProviderError,
    QuotaError,
)
from ....core.provider_system.media_provider import MediaProvider
from ...http.client import failure, json_or_none, status_error
from ...http.download import display_url
from ...http.status import server_excerpt

ORDERS = ("rate-desc", "rate-asc", "date-desc", "date-asc")
SEXES = ("", "m", "f")
LIMIT_REACHED = "limit/day reached"
WRONG_KEY = "incorrect domain"


def lookup_items(
    response: requests.Response, *, provider: MediaProvider, limit_reached: Callable[[str], QuotaError]
) -> list[Mapping[str, Any]]:
    """The items of a word-pronunciations answer (maybe none), or the error it means.
    ``limit_reached`` makes the error for Forvo's "Limit/day reached." from what it said."""
    body = json_or_none(response)
    if isinstance(body, list):  # Forvo's error: a JSON array of one string (§3.3)
        said = " ".join(str(part) for part in body).strip()
        raise _forvo_error(response, said, provider=provider, limit_reached=limit_reached)
    status = response.status_code
    if status == 404:  # the API's own paths always answer: the address is wrong
        raise ConfigError(
            f"there is no Forvo API at {display_url(provider.base_url)} (HTTP 404); set "
            f"{provider.setting_path('base_url')} to the API's root, e.g. {provider.default_base_url}",
            provider=provider.name,
        )
    if status in (401, 403):
        raise AuthError(
            f"Forvo refused the request (HTTP {status}); check {provider.setting_path('api_key')}",
            provider=provider.name,
        )
    if not 200 <= status < 300:
        raise failure(response, provider=provider.name)
    if body is None:
        kind = response.headers.get("Content-Type", "no content type")
        raise InvalidResponseError(
            f"Forvo answered with something that is not JSON ({kind}); check {provider.setting_path('base_url')}",
            provider=provider.name,
        )
    items = body.get("items") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise InvalidResponseError(
            "Forvo answered without a list of pronunciations; the API may have changed", provider=provider.name
        )
    return [item for item in items if isinstance(item, Mapping)]


def _forvo_error(
    response: requests.Response,
    said: str,
    *,
    provider: MediaProvider,
    limit_reached: Callable[[str], QuotaError],
) -> ProviderError:
    lowered = said.lower()
    shown = server_excerpt(said) or f"HTTP {response.status_code}"
    if LIMIT_REACHED in lowered:
        return limit_reached(shown)
    if WRONG_KEY in lowered or re.search(r"\bkey\b", lowered):
        return AuthError(
            f"Forvo refused the API key ({shown}): check {provider.setting_path('api_key')}; a Forvo key works only "
            "for the domain or application it was registered for",
            provider=provider.name,
        )
    if lowered.startswith("invalid value"):
        return PermanentError(
            f"Forvo rejected the request ({shown}); check the rule's language and {provider.setting_path('languages')}",
            provider=provider.name,
        )
    generic = status_error(response, provider=provider.name, message=shown)
    return generic or PermanentError(f"Forvo answered with an error: {shown}", provider=provider.name)


def ranked(
    items: Sequence[Mapping[str, Any]],
    *,
    language: str,
    settings: Mapping[str, Any],
    sex: str,
    order: str,
    file_url: Callable[[Mapping[str, Any]], str],
) -> list[Mapping[str, Any]]:
    """The items the settings allow, best first (see the module docstring); ``file_url`` is the
    file an item would be downloaded from ("" for none)."""
    blocked = set(_names(settings.get("blocked_users", ())))
    users = _names(settings.get("preferred_users", ()))
    countries = _names(settings.get("preferred_countries", ()))
    allowed = [
        item
        for item in items
        if str(item.get("username") or "").strip().casefold() not in blocked
        and (not sex or str(item.get("sex") or "").lower() == sex)
        and (not item.get("code") or str(item.get("code")).lower() == language.lower())
        and file_url(item)
    ]

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

"""The first candidate whose file downloads as real media, for providers whose answer lists several
(image search, pronunciation dictionaries): the best one's link may be dead, its host may refuse,
its bytes may be an HTML page.

`first_acceptable` tries the candidates in order, at most ``max_tries`` of them. A candidate's own
failure passes on to the next one (logged); an error that concerns the whole request (by default a
rate limit, which the job waits out) ends it at once. When every try failed, it gives up with one
error that says what happened without speaking for the provider:

* a retryable error, when one came (a host that timed out): the job tries the request again later;
* else bytes that were not the media (`InvalidResponseError`), which the job retries once;
* else a `PermanentError` "<what> could not be downloaded: …": a refusal (401, 402, 403), a dead
  link (404) or a refused address concerns that one file, so it neither stops the provider for the
  job (as an `AuthError` or `QuotaError` would) nor passes for "nothing found" (`NotFoundError`).

Thread safety: a pure function of its arguments; it blocks on whatever ``fetch`` does (the network),
so it runs on a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ...core.base.errors import InvalidResponseError, PermanentError, ProviderError, RateLimitError
from ...core.base.log import get_logger

log = get_logger(__name__)

C = TypeVar("C")


@dataclass(frozen=True)
class Chosen(Generic[C]):
    """The candidate that gave real media, with its bytes and their extension."""

    candidate: C
    data: bytes
    extension: str


def ends_on_rate_limit(error: ProviderError) -> ProviderError | None:
    """The default of ``ends_request``: a rate limit ends the request (the next candidate would be
    refused just the same); anything else passes on to the next candidate."""
    return error if isinstance(error, RateLimitError) else None


def first_acceptable(
    candidates: Sequence[C],
    fetch: Callable[[C], tuple[bytes, str]],
    *,
    provider: str,
    what: str,
    max_tries: int,
    describe: Callable[[C], str] = str,
    ends_request: Callable[[ProviderError], ProviderError | None] = ends_on_rate_limit,
    before_each: Callable[[], None] | None = None,
) -> Chosen[C]:
    """The first of ``candidates`` (at most ``max_tries``) that ``fetch`` turns into ``(data,
    extension)``, or the error to give up with (see the module docstring).

    ``what`` names a candidate's file in the give-up message ("the image"); ``describe`` names a
    candidate in the log. ``ends_request`` is asked about each error: it returns the error to raise
    at once (maybe another one, e.g. a quota that the file's host announced), or None to try the next
    candidate. ``before_each`` runs before each try, outside all this: what it raises ends the
    request (a budget of requests, such as Forvo's daily count)."""
    return all_acceptable(
        candidates,
        fetch,
        provider=provider,
        what=what,
        limit=1,
        max_tries=max_tries,
        describe=describe,
        ends_request=ends_request,
        before_each=before_each,
    )[0]


def all_acceptable(
    candidates: Sequence[C],
    fetch: Callable[[C], tuple[bytes, str]],
    *,
    provider: str,
    what: str,
    limit: int,
    max_tries: int | None = None,
    describe: Callable[[C], str] = str,
    ends_request: Callable[[ProviderError], ProviderError | None] = ends_on_rate_limit,
    before_each: Callable[[], None] | None = None,
) -> list[Chosen[C]]:
    """Like `first_acceptable`, for choosing among several: every one of ``candidates`` that
    ``fetch`` turns into real media, in order, until ``limit`` are found, trying at most
    ``max_tries`` (default: twice ``limit``); a candidate that fails is passed over. An error that
    ends the request ends it at once, unless some were found already (those are returned). None
    found → the error `first_acceptable` gives up with."""
    chosen: list[Chosen[C]] = []
    errors: list[ProviderError] = []
    tries = 2 * limit if max_tries is None else max_tries
    for candidate in candidates[:tries]:
        if len(chosen) >= limit:
            break
        if before_each is not None:
            before_each()
        try:
            data, extension = fetch(candidate)
        except ProviderError as exc:
            final = ends_request(exc)
            if final is not None:
                if chosen:  # what came already is still worth showing
                    break
                if final is exc:
                    raise
                raise final from None
            log.info("%s: %s passed over: %s", provider, describe(candidate), exc.message)
            errors.append(exc)
            continue
        chosen.append(Chosen(candidate, data, extension))
    if not chosen:
        raise give_up(errors, provider=provider, what=what)
    return chosen


def give_up(errors: Sequence[ProviderError], *, provider: str, what: str) -> ProviderError:
    """The one error for a request none of whose candidates gave media (see the module docstring)."""
    if not errors:
        return PermanentError(f"{what} could not be downloaded: there was nothing to try", provider=provider)
    retryable = next((error for error in errors if not isinstance(error, PermanentError)), None)
    if retryable is not None:
        return retryable
    invalid = next((error for error in errors if isinstance(error, InvalidResponseError)), None)
    if invalid is not None:
        return invalid
    return PermanentError(f"{what} could not be downloaded: {errors[0].message}", provider=provider)

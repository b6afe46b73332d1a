"""`first_acceptable`, the download loop of the providers whose answers list several candidates
(Openverse, Forvo): the first that gives media wins, a candidate's own failure passes on, a rate
limit ends the request, and giving up says what happened without speaking for the provider."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from addon.core.base.errors import (
    AuthError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from addon.providers.http.candidates import first_acceptable, give_up

PNG = (b"\x89PNG...", "png")


class Files:
    """A fetch whose outcome per candidate is given: bytes, or an error to raise. Records the order."""

    def __init__(self, outcomes: dict[str, ProviderError | None]) -> None:
        self.outcomes = outcomes
        self.fetched: list[str] = []

    def __call__(self, name: str) -> tuple[bytes, str]:
        self.fetched.append(name)
        error = self.outcomes[name]
        if error is not None:
            raise error
        return PNG


def pick(files: Files, *, max_tries: int = 3, **options: Any) -> str:
    chosen = first_acceptable(
        list(files.outcomes), files, provider="pics", what="the image", max_tries=max_tries, **options
    )
    assert (chosen.data, chosen.extension) == PNG
    return chosen.candidate


def test_the_first_candidate_that_downloads_wins_and_the_others_are_not_fetched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    files = Files(
        {"gone": NotFoundError("HTTP 404"), "page": InvalidResponseError("an HTML page"), "good": None, "spare": None}
    )
    with caplog.at_level(logging.INFO, logger="addon.providers.http.candidates"):
        assert pick(files, describe=lambda name: f"image {name}") == "good"
    assert files.fetched == ["gone", "page", "good"]
    logged = [record.getMessage() for record in caplog.records]
    assert logged == ["pics: image gone passed over: HTTP 404", "pics: image page passed over: an HTML page"]


def test_no_more_than_max_tries_candidates_are_fetched() -> None:
    files = Files({"a": NotFoundError("404"), "b": NotFoundError("404"), "c": None})
    with pytest.raises(PermanentError):
        pick(files, max_tries=2)
    assert files.fetched == ["a", "b"]


def test_a_rate_limit_ends_the_request_at_once() -> None:
    limited = RateLimitError("slow down", retry_after=3)
    files = Files({"a": limited, "b": None})
    with pytest.raises(RateLimitError) as caught:
        pick(files)
    assert caught.value is limited and files.fetched == ["a"]


def test_ends_request_may_raise_another_error_and_decides_what_passes() -> None:
    spent = QuotaError("the daily limit is reached")

    def ends(error: ProviderError) -> ProviderError | None:
        if isinstance(error, TransientError):
            return error
        return spent if "limit/day" in error.message.lower() else None

    files = Files({"a": PermanentError("HTTP 400: Limit/day reached."), "b": None})
    with pytest.raises(QuotaError) as caught:
        pick(files, ends_request=ends)
    assert caught.value is spent and files.fetched == ["a"]
    timed_out = Files({"a": TransientError("timeout"), "b": None})
    with pytest.raises(TransientError):
        pick(timed_out, ends_request=ends)
    assert timed_out.fetched == ["a"]


def test_before_each_runs_before_every_try_and_what_it_raises_ends_the_request() -> None:
    budget = [2]

    def count() -> None:
        if budget[0] == 0:
            raise QuotaError("no requests left today")
        budget[0] -= 1

    files = Files({"a": NotFoundError("404"), "b": NotFoundError("404"), "c": None})
    with pytest.raises(QuotaError, match="no requests left"):
        pick(files, before_each=count)
    assert files.fetched == ["a", "b"]


def test_giving_up_prefers_a_retryable_error_then_bytes_that_were_not_media() -> None:
    timeout = TransientError("the host did not answer")
    page = InvalidResponseError("an HTML page")
    assert give_up([NotFoundError("404"), page, timeout], provider="pics", what="the image") is timeout
    assert give_up([AuthError("HTTP 403"), page], provider="pics", what="the image") is page


@pytest.mark.parametrize("error", [AuthError("HTTP 403 Forbidden"), QuotaError("HTTP 402"), NotFoundError("HTTP 404")])
def test_a_refused_or_dead_file_neither_stops_the_provider_nor_passes_for_nothing_found(error: ProviderError) -> None:
    found = give_up([error, PermanentError("refused to download")], provider="pics", what="the image")
    assert type(found) is PermanentError and not found.provider_wide
    assert found.message == f"the image could not be downloaded: {error.message}" and found.provider == "pics"

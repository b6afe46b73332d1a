"""`parse_retry_after` and `error_for_status`: every status class, both Retry-After headers and their
precedence, HTTP-dates against an injected clock, garbage, and the messages users see."""

from __future__ import annotations

from email.utils import formatdate

import pytest
from requests.structures import CaseInsensitiveDict

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
from addon.providers.http.status import EXCERPT_CHARS, error_for_status, parse_retry_after, server_excerpt

NOW = 1_760_000_000.0  # a fixed wall clock for HTTP-dates


def clock() -> float:
    return NOW


# --- parse_retry_after -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({}, None, id="absent"),
        pytest.param({"Retry-After": "12"}, 12.0, id="seconds"),
        pytest.param({"retry-after": "0"}, 0.0, id="zero"),
        pytest.param({"Retry-After": "1.5"}, 1.5, id="fractional-seconds"),
        pytest.param({"Retry-After": " 7 "}, 7.0, id="spaces"),
        pytest.param({"retry-after-ms": "250"}, 0.25, id="ms"),
        pytest.param({"Retry-After-Ms": "1500.5"}, 1.5005, id="ms-fractional-any-case"),
        pytest.param({"RETRY-AFTER": "3"}, 3.0, id="upper-case-name"),
    ],
)
def test_retry_after_values(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=clock) == expected


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert parse_retry_after({"Retry-After": "20", "retry-after-ms": "1200"}, now=clock) == 1.2


@pytest.mark.parametrize("bad_ms", ["soon", "-5", "", "1e3", "nan", "inf"])
def test_unusable_retry_after_ms_falls_back_to_retry_after(bad_ms: str) -> None:
    assert parse_retry_after({"retry-after-ms": bad_ms, "Retry-After": "4"}, now=clock) == 4.0


def test_case_insensitive_dict_of_requests() -> None:
    headers = CaseInsensitiveDict({"RETRY-AFTER": "9", "Content-Type": "application/json"})
    assert parse_retry_after(headers, now=clock) == 9.0


def test_http_date_in_the_future_is_the_seconds_until_then() -> None:
    date = formatdate(NOW + 30, usegmt=True)  # e.g. "Thu, 09 Oct 2025 08:53:50 GMT"
    assert parse_retry_after({"Retry-After": date}, now=clock) == pytest.approx(30.0)


def test_http_date_uses_the_injected_clock() -> None:
    date = formatdate(NOW + 30, usegmt=True)
    assert parse_retry_after({"Retry-After": date}, now=lambda: NOW + 10) == pytest.approx(20.0)


def test_http_date_in_the_past_is_zero() -> None:
    date = formatdate(NOW - 3600, usegmt=True)
    assert parse_retry_after({"Retry-After": date}, now=clock) == 0.0


def test_http_date_with_a_numeric_zone_and_the_obsolete_form() -> None:
    assert parse_retry_after({"Retry-After": formatdate(NOW + 5, localtime=False)}, now=clock) == pytest.approx(5.0)
    # RFC 850 form, which HTTP/1.1 recipients must still accept.
    assert parse_retry_after({"Retry-After": "Sunday, 06-Nov-1994 08:49:37 GMT"}, now=clock) == 0.0


@pytest.mark.parametrize(
    "value",
    ["soon", "", "-1", "-0.5", "1e3", "12s", "5_000", "inf", "nan", "Mon, 99 Foo 2025 25:61:61 GMT", "9" * 400],
)
def test_garbage_and_negative_retry_after_is_none(value: str) -> None:
    assert parse_retry_after({"Retry-After": value}, now=clock) is None


# --- error_for_status: classes -----------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 204, 206, 299])
def test_2xx_is_no_error(status: int) -> None:
    assert error_for_status(status, provider="p", headers={}) is None


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, PermanentError),
        (401, AuthError),
        (403, AuthError),
        (402, QuotaError),
        (404, NotFoundError),
        (405, PermanentError),
        (408, TransientError),
        (409, TransientError),
        (410, PermanentError),
        (413, PermanentError),
        (422, PermanentError),
        (425, TransientError),
        (429, RateLimitError),
        (451, PermanentError),
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
        (504, TransientError),
        (520, TransientError),
        (304, PermanentError),
        (499, PermanentError),
    ],
)
def test_status_classes(status: int, cls: type[ProviderError]) -> None:
    error = error_for_status(status, provider="p", headers={})
    assert type(error) is cls
    assert error is not None
    assert error.provider == "p"
    assert f"HTTP {status}" in error.message


def test_only_retryable_statuses_are_transient() -> None:
    transient = {
        s for s in range(300, 600) if isinstance(error_for_status(s, provider="p", headers={}), TransientError)
    }
    assert transient == {408, 409, 425, 429} | set(range(500, 600))


def test_auth_and_quota_errors_are_provider_wide() -> None:
    wide = {s: getattr(error_for_status(s, provider="p", headers={}), "provider_wide", None) for s in (401, 402, 404)}
    assert wide == {401: True, 402: True, 404: False}


def test_429_carries_retry_after() -> None:
    error = error_for_status(429, provider="p", headers={"Retry-After": "12"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 12.0
    assert "12 s" in error.message


def test_429_without_retry_after() -> None:
    error = error_for_status(429, provider="p", headers={"Content-Type": "application/json"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


def test_429_prefers_retry_after_ms() -> None:
    error = error_for_status(
        429, provider="p", headers=CaseInsensitiveDict({"retry-after-ms": "800", "Retry-After": "1"})
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 0.8


@pytest.mark.parametrize("status", [408, 503])
def test_transient_statuses_carry_retry_after(status: int) -> None:
    error = error_for_status(status, provider="p", headers={"Retry-After": "3"})
    assert isinstance(error, TransientError)
    assert not isinstance(error, RateLimitError)
    assert error.retry_after == 3.0


def test_permanent_errors_ignore_retry_after() -> None:
    error = error_for_status(400, provider="p", headers={"Retry-After": "3"})
    assert isinstance(error, PermanentError)
    assert not hasattr(error, "retry_after")


def test_the_result_is_never_an_invalid_response() -> None:
    """InvalidResponseError is about bytes, not statuses: a status never maps to it."""
    assert not any(
        isinstance(error_for_status(s, provider="p", headers={}), InvalidResponseError) for s in range(100, 600)
    )


# --- error_for_status: messages ----------------------------------------------------------------

OPENAI_RATE_LIMIT = (
    '{"error": {"message": "Rate limit reached for gpt-image-1 on images per minute (IPM): Limit 5, Used 5, '
    'Requested 1. Please try again in 12s.", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}'
)


def test_message_quotes_the_json_envelope_message() -> None:
    error = error_for_status(429, provider="openai_images", headers={"Retry-After": "12"}, body_text=OPENAI_RATE_LIMIT)
    assert error is not None
    assert str(error).startswith("openai_images: the server is rate limiting requests (HTTP 429 Too Many Requests)")
    assert "Rate limit reached for gpt-image-1" in error.message
    assert '"type"' not in error.message, "the message is quoted, not the raw JSON"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"detail": {"status": "quota_exceeded", "message": "You have 0 credits left."}}', "You have 0 credits left."),
        ('{"detail": "Request was throttled. Expected available in 42 seconds."}', "Request was throttled."),
        ('{"error": {"code": "badvalue", "info": "Unrecognized value for parameter"}}', "Unrecognized value"),
        ('{"error": "invalid key"}', "invalid key"),
        ('{"errors": [{"message": "bad width"}]}', "bad width"),
        ("[ERROR 400] Invalid or missing API key (https://pixabay.com/api/docs/).", "[ERROR 400] Invalid or missing"),
    ],
)
def test_message_from_common_envelopes(body: str, expected: str) -> None:
    error = error_for_status(400, provider="p", headers={}, body_text=body)
    assert error is not None
    assert expected in error.message


NGINX_502 = """<html>
<head><title>502 Bad Gateway</title><style>body { color: red }</style></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<script>var tracking = "nothing to see";</script>
<hr><center>nginx/1.25.3</center>
</body>
</html>"""


def test_html_error_page_becomes_a_short_plain_excerpt() -> None:
    error = error_for_status(502, provider="p", headers={}, body_text=NGINX_502)
    assert error is not None
    assert error.message.endswith(": 502 Bad Gateway nginx/1.25.3")
    assert "<" not in error.message
    assert "tracking" not in error.message
    assert "color" not in error.message


def test_xml_error_document_becomes_its_text() -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        "<Message>Request has expired</Message></Error>"
    )
    assert server_excerpt(body) == "AccessDenied Request has expired"


@pytest.mark.parametrize("text", ["a < b and c > d", "use <your key> here", "x<3"])
def test_plain_text_with_angle_brackets_is_kept(text: str) -> None:
    assert server_excerpt(text) == text


def test_long_bodies_are_cut_to_the_excerpt_length() -> None:
    body = "<html><body><p>" + "word " * 10_000 + "</p></body></html>"
    excerpt = server_excerpt(body)
    assert len(excerpt) <= EXCERPT_CHARS
    assert excerpt.endswith("…")
    error = error_for_status(500, provider="p", headers={}, body_text=body)
    assert error is not None
    assert len(error.message) < EXCERPT_CHARS + 80


def test_empty_body_gives_a_sentence_without_an_excerpt() -> None:
    error = error_for_status(404, provider="p", headers={}, body_text="  \n ")
    assert error is not None
    assert error.message == "the server has nothing for this request (HTTP 404 Not Found)"


def test_message_argument_replaces_the_body_excerpt() -> None:
    error = error_for_status(403, provider="p", headers={}, body_text=OPENAI_RATE_LIMIT, message="Verify your org")
    assert isinstance(error, AuthError)
    assert error.message.endswith(": Verify your org")
    assert "Rate limit" not in error.message


def test_unknown_status_has_no_phrase() -> None:
    error = error_for_status(599, provider="p", headers={})
    assert error is not None
    assert "(HTTP 599)" in error.message


def test_a_key_echoed_in_the_body_is_redacted() -> None:
    body = '{"error": {"message": "Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwx", "code": "invalid_api_key"}}'
    error = error_for_status(401, provider="p", headers={}, body_text=body)
    assert error is not None
    assert "abcdefghijklmnop" not in str(error)
    assert "Incorrect API key provided" in str(error)

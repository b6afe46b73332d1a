"""The rate-limited fake speech server (`rate_limited_server`) and the provider that talks to it
(`LoopbackSpeech`): 429s with a valid Retry-After in each form when sent faster than the rate, none at
the rate, latency honoured, 40 clients at once, and the provider loaded from ``provider_modules``."""

from __future__ import annotations

import email.utils
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from addon.core.base.errors import InvalidResponseError, RateLimitError, TransientError
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from addon.providers.http.status import parse_retry_after
from tests.support.loopback_speech import LoopbackSpeech
from tests.support.media_samples import silent_mp3
from tests.support.rate_limited_server import RateLimitedServer, serve_rate_limited

MP3 = silent_mp3()


def speak(
    server: RateLimitedServer, text: str = "hello", *, session: requests.Session | None = None
) -> requests.Response:
    return (session or requests).post(f"{server.url}/speak", json={"text": text, "language": "en"}, timeout=10)


def test_a_burst_beyond_the_bucket_gets_429_with_openai_envelope_and_integer_retry_after() -> None:
    with serve_rate_limited(rate_per_s=2, burst=3, latency_s=0, body=MP3) as server:
        statuses = [speak(server, f"w{i}").status_code for i in range(3)]
        rejected = speak(server, "w3")
    assert statuses == [200, 200, 200]
    assert rejected.status_code == 429
    assert rejected.headers["Content-Type"] == "application/json"
    error = rejected.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("requests", "rate_limit_exceeded", None)
    assert error["message"].startswith("Rate limit reached")
    header = rejected.headers["Retry-After"]
    assert header.isdigit()
    assert int(header) == 1, "0.5 s until the next token, rounded up to whole seconds, at least 1"
    assert (server.served, server.rejected, server.requests) == (3, 1, 4)


@pytest.mark.parametrize(("rate", "expected"), [(0.4, 3), (0.2, 5), (1.0, 1), (50.0, 1)])
def test_retry_after_seconds_is_the_wait_for_the_next_token_rounded_up(rate: float, expected: int) -> None:
    with serve_rate_limited(rate_per_s=rate, burst=1, latency_s=0, body=MP3) as server:
        assert speak(server).status_code == 200
        rejected = speak(server)
    assert rejected.status_code == 429
    assert int(rejected.headers["Retry-After"]) == expected


def test_retry_after_as_an_http_date() -> None:
    with serve_rate_limited(rate_per_s=0.25, burst=1, latency_s=0, body=MP3, retry_after="date") as server:
        assert speak(server).status_code == 200
        before = time.time()
        rejected = speak(server)
    assert rejected.status_code == 429
    header = rejected.headers["Retry-After"]
    when = email.utils.parsedate_to_datetime(header)
    assert header.endswith(" GMT")
    assert before + 3.9 <= when.timestamp() <= before + 5.1, "4 s until the next token, to the second above"
    delay = parse_retry_after(rejected.headers)
    assert delay is not None
    assert 3.0 <= delay <= 5.1


def test_retry_after_can_be_absent() -> None:
    with serve_rate_limited(rate_per_s=1, burst=1, latency_s=0, body=MP3, retry_after="none") as server:
        speak(server)
        rejected = speak(server)
    assert rejected.status_code == 429
    assert "Retry-After" not in rejected.headers
    assert rejected.json()["error"]["code"] == "rate_limit_exceeded"


@pytest.mark.parametrize("form", ["seconds", "date"])
def test_waiting_as_told_gets_served(form: Any) -> None:
    with serve_rate_limited(rate_per_s=2, burst=1, latency_s=0, body=MP3, retry_after=form) as server:
        assert speak(server, "a").status_code == 200
        rejected = speak(server, "b")
        assert rejected.status_code == 429
        delay = parse_retry_after(rejected.headers)
        assert delay is not None
        assert 0 < delay <= 2
        time.sleep(delay)
        assert speak(server, "b").status_code == 200
    assert server.by_text == {"a": 1, "b": 2}
    assert server.served_by_text == {"a": 1, "b": 1}


def test_sending_at_the_rate_is_never_rejected() -> None:
    rate = 20.0
    with serve_rate_limited(rate_per_s=rate, latency_s=0, body=MP3) as server, requests.Session() as session:
        start = time.monotonic()
        for i in range(40):  # two seconds' worth, each request at its slot
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            assert speak(server, f"w{i}", session=session).status_code == 200, f"request {i}"
    assert (server.served, server.rejected) == (40, 0)
    assert len(server.served_at) == 40
    assert server.served_at == sorted(server.served_at)


def test_sending_faster_than_the_rate_is_limited_to_the_rate() -> None:
    rate = 10.0
    with serve_rate_limited(rate_per_s=rate, latency_s=0, body=MP3) as server, requests.Session() as session:
        start = time.monotonic()
        while time.monotonic() - start < 1.0:
            speak(server, session=session)
        elapsed = time.monotonic() - start
    assert server.rejected > 0
    # the full bucket (one second's worth) plus what refills while sending
    assert server.served <= rate + rate * elapsed + 1


def test_latency_is_honoured_for_served_requests_only() -> None:
    with serve_rate_limited(rate_per_s=1, burst=1, latency_s=0.3, body=MP3) as server:
        started = time.monotonic()
        assert speak(server).status_code == 200
        served_s = time.monotonic() - started
        started = time.monotonic()
        assert speak(server).status_code == 429
        rejected_s = time.monotonic() - started
    assert served_s >= 0.3
    assert rejected_s < 0.2, "a 429 answers at once"


def test_forty_concurrent_clients_are_served_in_parallel() -> None:
    with serve_rate_limited(rate_per_s=1000, latency_s=0.5, body=MP3) as server:
        barrier = threading.Barrier(40)

        def one(i: int) -> int:
            barrier.wait()
            return speak(server, f"w{i}").status_code

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = list(pool.map(one, range(40)))
        elapsed = time.monotonic() - started
    assert statuses == [200] * 40
    assert elapsed < 2.0, f"40 requests of 0.5 s took {elapsed:.2f} s: not served in parallel"
    assert server.by_text == {f"w{i}": 1 for i in range(40)}


def test_body_may_depend_on_the_text_and_content_type_is_set() -> None:
    with serve_rate_limited(
        rate_per_s=10, latency_s=0, body=lambda text: text.encode() * 3, content_type="audio/wav"
    ) as server:
        response = speak(server, "ab")
    assert (response.content, response.headers["Content-Type"]) == (b"ababab", "audio/wav")


def test_bad_requests() -> None:
    with serve_rate_limited(rate_per_s=10, latency_s=0, body=MP3) as server:
        assert requests.post(f"{server.url}/speak", data=b"not json", timeout=5).status_code == 400
        assert requests.post(f"{server.url}/other", json={"text": "x"}, timeout=5).status_code == 404
        assert requests.get(f"{server.url}/health", timeout=5).status_code == 200
    assert server.requests == 0, "only /speak requests with a text count"


# --- LoopbackSpeech ----------------------------------------------------------------------------


def request(text: str) -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language="en")


def test_loopback_speech_maps_a_429_to_a_rate_limit_error_with_retry_after() -> None:
    with serve_rate_limited(rate_per_s=0.5, burst=1, latency_s=0, body=MP3) as server:
        provider = LoopbackSpeech({"base_url": server.url})
        try:
            result = provider.generate(request("one"))
            with pytest.raises(RateLimitError) as caught:
                provider.generate(request("two"))
        finally:
            provider.close()
    assert (result.data, result.extension, result.provider) == (MP3, "mp3", "loopback_speech")
    assert caught.value.retry_after == 2.0
    assert "Rate limit reached" in caught.value.message


def test_loopback_speech_refuses_bytes_that_are_not_audio() -> None:
    page = b"<html><head><title>Maintenance</title></head><body>back soon</body></html>"
    with serve_rate_limited(rate_per_s=5, latency_s=0, body=page, content_type="audio/mpeg") as server:
        provider = LoopbackSpeech({"base_url": server.url})
        with pytest.raises(InvalidResponseError, match="HTML page"):
            provider.generate(request("x"))
        provider.close()


def test_loopback_speech_without_a_server_is_transient() -> None:
    provider = LoopbackSpeech({"base_url": "http://127.0.0.1:9", "timeout_s": 2})
    with pytest.raises(TransientError):
        provider.generate(request("x"))
    assert not provider.test_connection().ok


def test_loopback_speech_from_provider_modules_under_concurrent_use() -> None:
    with serve_rate_limited(rate_per_s=1000, latency_s=0.05, body=MP3) as server:
        config = load_config(
            {
                "provider_modules": {"audio": {"loopback_speech": "tests.support.loopback_speech:LoopbackSpeech"}},
                "providers": {"audio": {"loopback_speech": {"base_url": server.url, "max_concurrency": 8}}},
            }
        )
        registry = ProviderRegistry(config)
        try:
            provider = registry.get(MediaKind.AUDIO, "loopback_speech")
            assert registry.setup_problem(MediaKind.AUDIO, "loopback_speech") is None
            assert provider.test_connection().ok
            with ThreadPoolExecutor(max_workers=8) as pool:
                results = list(pool.map(provider.generate, [request(f"w{i}") for i in range(32)]))
        finally:
            registry.close()
    assert all(result.data == MP3 for result in results)
    assert server.served == 32

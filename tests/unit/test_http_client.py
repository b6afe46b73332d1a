"""`HttpClient.send` reads every answer under a cap (issue 9's fault matrix found JSON answers read
whole, however large), and providers take the cap from the job's ``max_media_mb``."""

from __future__ import annotations

import socket

import pytest
import requests

from addon.core.base.errors import ConfigError, InvalidResponseError, ProviderError, TransientError
from addon.core.media.types import MediaKind
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from addon.providers.http.client import MAX_ANSWER_BYTES, HttpClient, json_answer_limit
from tests.support.fake_http import Reply, serve

MIB = 1024 * 1024


def test_an_answer_over_the_cap_is_refused_naming_the_address_not_its_query() -> None:
    big = b'{"audioContent": "' + b"A" * (2 * MIB) + b'"}'
    with serve(lambda request: Reply(200, big, {"Content-Type": "application/json"})) as server:
        client = HttpClient(provider="test")
        with pytest.raises(InvalidResponseError) as caught:
            client.send("GET", f"{server.url}/synthesize?key=secret123", timeout_s=5, max_body_bytes=MIB)
        client.close()
    assert "larger than 1 MB" in caught.value.message
    assert server.url + "/synthesize" in caught.value.message and "secret123" not in caught.value.message


def test_an_answer_within_the_cap_is_read_whole_for_json() -> None:
    with serve(lambda request: Reply.of_json({"data": "x" * 1000})) as server:
        client = HttpClient(provider="test")
        response = client.send("GET", server.url, timeout_s=5, max_body_bytes=MIB)
        client.close()
    assert response.json() == {"data": "x" * 1000}


def test_an_error_answer_over_the_cap_keeps_its_start_for_the_message() -> None:
    page = b"<html>Service Unavailable" + b" " * (2 * MIB)
    with serve(lambda request: Reply(503, page, {"Content-Type": "text/html"})) as server:
        client = HttpClient(provider="test")
        response = client.send("GET", server.url, timeout_s=5, max_body_bytes=MIB)
        client.close()
    assert response.status_code == 503
    assert response.content.startswith(b"<html>Service Unavailable") and len(response.content) == MIB


def test_the_default_cap_and_the_json_limit_leave_room_for_base64() -> None:
    assert MAX_ANSWER_BYTES >= 32 * MIB
    one = json_answer_limit(MIB)
    assert one > MIB * 4 // 3  # one file of the cap, base64-encoded, fits
    assert json_answer_limit(MIB, media_count=3) > 3 * MIB * 4 // 3


def test_providers_take_the_cap_from_max_media_mb_even_when_reused() -> None:
    registry = ProviderRegistry(load_config({"max_media_mb": 2}))
    provider = registry.get(MediaKind.AUDIO, "espeak")
    assert provider.max_media_bytes == 2 * MIB
    registry.update_config(load_config({"max_media_mb": 3}))
    again = registry.get(MediaKind.AUDIO, "espeak")
    assert again is provider and again.max_media_bytes == 3 * MIB
    registry.close()


def test_with_error_a_failed_answer_raises_the_providers_reading_of_it() -> None:
    read: list[int] = []

    def reading(response: requests.Response) -> ProviderError:
        read.append(response.status_code)
        return ConfigError(f"refused: {response.json()['error']['message']}", provider="test")

    answers = iter([Reply.of_json({"error": {"message": "no such model"}}, status=404), Reply.of_json({"id": "m"})])
    with serve(lambda request: next(answers)) as server:
        client = HttpClient(provider="test")
        with pytest.raises(ConfigError, match="refused: no such model"):
            client.send("GET", server.url, timeout_s=5, error=reading)
        assert client.send("GET", server.url, timeout_s=5, error=reading).json() == {"id": "m"}
        client.close()
    assert read == [404], "a 2xx answer is returned, never read as an error"


def test_shown_url_names_the_address_instead_of_a_path_holding_the_key() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = HttpClient(provider="test")
    with pytest.raises(TransientError) as caught:
        client.send(
            "GET",
            f"http://127.0.0.1:{port}/key/k3y-in-the-path/word",
            timeout_s=2,
            shown_url=f"http://127.0.0.1:{port}",
        )
    client.close()
    assert f"127.0.0.1:{port}" in caught.value.message and "k3y-in-the-path" not in caught.value.message

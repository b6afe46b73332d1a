"""`HttpClient.send` reads every answer under a cap (issue 9's fault matrix found JSON answers read
whole, however large), and providers take the cap from the job's ``max_media_mb``."""

from __future__ import annotations

import pytest

from addon.core.base.errors import InvalidResponseError
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

"""The ``openai`` image provider against the fake OpenAI Images API (tests/fakes/openai_fake.py), which
serves the wire format of ../shared/provider_apis.md §1: what the provider sends, the success shapes
(base64 and URL), every documented error, waits, timeouts and the connection test."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import requests

from addon.core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.providers.image.openai import OpenAIImages
from tests.fakes.openai_fake import (
    TEST_KEY,
    Failure,
    OpenAIFake,
    content_policy_violation,
    insufficient_quota,
    org_not_verified,
    rate_limited,
    safety_rejection,
    serve_openai,
    server_error,
)
from tests.support.job_fakes import Lookup
from tests.support.media_samples import PILLOW_JPEG, PILLOW_WEBP, png_bytes
from tests.support.shipped import shipped_slice

# The block proposed for config.json's providers.image.openai (checked against the schema below).
# Enabled, as a user who lists it in a rule has it (it ships disabled).
SHIPPED_BLOCK: dict[str, Any] = {**shipped_slice("image", "openai"), "enabled": True}
GENERATIONS = "/v1/images/generations"
PNG_BYTES = png_bytes()
WRONG_KEY = "sk-test-wrong-9b3e55c1a0d7"
PROMPT = "A flashcard illustration of a red apple"


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAIFake]:
    """One fake for the module (starting and stopping one costs ~0.5 s), reset for each test."""
    with serve_openai() as fake:
        yield fake


@pytest.fixture
def fake(server: OpenAIFake) -> Iterator[OpenAIFake]:
    server.reset()
    yield server
    server.reset()


def make(fake: OpenAIFake, **changes: Any) -> OpenAIImages:
    settings = {
        **SHIPPED_BLOCK,
        "api_key": TEST_KEY,
        "api_key_env": "",
        "base_url": fake.url,
        "requests_per_minute": 6000,
        "retry_attempts": 0,
        **changes,
    }
    return OpenAIImages(settings, environ={})


def image_request(text: str = PROMPT) -> MediaRequest:
    return MediaRequest(kind=MediaKind.IMAGE, text=text, language="en")


def generation_error(fake: OpenAIFake, failure: Failure | None = None, **changes: Any) -> ProviderError:
    if failure is not None:
        fake.fail(failure)
    provider = make(fake, **changes)
    with pytest.raises(ProviderError) as caught:
        provider.generate(image_request())
    error = caught.value
    for secret in (TEST_KEY, WRONG_KEY, "SIGNATURE"):
        assert secret not in str(error)
    return error


# --- the class and its shipped settings -----------------------------------------------------------------


def test_class_passes_the_registry_check_and_the_shipped_block_matches_its_schema() -> None:
    check_provider_class(OpenAIImages, kind=MediaKind.IMAGE, name="openai", target="x:OpenAIImages")
    jsonschema.validate(SHIPPED_BLOCK, slice_schema(OpenAIImages))
    assert OpenAIImages(SHIPPED_BLOCK, environ={}).base_url == "https://api.openai.com/v1"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**SHIPPED_BLOCK, "output_format": "gif"}, slice_schema(OpenAIImages))


def test_without_a_key_it_names_the_setting_and_sends_nothing(fake: OpenAIFake) -> None:
    provider = make(fake, api_key="", api_key_env="OPENAI_API_KEY")
    problem = provider.setup_problem()
    assert problem is not None and "api_key" in problem and "OPENAI_API_KEY" in problem
    report = provider.test_connection()
    assert not report.ok and "api_key" in report.message
    assert fake.requests == []


# --- success ---------------------------------------------------------------------------------------------


def test_gpt_image_model_sends_the_documented_request_and_returns_the_base64_image(fake: OpenAIFake) -> None:
    request = image_request()
    result = make(fake).generate(request)

    assert result.ok and result.data == PILLOW_JPEG
    assert (result.extension, result.mime_type, result.provider) == ("jpg", "image/jpeg", "openai")
    assert result.request == request
    require_media(MediaKind.IMAGE, result.data, extension=result.extension, provider="test")
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("POST", GENERATIONS)
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.json() == {
        "model": "gpt-image-2",
        "prompt": PROMPT,
        "n": 1,
        "size": "1024x1024",
        "quality": "medium",
        "output_format": "jpeg",
        "output_compression": 80,
    }


@pytest.mark.parametrize(
    ("output_format", "data", "extension", "mime"),
    [("png", PNG_BYTES, "png", "image/png"), ("webp", PILLOW_WEBP, "webp", "image/webp")],
)
def test_other_output_formats(fake: OpenAIFake, output_format: str, data: bytes, extension: str, mime: str) -> None:
    result = make(fake, output_format=output_format, quality="low", size="1536x1024").generate(image_request())
    assert (result.data, result.extension, result.mime_type) == (data, extension, mime)
    body = fake.requests[0].json()
    assert (body["output_format"], body["quality"], body["size"]) == (output_format, "low", "1536x1024")
    assert ("output_compression" in body) == (output_format != "png")
    assert "response_format" not in body


def test_the_extension_follows_the_real_bytes_not_the_format_asked_for(fake: OpenAIFake) -> None:
    fake.image_format = "png"  # asked for jpeg, served png
    result = make(fake, output_format="jpeg").generate(image_request())
    assert (result.data, result.extension, result.mime_type) == (PNG_BYTES, "png", "image/png")


def test_base64_that_is_not_an_image_is_rejected(fake: OpenAIFake) -> None:
    fake.payload = b"<!DOCTYPE html><html><body>" + b"<p>Service unavailable</p>" * 10 + b"</body></html>"
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError)
    assert "not a picture" in error.message


def test_a_cut_short_image_is_rejected(fake: OpenAIFake) -> None:
    fake.payload = PNG_BYTES[:-12]
    assert isinstance(generation_error(fake, output_format="png"), InvalidResponseError)


def test_a_url_answer_is_downloaded_without_the_key(fake: OpenAIFake) -> None:
    fake.answer = "url"  # a compatible server that answers with URLs
    result = make(fake, model="dall-e-3", quality="hd", size="1024x1792").generate(image_request())
    assert (result.data, result.extension, result.mime_type) == (PNG_BYTES, "png", "image/png")
    api, download = fake.requests
    body = api.json()
    assert body == {"model": "dall-e-3", "prompt": PROMPT, "n": 1, "size": "1024x1792", "quality": "hd"}
    assert (download.method, download.path.rsplit(".", 1)[-1]) == ("GET", "png")
    assert download.path.startswith("/files/") and "sig" in download.query
    assert "authorization" not in download.headers


def test_dall_e_answers_with_a_url_by_default_and_gets_no_gpt_only_fields(fake: OpenAIFake) -> None:
    result = make(fake, model="dall-e-3", quality="standard").generate(image_request())
    assert result.data == PNG_BYTES
    body = fake.generation_requests()[0].json()
    assert body["quality"] == "standard"
    assert not {"output_format", "output_compression", "response_format"} & set(body)
    assert len(fake.file_requests()) == 1


@pytest.mark.parametrize(
    ("model", "quality", "valid"),
    [
        ("dall-e-3", "medium", "standard, hd"),  # the shipped quality, for a dall-e model
        ("dall-e-3", "high", "standard, hd"),
        ("dall-e-2", "hd", "standard"),
        ("gpt-image-2", "hd", "low, medium, high, auto"),
        ("gpt-image-2", "standard", "low, medium, high, auto"),
        ("chatgpt-image-latest", "ultra", "low, medium, high, auto"),
    ],
)
def test_a_quality_the_model_does_not_take_is_refused_when_the_settings_are_checked(
    fake: OpenAIFake, model: str, quality: str, valid: str
) -> None:
    provider = make(fake, model=model, quality=quality)
    problem = provider.setup_problem()
    assert problem is not None
    assert "providers.image.openai.quality" in problem and valid in problem and repr(quality) in problem
    with pytest.raises(ConfigError) as caught:
        provider.generate(image_request())
    assert caught.value.message == problem
    assert fake.requests == []  # refused before anything is sent


@pytest.mark.parametrize(
    ("model", "quality"),
    [("dall-e-3", "hd"), ("dall-e-3", "standard"), ("dall-e-2", "standard"), ("gpt-image-2", "auto"), ("x", "hd")],
)
def test_a_quality_the_model_takes_passes_the_check(fake: OpenAIFake, model: str, quality: str) -> None:
    assert make(fake, model=model, quality=quality).setup_problem() is None


def test_a_url_that_serves_an_html_page_is_rejected(fake: OpenAIFake) -> None:
    fake.answer = "url"
    fake.files_html = True
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError)
    assert "not a picture" in error.message
    assert "sig=" not in error.message


def test_a_refused_download_does_not_stop_the_provider(fake: OpenAIFake) -> None:
    fake.answer = "url"
    fake.file_failure = Failure(403, b"<Error><Code>AuthenticationFailed</Code></Error>", {"Content-Type": "text/xml"})
    error = generation_error(fake)
    assert type(error) is PermanentError and not error.provider_wide
    assert "403" in error.message


def test_an_empty_prompt_is_refused_before_any_request(fake: OpenAIFake) -> None:
    provider = make(fake)
    with pytest.raises(PermanentError, match="picture target's prompt"):
        provider.generate(image_request("   "))
    assert fake.requests == []


# --- errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(fake: OpenAIFake, status: int) -> None:
    error = generation_error(fake, server_error(status))
    assert type(error) is TransientError
    assert str(status) in error.message and "Sorry about that" in error.message


@pytest.mark.parametrize(
    ("failure", "wait"),
    [(rate_limited(retry_after="30", retry_after_ms="1500"), 1.5)],  # plain Retry-After: test_contract.py
)
def test_a_rate_limit_is_a_rate_limit_error_with_the_servers_wait(
    fake: OpenAIFake, failure: Failure, wait: float
) -> None:
    error = generation_error(fake, failure)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == wait


def test_insufficient_quota_is_a_quota_error_not_a_rate_limit(fake: OpenAIFake) -> None:
    error = generation_error(fake, insufficient_quota())
    assert isinstance(error, QuotaError) and not isinstance(error, TransientError)
    assert error.provider_wide and "billing" in error.message


def test_a_refused_key_is_an_auth_error_naming_the_setting(fake: OpenAIFake) -> None:
    error = generation_error(fake, api_key=WRONG_KEY)
    assert isinstance(error, AuthError)
    assert "401" in error.message and "api_key" in error.message
    assert fake.requests[0].headers["authorization"] == f"Bearer {WRONG_KEY}"


def test_an_unverified_organization_says_where_to_verify(fake: OpenAIFake) -> None:
    error = generation_error(fake, org_not_verified())
    assert isinstance(error, AuthError)
    assert "verified" in error.message
    assert "https://platform.openai.com/settings/organization/general" in error.message
    assert "API key" not in error.message  # the key is fine: no misleading advice
    assert ".model" in error.message  # the other way out: a model the organization may use


def test_a_safety_rejection_fails_this_prompt_only(fake: OpenAIFake) -> None:
    error = generation_error(fake, safety_rejection())
    assert type(error) is PermanentError and not error.provider_wide
    assert "rejected by the safety system" in error.message  # the server's words
    assert "picture target's prompt" in error.message  # what the user can change


def test_a_dall_e_content_policy_rejection_fails_this_prompt_only(fake: OpenAIFake) -> None:
    error = generation_error(fake, content_policy_violation(), model="dall-e-3", quality="standard")
    assert type(error) is PermanentError and "safety" in error.message and "picture target's prompt" in error.message
    assert ".." not in error.message


def test_a_compatible_server_gets_quality_but_no_gpt_only_fields(fake: OpenAIFake) -> None:
    fake.models.append("sdxl-turbo")  # a model name only a compatible server has
    result = make(fake, model="sdxl-turbo").generate(image_request())
    assert (result.data, result.extension) == (PNG_BYTES, "png")
    body = fake.generation_requests()[0].json()
    assert body == {"model": "sdxl-turbo", "prompt": PROMPT, "n": 1, "size": "1024x1024", "quality": "medium"}


def test_an_unknown_model_is_a_config_error_naming_the_model(fake: OpenAIFake) -> None:
    error = generation_error(fake, model="gpt-image-1")  # retired 2026-10-23: the fake does not list it
    assert isinstance(error, ConfigError) and error.provider_wide
    assert "gpt-image-1" in error.message and ".model" in error.message


def test_a_size_the_model_refuses_is_a_config_error_with_the_servers_words(fake: OpenAIFake) -> None:
    error = generation_error(fake, model="gpt-image-1.5", size="512x512")
    assert isinstance(error, ConfigError)
    assert "Supported values are" in error.message and ".size" in error.message
    body = fake.requests[0].json()
    assert body["size"] == "512x512"


@pytest.mark.contract_exempt("a base_url without /v1 on purpose: the request goes to a path OpenAI does not have")
def test_a_base_url_without_the_api_is_a_config_error(fake: OpenAIFake) -> None:
    error = generation_error(fake, base_url=fake.root)  # forgot /v1
    assert isinstance(error, ConfigError) and "base_url" in error.message


# --- through the engine ----------------------------------------------------------------------------------


def run_engine(provider: OpenAIImages, *texts: str) -> tuple[list[Any], list[float]]:
    waits: list[float] = []
    work = [WorkItem(image_request(text), ("openai",)) for text in texts]
    outcome = generate_all(work, providers=Lookup(provider), cancel=threading.Event(), retry_sleep=waits.append)
    return [outcome.results[item.key] for item in work], waits


def test_a_429_with_retry_after_is_waited_out_then_succeeds(fake: OpenAIFake) -> None:
    fake.fail(rate_limited(retry_after="1"))
    [result], waits = run_engine(make(fake, retry_attempts=2), PROMPT)
    assert result.ok and result.data == PILLOW_JPEG and result.attempts == 2
    assert waits == [1.0]
    assert len(fake.generation_requests()) == 2


def test_server_errors_are_retried_then_succeed(fake: OpenAIFake) -> None:
    fake.fail(server_error(500), times=2)
    [result], waits = run_engine(make(fake, retry_attempts=2), PROMPT)
    assert result.ok and result.attempts == 3 and len(waits) == 2
    assert len(fake.generation_requests()) == 3


def test_a_spent_quota_is_never_retried_and_stops_the_provider(fake: OpenAIFake) -> None:
    fake.fail_always(insufficient_quota())
    results, waits = run_engine(make(fake, retry_attempts=3, max_concurrency=1), "apple", "pear", "plum")
    assert all(isinstance(r.error, QuotaError) for r in results)
    assert waits == []
    assert len(fake.generation_requests()) == 1


def test_several_requests_on_worker_threads_all_succeed(fake: OpenAIFake) -> None:
    results, _ = run_engine(make(fake, max_concurrency=3), "apple", "pear", "plum", "fig")
    assert all(r.ok and r.data == PILLOW_JPEG for r in results)
    prompts = sorted(r.json()["prompt"] for r in fake.generation_requests())
    assert prompts == ["apple", "fig", "pear", "plum"]


# --- test_connection ---------------------------------------------------------------------------------------


def test_connection_is_healthy_with_a_good_key_and_model(fake: OpenAIFake) -> None:
    report = make(fake).test_connection()
    assert report.ok and "gpt-image-2" in report.message
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("GET", "/v1/models/gpt-image-2")
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"


def test_connection_with_a_bad_key_is_unhealthy_and_names_the_key_setting(fake: OpenAIFake) -> None:
    report = make(fake, api_key=WRONG_KEY).test_connection()
    assert not report.ok
    assert "api_key" in report.message and "401" in report.message
    assert WRONG_KEY not in report.message and TEST_KEY not in report.message


def test_connection_with_an_unknown_model_is_unhealthy(fake: OpenAIFake) -> None:
    report = make(fake, model="gpt-image-9").test_connection()
    assert not report.ok and "gpt-image-9" in report.message


def test_connection_to_a_server_that_is_down_is_unhealthy() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = OpenAIImages(
        {**SHIPPED_BLOCK, "api_key": TEST_KEY, "base_url": f"http://127.0.0.1:{port}/v1", "timeout_s": 2}, environ={}
    )
    report = provider.test_connection()
    assert not report.ok and "cannot reach" in report.message


# --- the fake itself rejects what the real API rejects --------------------------------------------------


def post(fake: OpenAIFake, body: dict[str, Any], key: str = TEST_KEY) -> requests.Response:
    return requests.post(
        fake.url + "/images/generations",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=5,
    )


@pytest.mark.contract_exempt("the fake's own test: it sends requests the spec forbids, to see the fake refuse them")
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"model": "gpt-image-2", "prompt": "x", "response_format": "b64_json"}, 400, "unknown_parameter"),
        ({"model": "gpt-image-2"}, 400, "missing_required_parameter"),
        ({"prompt": "x"}, 404, "model_not_found"),  # the API's default, dall-e-2, is retired
        ({"model": "dall-e-3", "prompt": "x", "n": 2}, 400, "invalid_value"),
        ({"model": "dall-e-3", "prompt": "x", "output_format": "png"}, 400, "unknown_parameter"),
    ],
)
def test_the_fake_rejects_what_the_api_rejects(fake: OpenAIFake, body: dict[str, Any], status: int, code: str) -> None:
    response = post(fake, body)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["code"] == code


def test_the_fake_checks_the_key_and_quotes_it_masked(fake: OpenAIFake) -> None:
    response = post(fake, {"model": "gpt-image-2", "prompt": "x"}, key=WRONG_KEY)
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert WRONG_KEY not in message and WRONG_KEY[-4:] in message

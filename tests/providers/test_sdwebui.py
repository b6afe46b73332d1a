"""The ``sdwebui`` provider against a fake Stable Diffusion WebUI API on 127.0.0.1 (tests/fakes/sdwebui_fake.py):
what it sends, how it reads success and every error shape, through the real engine for retries."""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Callable, Iterator
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
    ProviderUnavailableError,
    TransientError,
)
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import require_media, sniff_image
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.providers.image.sdwebui import DEFAULT_BASE_URL, StableDiffusionWebUI
from tests.fakes.sdwebui_fake import (
    OPTIONS_PATH,
    SD_MODELS_PATH,
    TXT2IMG_PATH,
    BrokenImage,
    RunningSdWebUI,
    out_of_memory,
    rate_limited,
    serve_sdwebui,
    server_error,
)
from tests.support.job_fakes import Lookup
from tests.support.media_samples import jpeg_bytes, png_bytes
from tests.support.shipped import shipped_slice

# The slice proposed for config.json; the tests build the provider from it.
# Enabled, as a user who lists it in a rule has it (it ships disabled).
SHIPPED: dict[str, Any] = {**shipped_slice("image", "sdwebui"), "enabled": True}
# Never sent and never shown: a key a user might paste by mistake (the provider takes none).
TEST_KEY = "sk-test-sdwebui-0123456789abcdef"


def provider_for(server_url: str, **changes: Any) -> StableDiffusionWebUI:
    return StableDiffusionWebUI({**SHIPPED, "base_url": server_url, "api_key": TEST_KEY, **changes})


def image_request(text: str = "a red apple on a wooden table") -> MediaRequest:
    return MediaRequest(kind=MediaKind.IMAGE, text=text, language="en")


@pytest.fixture(scope="module")
def shared_server() -> Iterator[RunningSdWebUI]:
    with serve_sdwebui() as running:
        yield running


@pytest.fixture
def sdwebui(shared_server: RunningSdWebUI) -> Callable[..., RunningSdWebUI]:
    """The module's fake WebUI with fresh switches (`SdWebUIFake`'s fields) and no recorded requests."""
    return shared_server.reconfigure


@pytest.fixture
def webui(sdwebui: Callable[..., RunningSdWebUI]) -> RunningSdWebUI:
    return sdwebui()


def closed_port_url() -> str:
    """A loopback address where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def generation_error(running: RunningSdWebUI, **changes: Any) -> ProviderError:
    provider = provider_for(running.url, **changes)
    try:
        with pytest.raises(ProviderError) as caught:
            provider.generate(image_request())
    finally:
        provider.close()
    assert TEST_KEY not in str(caught.value)
    return caught.value


# --- the class and its settings ------------------------------------------------------------------


def test_class_passes_the_registry_check_and_the_shipped_slice_fits_its_schema() -> None:
    cls = check_provider_class(
        StableDiffusionWebUI,
        kind=MediaKind.IMAGE,
        name="sdwebui",
        target="addon.providers.image.sdwebui:StableDiffusionWebUI",
    )
    schema = slice_schema(cls)
    jsonschema.validate(SHIPPED, schema)
    assert "api_key" not in schema["properties"]  # KeyUse.NONE: no key settings offered
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**SHIPPED, "width": 500}, schema)  # not a multiple of 8


def test_construction_connects_nowhere_and_base_url_falls_back_to_the_local_default() -> None:
    provider = StableDiffusionWebUI({})  # nothing listens there in the tests: __init__ must not care
    assert provider.base_url == DEFAULT_BASE_URL
    assert provider.setup_problem() is None
    assert provider.max_concurrency == 1
    blank = StableDiffusionWebUI({"base_url": ""})
    assert blank.setup_problem() is not None
    assert "providers.image.sdwebui.base_url" in (blank.setup_problem() or "")


# --- success --------------------------------------------------------------------------------------


def test_success_sends_the_settings_and_returns_the_png(webui: RunningSdWebUI) -> None:
    provider = provider_for(
        webui.url,
        steps=28,
        sampler_name="DPM++ 2M",
        width=640,
        height=448,
        cfg_scale=5.5,
        negative_prompt="blurry, text",
        seed=42,
    )
    request = image_request()
    result = provider.generate(request)
    provider.close()

    assert len(webui.requests) == 1
    sent = webui.requests[0]
    assert (sent.method, sent.path) == ("POST", TXT2IMG_PATH)
    assert sent.headers["content-type"] == "application/json"
    assert "authorization" not in sent.headers
    assert TEST_KEY.encode() not in sent.body and TEST_KEY not in str(sent.headers)
    body = sent.json()
    assert body == {
        "prompt": request.text,
        "negative_prompt": "blurry, text",
        "steps": 28,
        "sampler_name": "DPM++ 2M",
        "width": 640,
        "height": 448,
        "cfg_scale": 5.5,
        "seed": 42,
        "batch_size": 1,
        "n_iter": 1,
        "send_images": True,
        "save_images": False,
    }
    assert all(type(body[key]) is int for key in ("steps", "width", "height", "seed"))

    assert result.ok and result.data is not None
    assert result.request == request and result.provider == "sdwebui"
    assert (result.extension, result.mime_type) == ("png", "image/png")
    require_media(MediaKind.IMAGE, result.data, extension="png", provider="test")
    assert b"tEXtparameters\x00a red apple" in result.data  # the very PNG the server sent, not a stand-in


def test_missing_settings_fall_back_to_sane_defaults(webui: RunningSdWebUI) -> None:
    provider = StableDiffusionWebUI({"base_url": webui.url})
    assert provider.generate(image_request("a cat")).ok
    provider.close()
    body = webui.requests[0].json()
    assert (body["steps"], body["width"], body["height"], body["seed"]) == (20, 512, 512, -1)
    assert (body["sampler_name"], body["cfg_scale"], body["negative_prompt"]) == ("Euler a", 7.0, "")


def test_an_empty_sampler_leaves_the_choice_to_the_server(webui: RunningSdWebUI) -> None:
    provider = provider_for(webui.url, sampler_name="")
    assert provider.generate(image_request()).ok
    provider.close()
    assert "sampler_name" not in webui.requests[0].json()


@pytest.mark.parametrize(
    ("image_format", "data_uri", "extension", "mime"),
    [
        ("png", True, "png", "image/png"),
        ("jpeg", False, "jpg", "image/jpeg"),
        ("jpeg", True, "jpg", "image/jpeg"),
    ],
)
def test_jpeg_output_and_data_uri_prefixes_are_accepted(
    sdwebui: Callable[..., RunningSdWebUI], image_format: str, data_uri: bool, extension: str, mime: str
) -> None:
    running = sdwebui(image_format=image_format, data_uri=data_uri)
    answer = requests.post(running.url + TXT2IMG_PATH, json={"prompt": "x"}, timeout=5).json()
    assert answer["images"][0].startswith("data:image/") is data_uri
    provider = provider_for(running.url)
    result = provider.generate(image_request())
    provider.close()
    assert result.data is not None
    assert (result.extension, result.mime_type) == (extension, mime)
    assert sniff_image(result.data) == extension
    require_media(MediaKind.IMAGE, result.data, extension=extension, provider="test")


# --- errors ---------------------------------------------------------------------------------------


def test_no_server_listening_says_to_start_it_or_set_base_url() -> None:
    url = closed_port_url()
    provider = provider_for(url)
    with pytest.raises(ProviderUnavailableError) as caught:
        provider.generate(image_request())
    message = str(caught.value)
    assert f"no Stable Diffusion server at {url}" in message
    assert "--api" in message and "providers.image.sdwebui.base_url" in message
    assert caught.value.provider_wide
    assert TEST_KEY not in message


def test_api_off_is_a_404_that_says_to_start_with_api(sdwebui: Callable[..., RunningSdWebUI]) -> None:
    running = sdwebui(api_enabled=False)
    error = generation_error(running)
    assert len(running.requests) == 1 and running.requests[0].path == TXT2IMG_PATH
    assert isinstance(error, ProviderUnavailableError)
    assert "--api" in error.message and "COMMANDLINE_ARGS" in error.message
    assert running.url in error.message


def test_unknown_sampler_is_a_config_error_naming_sampler_name(sdwebui: Callable[..., RunningSdWebUI]) -> None:
    running = sdwebui(samplers=("Euler", "DDIM"))
    error = generation_error(running, sampler_name="Euler a")
    assert isinstance(error, ConfigError)
    assert "'Euler a'" in error.message and "providers.image.sdwebui.sampler_name" in error.message
    assert "/sdapi/v1/samplers" in error.message


def test_a_422_validation_error_is_a_config_error_with_the_servers_words(webui: RunningSdWebUI) -> None:
    error = generation_error(webui, steps="many", width=[512])
    assert isinstance(error, ConfigError)
    assert "steps: value is not a valid integer" in error.message
    assert "width: value is not a valid integer" in error.message
    assert "providers.image.sdwebui" in error.message


def test_api_auth_is_an_auth_error_saying_it_is_not_supported(sdwebui: Callable[..., RunningSdWebUI]) -> None:
    running = sdwebui(auth=("user", "secret-pass"))
    error = generation_error(running)
    assert isinstance(error, AuthError)
    assert "--api-auth" in error.message
    assert "secret-pass" not in error.message


def test_out_of_memory_is_permanent_and_suggests_a_smaller_size(sdwebui: Callable[..., RunningSdWebUI]) -> None:
    running = sdwebui()
    running.fail(out_of_memory())
    error = generation_error(running)
    assert isinstance(error, PermanentError)
    assert "CUDA out of memory" in error.message and "width" in error.message


def test_another_500_is_transient_with_the_servers_message(sdwebui: Callable[..., RunningSdWebUI]) -> None:
    running = sdwebui()
    running.fail(server_error())
    error = generation_error(running)
    assert type(error) is TransientError
    assert "HTTP 500" in error.message and "NansException: A tensor with all NaNs" in error.message


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        ("garbage_base64", "not valid base64"),
        ("not_image", "not a picture"),
        ("html_base64", "HTML page titled '502 Bad Gateway'"),
        ("no_images", "without a picture"),
    ],
)
def test_an_answer_without_a_real_image_is_an_invalid_response(
    sdwebui: Callable[..., RunningSdWebUI], failure: BrokenImage, words: str
) -> None:
    running = sdwebui(broken_image=failure)
    error = generation_error(running)
    assert isinstance(error, InvalidResponseError)
    assert words in error.message


# --- through the real engine ----------------------------------------------------------------------


def test_engine_waits_out_a_429_retry_after_then_succeeds(sdwebui: Callable[..., RunningSdWebUI]) -> None:
    waits: list[float] = []
    running = sdwebui()
    running.fail(rate_limited(retry_after="1"))
    provider = provider_for(running.url, requests_per_minute=6000)
    item = WorkItem(image_request(), ("sdwebui",))
    outcome = generate_all([item], providers=Lookup(provider), cancel=threading.Event(), retry_sleep=waits.append)
    provider.close()
    calls = running.txt2img_requests()
    result = outcome.results[item.key]
    assert result.ok, result.error
    assert waits == [1.0]
    assert len(calls) == 2 and calls[0].json() == calls[1].json()
    assert result.extension == "png" and result.attempts == 2


def test_engine_does_not_retry_when_the_api_is_off(sdwebui: Callable[..., RunningSdWebUI]) -> None:
    running = sdwebui(api_enabled=False)
    provider = provider_for(running.url, requests_per_minute=6000)
    items = [WorkItem(image_request(text), ("sdwebui",)) for text in ("one", "two", "three")]
    outcome = generate_all(items, providers=Lookup(provider), cancel=threading.Event(), retry_sleep=lambda _: None)
    provider.close()
    calls = len(running.requests)
    errors = [outcome.results[item.key].error for item in items]
    assert all(isinstance(error, ProviderUnavailableError) for error in errors)
    assert calls == 1  # provider-wide: the job stops asking a server whose API is off


# --- test_connection ------------------------------------------------------------------------------


def test_connection_healthy_lists_models_with_one_cheap_get(webui: RunningSdWebUI) -> None:
    provider = provider_for(webui.url)
    report = provider.test_connection()
    provider.close()
    assert report.ok, report.message
    assert report.provider == "sdwebui"
    assert "1 model checkpoint" in report.message and "v1-5-pruned-emaonly" in report.message
    assert [(r.method, r.path) for r in webui.requests] == [("GET", SD_MODELS_PATH)]


@pytest.mark.parametrize(
    ("switches", "words"),
    [
        ({"api_enabled": False}, "--api"),
        ({"auth": ("user", "pw")}, "--api-auth"),
        ({"models": ()}, "no model checkpoint"),
    ],
)
def test_connection_unhealthy_when_the_server_cannot_serve(
    sdwebui: Callable[..., RunningSdWebUI], switches: dict[str, Any], words: str
) -> None:
    running = sdwebui(**switches)
    provider = provider_for(running.url, timeout_s=0.5)
    report = provider.test_connection()
    provider.close()
    assert [r.path for r in running.requests] == [SD_MODELS_PATH]
    assert not report.ok
    assert words in report.message
    assert TEST_KEY not in report.message


def test_connection_unhealthy_when_nothing_listens() -> None:
    url = closed_port_url()
    report = provider_for(url).test_connection()
    assert not report.ok
    assert f"no Stable Diffusion server at {url}" in report.message


def test_connection_unhealthy_without_base_url_makes_no_call() -> None:
    report = StableDiffusionWebUI({"base_url": ""}).test_connection()
    assert not report.ok and "base_url" in report.message


# --- the fake itself behaves like the WebUI -------------------------------------------------------


def test_fake_validates_like_pydantic_v1(webui: RunningSdWebUI) -> None:
    post = webui.url + TXT2IMG_PATH
    lax = requests.post(post, json={"prompt": "x", "steps": "20", "width": 512.0, "seed": None}, timeout=5)
    assert lax.status_code == 200
    answer = lax.json()
    assert set(answer) == {"images", "parameters", "info"} and isinstance(answer["info"], str)
    refused = requests.post(post, json={"steps": "many", "cfg_scale": "high", "prompt": ["x"]}, timeout=5)
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": [
            {"loc": ["body", "steps"], "msg": "value is not a valid integer", "type": "type_error.integer"},
            {"loc": ["body", "cfg_scale"], "msg": "value is not a valid float", "type": "type_error.float"},
            {"loc": ["body", "prompt"], "msg": "str type expected", "type": "type_error.str"},
        ]
    }
    assert requests.post(post, json=[1, 2], timeout=5).status_code == 422
    assert requests.get(post, timeout=5).json() == {"detail": "Method Not Allowed"}
    assert requests.get(webui.url + OPTIONS_PATH, timeout=5).json()["samples_format"] == "png"


def test_fake_images_are_whole_real_images() -> None:
    png, jpeg = png_bytes(8, 8, text=(b"parameters", b"hello")), jpeg_bytes()
    require_media(MediaKind.IMAGE, png, extension="png", provider="test")
    require_media(MediaKind.IMAGE, jpeg, extension="jpg", provider="test")
    with serve_sdwebui() as running:
        answer = requests.post(running.url + TXT2IMG_PATH, json={"prompt": "hello"}, timeout=5).json()
    require_media(MediaKind.IMAGE, base64.b64decode(answer["images"][0]), extension="png", provider="test")

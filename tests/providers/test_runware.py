"""The ``runware`` image provider against a fake Runware task API on 127.0.0.1 (``runware_fake``):
what it sends, how it reads pictures and errors, batches of tasks in one request, and the engine
around it (retries, one HTTP request per batch)."""

from __future__ import annotations

import socket
import threading
import uuid
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
    TransientError,
)
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import require_media, sniff_image
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.providers.image.runware import RunwareImages
from tests.fakes.runware_fake import (
    CONTENT_POLICY,
    HTML_PAGE,
    PROVIDER_TIMEOUT,
    RunwareFake,
    TaskFailure,
    errors_failure,
    rate_limited,
    serve_runware,
)
from tests.support.job_fakes import Lookup
from tests.support.media_samples import png_bytes

KEY = "sk-test-runware-5f3a9c1d7e"
IMAGE = MediaKind.IMAGE


@pytest.fixture(scope="module")
def shared_fake() -> Iterator[RunwareFake]:
    with serve_runware(api_key=KEY) as server:  # one server: stopping one takes half a second
        yield server


@pytest.fixture
def fake(shared_fake: RunwareFake) -> Iterator[RunwareFake]:
    shared_fake.reset()
    yield shared_fake
    shared_fake.reset()


def make(fake: RunwareFake, **settings: Any) -> RunwareImages:
    base: dict[str, Any] = {
        "api_key": KEY,
        "base_url": fake.url,
        "timeout_s": 5,
        "retry_attempts": 0,
        "requests_per_minute": 60000,
        "model": "runware:100@1",
        "width": 512,
        "height": 512,
        "steps": 4,
        "output_type": "base64Data",
        "output_format": "PNG",
        "batch_size": 10,
        "negative_prompt": "",
    }
    return RunwareImages({**base, **settings})


def req(text: str) -> MediaRequest:
    return MediaRequest(kind=IMAGE, text=text, language="en")


def assert_no_key(error: BaseException | str | None) -> None:
    assert error is not None
    text = str(error)
    assert KEY not in text
    if isinstance(error, ProviderError):
        assert KEY not in error.message


def tasks_of(fake: RunwareFake, index: int = 0) -> list[dict[str, Any]]:
    body = fake.api_requests[index].json()
    assert isinstance(body, list)
    return body


def assert_image(result: MediaResult, *, extension: str, mime: str) -> bytes:
    assert result.ok, result.error
    assert result.data is not None
    assert result.extension == extension
    assert result.mime_type == mime
    assert sniff_image(result.data) == extension
    require_media(IMAGE, result.data, extension=extension, provider="test")
    return result.data


# --- the class -------------------------------------------------------------------------------------


def test_class_passes_the_registry_interface_check() -> None:
    cls = check_provider_class(
        RunwareImages, kind=IMAGE, name="runware", target="addon.providers.image.runware:RunwareImages"
    )
    assert cls.capabilities.batch and cls.capabilities.needs_key and cls.capabilities.http
    properties = slice_schema(cls)["properties"]
    for key in ("api_key", "api_key_env", "base_url", "model", "width", "height", "steps", "batch_size"):
        assert key in properties
    assert RunwareImages({"api_key": KEY, "batch_size": 7}).batch_size == 7
    assert RunwareImages({"api_key": KEY}).batch_size == 10


# --- success ---------------------------------------------------------------------------------------


def test_base64_png_sends_one_documented_task(fake: RunwareFake) -> None:
    provider = make(fake, negative_prompt="text, watermark", width=768, height=1024)
    result = provider.generate(req("a red apple, flashcard illustration"))
    data = assert_image(result, extension="png", mime="image/png")
    assert data == fake.served["a red apple, flashcard illustration"]
    assert result.provider == "runware"

    [sent] = fake.api_requests
    assert sent.method == "POST"
    assert sent.path == "/v1"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"].startswith("application/json")
    [task] = tasks_of(fake)
    assert uuid.UUID(task.pop("taskUUID")).version == 4
    assert task == {
        "taskType": "imageInference",
        "model": "runware:100@1",
        "positivePrompt": "a red apple, flashcard illustration",
        "negativePrompt": "text, watermark",
        "width": 768,
        "height": 1024,
        "numberResults": 1,
        "steps": 4,
        "outputType": "base64Data",
        "outputFormat": "PNG",
    }
    assert not fake.downloads


def test_url_results_are_downloaded_without_the_key(fake: RunwareFake) -> None:
    result = make(fake, output_type="URL", output_format="JPG").generate(req("a yellow banana"))
    data = assert_image(result, extension="jpg", mime="image/jpeg")
    assert data == fake.served["a yellow banana"]
    [task] = tasks_of(fake)
    assert task["outputType"] == "URL"
    assert task["outputFormat"] == "JPG"
    [download] = fake.downloads
    assert download.method == "GET"
    assert download.path.endswith(".jpg")
    assert "authorization" not in download.headers


def test_data_uri_webp(fake: RunwareFake) -> None:
    result = make(fake, output_type="dataURI", output_format="WEBP").generate(req("a green pear"))
    assert_image(result, extension="webp", mime="image/webp")
    assert tasks_of(fake)[0]["outputType"] == "dataURI"


def test_steps_null_leaves_the_models_default(fake: RunwareFake) -> None:
    make(fake, steps=None).generate(req("a blue plum"))
    assert "steps" not in tasks_of(fake)[0]
    assert "negativePrompt" not in tasks_of(fake)[0]


# --- batches ---------------------------------------------------------------------------------------

PROMPTS = [f"picture number {n} of a fruit" for n in range(10)]


def test_ten_tasks_in_one_request_two_fail_eight_pictures(fake: RunwareFake) -> None:
    fake.fail_prompts = {PROMPTS[3]: CONTENT_POLICY, PROMPTS[7]: PROVIDER_TIMEOUT}
    fake.reverse_data = True  # results must be matched by taskUUID, not by position
    requests = [req(p) for p in PROMPTS]
    results = make(fake).generate_batch(requests)

    assert len(fake.api_requests) == 1
    tasks = tasks_of(fake)
    assert len(tasks) == 10
    assert [t["positivePrompt"] for t in tasks] == PROMPTS
    assert len({t["taskUUID"] for t in tasks}) == 10
    assert len(results) == 10
    for request, result in zip(requests, results, strict=True):
        assert result.request is request
    good = [r for r in results if r.ok]
    assert len(good) == 8
    for result in good:
        assert result.data == fake.served[result.request.text]
        assert_image(result, extension="png", mime="image/png")
    refused, busy = results[3].error, results[7].error
    assert type(refused) is PermanentError
    assert "content policy" in refused.message
    assert "contentPolicyViolation" in refused.message
    assert type(busy) is TransientError
    assert "timeoutProvider" in busy.message
    assert_no_key(refused)
    assert_no_key(busy)


def test_batch_through_the_engine_goes_out_as_one_http_request(fake: RunwareFake) -> None:
    fake.fail_prompts = {PROMPTS[2]: CONTENT_POLICY}
    prompts = [*PROMPTS[:9], "ox"]  # "ox" is refused by the API's own rule (4–2000 characters)
    provider = make(fake, batch_size=10, max_concurrency=1)
    assert provider.batch_size == 10
    work = [WorkItem(req(p), ("runware",)) for p in prompts]
    sleeps: list[float] = []
    outcome = generate_all(work, providers=Lookup(provider), cancel=threading.Event(), retry_sleep=sleeps.append)

    assert len(fake.api_requests) == 1
    assert len(tasks_of(fake)) == 10
    assert sleeps == []
    results = [outcome.results[item.key] for item in work]
    assert sum(r.ok for r in results) == 8
    assert type(results[2].error) is PermanentError
    assert "content policy" in results[2].error.message
    assert type(results[9].error) is PermanentError
    assert "picture target's prompt" in results[9].error.message
    for result in results:
        if result.ok:
            assert result.data == fake.served[result.request.text]


def test_empty_prompt_fails_alone_and_is_not_sent(fake: RunwareFake) -> None:
    results = make(fake).generate_batch([req("a ripe mango"), req("   "), req("a small kiwi")])
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, PermanentError)
    assert [t["positivePrompt"] for t in tasks_of(fake)] == ["a ripe mango", "a small kiwi"]


def test_a_task_missing_from_the_answer_is_an_invalid_response(fake: RunwareFake) -> None:
    fake.drop_prompts = {"a lost lemon"}
    results = make(fake).generate_batch([req("a found lime"), req("a lost lemon")])
    assert results[0].ok
    assert isinstance(results[1].error, InvalidResponseError)


# --- errors of the whole request -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (402, "insufficientCredits", "Insufficient credits to run this task.", QuotaError),
        (400, "insufficientCredits", "Insufficient credits to run this task.", QuotaError),
        (401, "", "", AuthError),  # a bodyless 401 (the SDK maps it to an invalid key)
        (500, "internalServerError", "Internal server error.", TransientError),
        (503, "", "", TransientError),
    ],
)
def test_whole_request_errors_are_raised_once_for_the_batch(
    fake: RunwareFake, status: int, code: str, message: str, expected: type[ProviderError]
) -> None:
    fake.fail(errors_failure(status, code, message))
    with pytest.raises(expected) as caught:
        make(fake).generate_batch([req(p) for p in PROMPTS[:3]])
    assert type(caught.value) is expected
    assert caught.value.provider == "runware"
    if message:
        assert message.rstrip(".") in caught.value.message
    assert_no_key(caught.value)
    assert len(fake.api_requests) == 1


def test_a_wrong_key_is_an_auth_error_naming_no_key(fake: RunwareFake) -> None:
    provider = make(fake, api_key="sk-test-runware-wrong-0000")
    with pytest.raises(AuthError) as caught:
        provider.generate_batch([req("a red apple"), req("a yellow banana")])
    assert "Invalid API key" in caught.value.message
    assert "sk-test-runware-wrong-0000" not in str(caught.value)
    assert fake.api_requests[0].headers["authorization"] == "Bearer sk-test-runware-wrong-0000"


@pytest.mark.parametrize(
    ("failure", "expected", "setting"),
    [
        (TaskFailure("invalidApiKey", "Invalid API key.", "apiKey"), AuthError, "api_key"),
        (TaskFailure("insufficientCredits", "Not enough credits."), QuotaError, ""),
        (TaskFailure("invalidParameter", "Invalid value for 'height' parameter.", "height"), ConfigError, "height"),
    ],
)
def test_task_errors_that_concern_every_task_fail_the_batch(
    fake: RunwareFake, failure: TaskFailure, expected: type[ProviderError], setting: str
) -> None:
    fake.fail_prompts = {"a red apple": failure}
    with pytest.raises(expected) as caught:
        make(fake).generate_batch([req("a red apple"), req("a yellow banana")])
    assert type(caught.value) is expected
    if setting:
        assert f"providers.image.runware.{setting}" in caught.value.message
    assert_no_key(caught.value)


def test_an_unknown_model_is_a_config_error_naming_the_setting(fake: RunwareFake) -> None:
    with pytest.raises(ConfigError) as caught:
        make(fake, model="civitai:1@1").generate_batch([req("a red apple"), req("a yellow banana")])
    assert "providers.image.runware.model" in caught.value.message
    assert "unknownModel" in caught.value.message


@pytest.mark.parametrize(("key", "value"), [("width", 500), ("width", 2112), ("height", 1000), ("height", 448)])
def test_sizes_outside_runwares_rule_are_refused_before_sending(fake: RunwareFake, key: str, value: int) -> None:
    provider = make(fake, **{key: value})
    problem = provider.setup_problem()
    assert problem is not None
    assert f"providers.image.runware.{key}" in problem
    with pytest.raises(ConfigError) as caught:
        provider.generate_batch([req("a red apple")])
    assert f"providers.image.runware.{key}" in caught.value.message
    assert fake.requests == []


@pytest.mark.parametrize("negative", ["x", " y ", "n" * 3001])
def test_a_negative_prompt_outside_runwares_bounds_is_refused_before_sending(fake: RunwareFake, negative: str) -> None:
    provider = make(fake, negative_prompt=negative)
    problem = provider.setup_problem()
    assert problem is not None
    assert "providers.image.runware.negative_prompt" in problem and "2 to 3,000 characters" in problem
    with pytest.raises(ConfigError) as caught:
        provider.generate_batch([req("a red apple")])
    assert caught.value.message == problem
    assert fake.requests == []


@pytest.mark.parametrize("negative", ["x", " y ", "n" * 3001])
def test_the_settings_schema_refuses_a_negative_prompt_outside_the_bounds(negative: str) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"negative_prompt": negative}, slice_schema(RunwareImages))


@pytest.mark.parametrize("negative", ["", "   ", "no", " a b ", "n" * 3000])
def test_a_negative_prompt_within_the_bounds_or_none_is_sent_as_it_is(fake: RunwareFake, negative: str) -> None:
    jsonschema.validate({"negative_prompt": negative}, slice_schema(RunwareImages))
    provider = make(fake, negative_prompt=negative)
    assert provider.setup_problem() is None
    assert provider.generate(req("a red apple")).ok
    assert tasks_of(fake)[0].get("negativePrompt") == (negative.strip() or None)


def test_the_fake_refuses_a_negative_prompt_runware_would_refuse(fake: RunwareFake) -> None:
    for negative, ok in (("x", False), ("no", True), ("n" * 3001, False)):
        task = {**make(fake)._task(req("a red apple")).body, "negativePrompt": negative}
        answer = requests.post(fake.url, json=[task], headers={"Authorization": f"Bearer {KEY}"}, timeout=5).json()
        assert ("errors" not in answer) == ok, answer


def test_no_key_is_refused_before_sending(fake: RunwareFake) -> None:
    provider = make(fake, api_key="")
    with pytest.raises(AuthError):
        provider.generate(req("a red apple"))
    report = provider.test_connection()
    assert not report.ok
    assert "api_key" in report.message
    assert fake.requests == []


# --- the engine around it --------------------------------------------------------------------------


def test_429_retry_after_is_waited_out_by_the_engine_then_succeeds(fake: RunwareFake) -> None:
    fake.fail(rate_limited(retry_after="1"))
    provider = make(fake, retry_attempts=1)
    work = [WorkItem(req(p), ("runware",)) for p in PROMPTS[:3]]
    sleeps: list[float] = []
    outcome = generate_all(work, providers=Lookup(provider), cancel=threading.Event(), retry_sleep=sleeps.append)

    assert sleeps == [1.0, 1.0, 1.0]  # the server's Retry-After, asked of each request's backoff
    assert all(outcome.results[item.key].ok for item in work)
    assert [len(r.json()) for r in fake.api_requests] == [3, 3]  # the batch, then the batch again


def test_a_url_that_serves_an_html_page_is_rejected(fake: RunwareFake) -> None:
    fake.html_files = True
    with pytest.raises(InvalidResponseError) as caught:
        make(fake, output_type="URL").generate(req("a red apple"))
    assert "not a picture" in caught.value.message
    assert len(fake.downloads) == 1


@pytest.mark.parametrize("output_type", ["base64Data", "dataURI", "URL"])
def test_bytes_that_are_not_a_whole_picture_are_rejected_per_request(fake: RunwareFake, output_type: str) -> None:
    fake.bad_images = {
        "a broken apple": png_bytes(w=40, h=40)[:-20],  # cut short: no IEND
        "an html apple": HTML_PAGE,
    }
    results = make(fake, output_type=output_type).generate_batch(
        [req("a broken apple"), req("a whole apple"), req("an html apple")]
    )
    assert results[1].ok
    cut, html = results[0].error, results[2].error
    assert isinstance(cut, InvalidResponseError)
    assert "cut-short" in cut.message
    assert isinstance(html, InvalidResponseError)
    assert "not a picture" in html.message


# --- test_connection -------------------------------------------------------------------------------


def test_connection_healthy_with_one_authentication_task(fake: RunwareFake) -> None:
    report = make(fake).test_connection()
    assert report.ok, report.message
    assert report.provider == "runware"
    [sent] = fake.api_requests
    assert sent.method == "POST"
    assert sent.json() == [{"taskType": "authentication", "apiKey": KEY}]
    assert sent.headers["authorization"] == f"Bearer {KEY}"


def test_connection_unhealthy_with_a_wrong_key(fake: RunwareFake) -> None:
    report = make(fake, api_key="sk-test-runware-wrong-1111").test_connection()
    assert not report.ok
    assert "API key" in report.message
    assert "sk-test-runware-wrong-1111" not in report.message


def test_connection_unhealthy_when_the_server_is_down() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = RunwareImages({"api_key": KEY, "base_url": f"http://127.0.0.1:{port}/v1", "timeout_s": 2})
    report = provider.test_connection()
    assert not report.ok
    assert "cannot reach" in report.message
    assert KEY not in report.message


def test_a_bad_size_stops_the_job_before_any_request_as_a_settings_problem(fake: RunwareFake) -> None:
    """setup_problem() found it: the job names the setting, and it is no key problem."""
    provider = make(fake, width=500)
    work = [WorkItem(MediaRequest(kind=MediaKind.IMAGE, text=f"a picture of {w}"), ("runware",)) for w in ("cat", "ox")]
    outcome = generate_all(work, providers=Lookup(provider), cancel=threading.Event())
    errors = [result.error for result in outcome.results.values()]
    assert all(isinstance(error, ConfigError) for error in errors), errors
    assert "width" in outcome.provider_problems["runware"]
    assert fake.api_requests == []

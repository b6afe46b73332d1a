"""The ``openverse`` provider against a fake Openverse API on 127.0.0.1 (tests/fakes/openverse_fake.py):
what it sends, how it reads success and every error shape, and the engine waiting out a 429."""

from __future__ import annotations

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
    NotFoundError,
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
from addon.providers.image.openverse import DEFAULT_BASE_URL, USER_AGENT, OpenverseImages, license_name
from tests.fakes.openverse_fake import (
    Failure,
    FakeImage,
    OpenverseFake,
    forbidden,
    html_page,
    not_json,
    rate_limited,
    serve_openverse,
    server_error,
)
from tests.support.job_fakes import Lookup
from tests.support.media_samples import jpeg_bytes, png_bytes
from tests.support.shipped import shipped_slice

# The slice proposed for config.json; the tests build the provider from it.
# Enabled, as a user who lists it in a rule has it (it ships disabled).
SHIPPED: dict[str, Any] = {**shipped_slice("image", "openverse"), "enabled": True}
TEST_KEY = "sk-test-openverse-0123456789abcdef"


def provider_for(fake: OpenverseFake, **changes: Any) -> OpenverseImages:
    return OpenverseImages({**SHIPPED, "base_url": fake.url, "requests_per_minute": 60000, **changes})


def image_request(text: str = "red apple") -> MediaRequest:
    return MediaRequest(kind=MediaKind.IMAGE, text=text, language="en")


@pytest.fixture
def fake() -> Iterator[OpenverseFake]:
    with serve_openverse(tokens=[TEST_KEY]) as running:
        yield running


def closed_port_url() -> str:
    """A loopback address where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def assert_no_key(error: BaseException) -> None:
    assert TEST_KEY not in str(error)
    assert TEST_KEY[8:] not in str(error)


# -- the class and its config slice -----------------------------------------------------------------


def test_class_passes_the_interface_check_and_the_shipped_slice_matches_its_schema() -> None:
    check_provider_class(OpenverseImages, kind=MediaKind.IMAGE, name="openverse", target="x:OpenverseImages")
    jsonschema.validate(SHIPPED, slice_schema(OpenverseImages))
    assert SHIPPED["base_url"] == DEFAULT_BASE_URL
    assert OpenverseImages.capabilities.key.value == "optional" and OpenverseImages.capabilities.http
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**SHIPPED, "licenses": ["by-zz"]}, slice_schema(OpenverseImages))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**SHIPPED, "page_size": 21}, slice_schema(OpenverseImages))


def test_without_a_key_it_is_ready_and_without_base_url_it_says_which_setting() -> None:
    assert OpenverseImages(SHIPPED).setup_problem() is None
    assert OpenverseImages({}).base_url == DEFAULT_BASE_URL
    problem = OpenverseImages({**SHIPPED, "base_url": ""}).setup_problem()
    assert problem is not None and "providers.image.openverse.base_url" in problem


@pytest.mark.parametrize(
    ("code", "version", "name"),
    [
        ("by", "2.0", "CC BY 2.0"),
        ("by-sa", "4.0", "CC BY-SA 4.0"),
        ("cc0", "1.0", "CC0 1.0"),
        ("pdm", "1.0", "Public Domain Mark 1.0"),
        ("sampling+", "1.0", "CC Sampling+ 1.0"),
        ("by-nc", None, "CC BY-NC"),
    ],
)
def test_license_names_read_as_openverse_writes_them(code: str, version: str | None, name: str) -> None:
    assert license_name(code, version) == name


# -- success ------------------------------------------------------------------------------------------


def test_finds_an_image_and_downloads_its_thumbnail_with_credit(fake: OpenverseFake) -> None:
    apple = FakeImage(title="Red apple", creator="Jane Doe", license="by-sa", license_version="4.0")
    fake.add("red apple", apple)
    result = provider_for(fake).generate(image_request("  red   apple "))

    assert result.data == jpeg_bytes() and result.extension == "jpg" and result.mime_type == "image/jpeg"
    require_media(MediaKind.IMAGE, result.data, extension=result.extension, provider="test")
    assert result.attribution is not None
    assert result.attribution.author == "Jane Doe"
    assert result.attribution.license == "CC BY-SA 4.0"
    assert result.attribution.license_url == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert result.attribution.source_url == apple.foreign_landing_url
    assert result.attribution.title == "Red apple"

    search, thumb = fake.requests
    assert (search.method, search.path) == ("GET", "/v1/images/")
    assert search.query == {
        "q": ["red apple"],
        "page_size": ["5"],
        "mature": ["false"],
        "license": ["by,by-sa,cc0,pdm"],
    }
    assert "authorization" not in search.headers
    assert search.headers["user-agent"] == USER_AGENT
    assert (thumb.method, thumb.path) == ("GET", f"/v1/images/{apple.id}/thumb/")


def test_with_use_thumbnail_off_it_downloads_the_original(fake: OpenverseFake) -> None:
    apple = fake.add("apple", FakeImage(filetype="png", original=png_bytes(3, 3)))[0]
    result = provider_for(fake, use_thumbnail=False).generate(image_request("apple"))
    assert result.data == png_bytes(3, 3) and result.extension == "png" and result.mime_type == "image/png"
    assert [r.path for r in fake.requests] == ["/v1/images/", f"/files/{apple.id}.png"]


def test_an_access_token_goes_to_the_api_as_bearer_and_never_to_downloads(fake: OpenverseFake) -> None:
    result = provider_for(fake, api_key=TEST_KEY).generate(image_request("pear"))
    assert result.ok
    search, thumb = fake.requests
    assert search.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert "authorization" not in thumb.headers


def test_licence_settings_are_sent_and_results_of_other_licences_are_not_taken(fake: OpenverseFake) -> None:
    fake.add(
        "owl",
        FakeImage(title="Owl by", license="by", license_version="2.0"),
        FakeImage(title="Owl cc0", license="cc0", license_version="1.0"),
    )
    provider = provider_for(fake, licenses=["cc0", "pdm"], license_type=["commercial", "modification"])
    result = provider.generate(image_request("owl"))
    assert result.attribution is not None
    assert (result.attribution.title, result.attribution.license) == ("Owl cc0", "CC0 1.0")
    query = fake.searches()[0].query
    assert query["license"] == ["cc0,pdm"] and query["license_type"] == ["commercial,modification"]


def test_a_long_text_is_cut_to_the_apis_200_characters(fake: OpenverseFake) -> None:
    provider_for(fake).generate(image_request("word " * 100))
    assert len(fake.searches()[0].query["q"][0]) == 200


def test_results_it_cannot_use_are_passed_over(fake: OpenverseFake) -> None:
    _svg, broken, good = fake.add(
        "logo",
        FakeImage(title="Vector logo", filetype="svg"),
        FakeImage(title="Broken proxy", thumb_status=424),
        FakeImage(title="Good one"),
    )
    result = provider_for(fake).generate(image_request("logo"))
    assert result.attribution is not None and result.attribution.title == "Good one"
    # the svg is never fetched; the thumbnail the proxy cannot render is tried and passed over
    assert [r.path for r in fake.requests] == [
        "/v1/images/",
        f"/v1/images/{broken.id}/thumb/",
        f"/v1/images/{good.id}/thumb/",
    ]


def test_a_dead_original_passes_to_the_next_result(fake: OpenverseFake) -> None:
    fake.add("fig", FakeImage(title="Gone", original_status=404), FakeImage(title="Here"))
    result = provider_for(fake, use_thumbnail=False).generate(image_request("fig"))
    assert result.attribution is not None and result.attribution.title == "Here"


# -- nothing found and errors -----------------------------------------------------------------------


def test_no_results_is_not_found() -> None:
    with serve_openverse(others="empty") as fake, pytest.raises(NotFoundError) as caught:
        provider_for(fake).generate(image_request("qwxyzzy"))
    assert "qwxyzzy" in caught.value.message and "licenses" in caught.value.message
    assert not caught.value.provider_wide


def test_a_result_whose_file_is_an_html_page_is_rejected(fake: OpenverseFake) -> None:
    fake.add("kiwi", FakeImage(original=html_page()))
    with pytest.raises(InvalidResponseError) as caught:
        provider_for(fake, use_thumbnail=False).generate(image_request("kiwi"))
    assert "HTML" in caught.value.message


def test_a_thumbnail_that_is_an_html_page_is_rejected(fake: OpenverseFake) -> None:
    fake.add("plum", FakeImage(thumb=html_page("Sign in")))
    with pytest.raises(InvalidResponseError):
        provider_for(fake).generate(image_request("plum"))


def test_a_refused_token_is_an_auth_error_without_the_key() -> None:
    with serve_openverse(tokens=["another-token"]) as fake, pytest.raises(AuthError) as caught:
        provider_for(fake, api_key=TEST_KEY).generate(image_request())
    assert caught.value.provider_wide
    assert "401" in caught.value.message and "providers.image.openverse.api_key" in caught.value.message
    assert "Incorrect authentication credentials" in caught.value.message
    assert_no_key(caught.value)


def test_a_revoked_application_is_an_auth_error(fake: OpenverseFake) -> None:
    fake.fail(forbidden())
    with pytest.raises(AuthError) as caught:
        provider_for(fake, api_key=TEST_KEY).generate(image_request())
    assert "403" in caught.value.message
    assert_no_key(caught.value)


def test_throttling_is_a_rate_limit_error_with_the_servers_wait(fake: OpenverseFake) -> None:
    fake.fail(rate_limited(retry_after=7))
    with pytest.raises(RateLimitError) as caught:
        provider_for(fake, api_key=TEST_KEY).generate(image_request())
    assert caught.value.retry_after == 7
    assert "Expected available in 7 seconds" in caught.value.message
    assert_no_key(caught.value)


def test_a_spent_daily_allowance_is_a_quota_error(fake: OpenverseFake) -> None:
    fake.fail(rate_limited(retry_after=40_000))
    with pytest.raises(QuotaError) as caught:
        provider_for(fake).generate(image_request())
    assert caught.value.provider_wide and "11 hours" in caught.value.message
    assert "providers.image.openverse.api_key" in caught.value.message


@pytest.mark.parametrize(("failure", "said"), [(server_error(), "A server error occurred")])  # 503: test_contract.py
def test_server_trouble_is_transient(fake: OpenverseFake, failure: Failure, said: str) -> None:
    fake.fail(failure)
    with pytest.raises(TransientError) as caught:
        provider_for(fake, api_key=TEST_KEY).generate(image_request())
    assert not isinstance(caught.value, RateLimitError)
    assert said in caught.value.message and "<" not in caught.value.message
    assert_no_key(caught.value)


def test_a_rejected_licence_setting_is_a_config_error_naming_it(fake: OpenverseFake) -> None:
    with pytest.raises(ConfigError) as caught:
        provider_for(fake, licenses=["by", "by-zz"]).generate(image_request())
    assert "License 'by-zz' does not exist." in caught.value.message
    assert "providers.image.openverse.licenses" in caught.value.message
    assert fake.searches()[0].query["license"] == ["by,by-zz"]


def test_a_page_size_over_the_anonymous_maximum_names_page_size(fake: OpenverseFake) -> None:
    provider = provider_for(fake, page_size=25)
    assert "page_size" in (provider.setup_problem() or "")
    with pytest.raises(ConfigError) as caught:
        provider.generate(image_request())
    assert "providers.image.openverse.page_size" in caught.value.message


def test_a_base_url_that_is_not_the_api_root_names_base_url(fake: OpenverseFake) -> None:
    with pytest.raises(ConfigError) as caught:
        OpenverseImages({**SHIPPED, "base_url": f"{fake.url}/v1"}).generate(image_request())
    assert "404" in caught.value.message and "providers.image.openverse.base_url" in caught.value.message
    assert fake.requests[0].path == "/v1/v1/images/"


def test_an_answer_that_is_not_json_is_an_invalid_response(fake: OpenverseFake) -> None:
    fake.fail(not_json())
    with pytest.raises(InvalidResponseError):
        provider_for(fake).generate(image_request())


def test_a_refusal_by_an_images_host_does_not_blame_the_token(fake: OpenverseFake) -> None:
    fake.add("cat", FakeImage(original_status=403))
    with pytest.raises(PermanentError) as caught:
        provider_for(fake, api_key=TEST_KEY, use_thumbnail=False).generate(image_request("cat"))
    assert not caught.value.provider_wide


# -- through the engine -------------------------------------------------------------------------------


def test_the_engine_waits_out_a_429_then_succeeds(fake: OpenverseFake) -> None:
    fake.fail(rate_limited(retry_after=1))
    provider = provider_for(fake)
    waits: list[float] = []
    item = WorkItem(image_request("lemon"), ("openverse",))
    outcome = generate_all([item], providers=Lookup(provider), cancel=threading.Event(), retry_sleep=waits.append)
    result = outcome.results[item.key]
    assert result.ok, result.error
    assert result.extension == "jpg" and result.attempts == 2
    assert waits == [1.0]
    assert len(fake.searches()) == 2


def test_an_outage_fails_the_request_for_the_next_provider() -> None:
    with serve_openverse() as fake:
        fake.fail_always(server_error())
        provider = provider_for(fake, retry_attempts=1)
        item = WorkItem(image_request("melon"), ("openverse",))
        outcome = generate_all([item], providers=Lookup(provider), cancel=threading.Event(), retry_sleep=lambda s: None)
    result = outcome.results[item.key]
    assert isinstance(result.error, TransientError) and len(fake.searches()) == 2


# -- test_connection ----------------------------------------------------------------------------------


def test_connection_without_a_token_is_one_tiny_search(fake: OpenverseFake) -> None:
    report = provider_for(fake).test_connection()
    assert report.ok, report.message
    assert "19 of 20/min" in report.message and "199 of 200/day" in report.message
    (search,) = fake.requests
    assert search.path == "/v1/images/" and search.query["page_size"] == ["1"]


def test_connection_with_a_token_asks_for_its_rate_limit(fake: OpenverseFake) -> None:
    report = provider_for(fake, api_key=TEST_KEY).test_connection()
    assert report.ok, report.message
    assert "standard" in report.message
    (check,) = fake.requests
    assert (check.method, check.path) == ("GET", "/v1/rate_limit/")
    assert check.headers["authorization"] == f"Bearer {TEST_KEY}"


def test_connection_reports_a_bad_token() -> None:
    with serve_openverse(tokens=["another-token"]) as fake:
        report = provider_for(fake, api_key=TEST_KEY).test_connection()
    assert not report.ok and "401" in report.message
    assert TEST_KEY not in report.message


def test_connection_reports_a_server_that_is_down() -> None:
    provider = OpenverseImages({**SHIPPED, "base_url": closed_port_url(), "timeout_s": 2})
    report = provider.test_connection()
    assert not report.ok and "cannot reach" in report.message


# -- the fake itself behaves as the real API ---------------------------------------------------------


def test_the_fake_rejects_what_the_real_api_rejects(fake: OpenverseFake) -> None:
    search = f"{fake.url}/v1/images/"
    deprecated = requests.get(search, params={"q": "a", "li": "by"}, timeout=5)
    assert deprecated.status_code == 400 and "li" in deprecated.json()["detail"]
    too_many = requests.get(search, params={"q": "a", "page_size": "21"}, timeout=5)
    assert too_many.status_code == 401
    assert too_many.json() == {"detail": "Ensure this value is less than or equal to 20."}
    authed = requests.get(
        search, params={"q": "a", "page_size": "21"}, headers={"Authorization": f"Bearer {TEST_KEY}"}, timeout=5
    )
    assert authed.status_code == 200
    bad_type = requests.get(search, params={"q": "a", "license_type": "free"}, timeout=5)
    assert bad_type.json() == {"detail": {"license_type": ["License type 'free' does not exist."]}}
    anonymous_check = requests.get(f"{fake.url}/v1/rate_limit/", timeout=5)
    assert anonymous_check.status_code == 403 and anonymous_check.json() == {"detail": "Forbidden"}
    fake.fail(rate_limited(retry_after=3))
    throttled = requests.get(search, params={"q": "a"}, timeout=5)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"


def test_the_fake_leaves_out_mature_images_unless_asked(fake: OpenverseFake) -> None:
    fake.add("beach", FakeImage(title="Safe"), FakeImage(title="Mature", mature=True))
    search = f"{fake.url}/v1/images/"
    titles = [r["title"] for r in requests.get(search, params={"q": "beach"}, timeout=5).json()["results"]]
    assert titles == ["Safe"]
    everything = requests.get(search, params={"q": "beach", "mature": "true"}, timeout=5).json()
    assert [r["title"] for r in everything["results"]] == ["Safe", "Mature"]


def test_provider_errors_name_the_provider(fake: OpenverseFake) -> None:
    fake.fail(server_error())
    with pytest.raises(ProviderError) as caught:
        provider_for(fake).generate(image_request())
    assert caught.value.provider == "openverse"

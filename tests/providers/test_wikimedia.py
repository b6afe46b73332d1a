"""`WikimediaCommons` against the fake Commons of `wikimedia_fake` (real HTTP on 127.0.0.1): what it
sends (the search, the User-Agent, maxlag), what it makes of each answer (rank order, pictures only,
licences, attribution), and every documented failure mapped to the error class the job acts on."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from addon.core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import require_media
from addon.core.media.types import Attribution, MediaKind, MediaRequest
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.providers.image.wikimedia import DEFAULT_USER_AGENT, MAX_QUERY_CHARS, WikimediaCommons
from tests.fakes.wikimedia_fake import (
    KNOWN_PARAMS,
    CommonsFile,
    WikimediaFake,
    api_error,
    rate_limited,
    serve_wikimedia,
)
from tests.support.job_fakes import Lookup
from tests.support.media_samples import jpeg_bytes
from tests.support.shipped import shipped_slice

USER_AGENT = "MediaFillTests/1.0 (https://example.org/media-fill-tests; tests@example.org)"

# The block proposed for config.json's providers.image.wikimedia (checked against the schema below).
# Enabled, as a user who lists it in a rule has it (it ships disabled).
SHIPPED: dict[str, Any] = {**shipped_slice("image", "wikimedia"), "enabled": True}


@pytest.fixture
def fake() -> Iterator[WikimediaFake]:
    with serve_wikimedia() as server:
        yield server


def provider_for(fake: WikimediaFake, **settings: Any) -> WikimediaCommons:
    return WikimediaCommons(
        {
            **SHIPPED,
            "base_url": fake.url,
            "user_agent": USER_AGENT,
            "timeout_s": 5,
            "requests_per_minute": 6000,
            **settings,
        }
    )


def ask(text: str = "red apple") -> MediaRequest:
    return MediaRequest(kind=MediaKind.IMAGE, text=text, language="en")


def apple(**fields: Any) -> CommonsFile:
    return CommonsFile("Red Apple.jpg", **fields)


# --- success ---------------------------------------------------------------------------------------


def test_a_found_picture_is_its_thumbnail_with_its_attribution(fake: WikimediaFake) -> None:
    fake.add("red apple", apple())
    provider = provider_for(fake)
    result = provider.generate(ask())
    assert result.data == jpeg_bytes()
    assert (result.extension, result.mime_type, result.provider) == ("jpg", "image/jpeg", "wikimedia")
    require_media(MediaKind.IMAGE, result.data, extension=result.extension, provider="test")
    assert result.attribution == Attribution(
        author="Abc",
        license="CC BY-SA 4.0",
        license_url="https://creativecommons.org/licenses/by-sa/4.0",
        source_url="https://commons.wikimedia.org/wiki/File:Red_Apple.jpg",
        title="Red Apple",
    )


def test_it_sends_the_documented_search_with_its_user_agent_and_maxlag(fake: WikimediaFake) -> None:
    fake.add("red apple", apple())
    provider_for(fake, thumb_width=330, search_limit=7).generate(ask("  red\n apple "))
    [api] = fake.api_requests
    query = {key: values[-1] for key, values in api.query.items()}
    assert api.method == "GET"
    assert query["action"] == "query"
    assert query["generator"] == "search"
    assert query["gsrsearch"] == "red apple filetype:bitmap|drawing"
    assert query["gsrnamespace"] == "6"
    assert query["gsrlimit"] == "7"
    assert query["prop"] == "imageinfo"
    assert {"url", "mime", "extmetadata"} <= set(query["iiprop"].split("|"))
    assert query["iiurlwidth"] == "330"
    assert {"Artist", "LicenseShortName", "LicenseUrl"} <= set(query["iiextmetadatafilter"].split("|"))
    assert (query["format"], query["formatversion"], query["maxlag"]) == ("json", "2", "5")
    assert set(query) <= KNOWN_PARAMS, "only parameters the API knows (it would warn about the others)"
    assert api.headers["user-agent"] == USER_AGENT
    [thumb] = fake.file_requests
    assert "/thumb/" in thumb.path and "/330px-Red_Apple.jpg" in thumb.path, "the thumbnail, never the original"
    assert thumb.headers["user-agent"] == USER_AGENT


def test_pages_are_taken_in_rank_order_not_in_the_lists_page_id_order(fake: WikimediaFake) -> None:
    first, second = CommonsFile("Best match.jpg"), CommonsFile("Second match.png", mime="image/png")
    fake.add("apple", first, second)
    assert first.pageid > second.pageid, "the fake lists the second-ranked page first"
    result = provider_for(fake).generate(ask("apple"))
    assert result.extension == "jpg"
    assert result.attribution is not None and result.attribution.title == "Best match"


def test_an_svg_drawing_comes_as_its_png_thumbnail(fake: WikimediaFake) -> None:
    fake.add("flag of france", CommonsFile("Flag of France.svg", mime="image/svg+xml"))
    result = provider_for(fake).generate(ask("flag of france"))
    assert (result.extension, result.mime_type) == ("png", "image/png")
    assert fake.file_requests[0].path.endswith("px-Flag_of_France.svg.png")


def test_a_small_picture_is_served_as_it_is(fake: WikimediaFake) -> None:
    fake.add("dot", CommonsFile("Dot.png", mime="image/png", width=4, height=3))
    result = provider_for(fake).generate(ask("dot"))
    assert result.extension == "png"
    assert "/thumb/" not in fake.file_requests[0].path


def test_the_author_is_the_text_of_the_artist_html_and_the_title_its_object_name(fake: WikimediaFake) -> None:
    fake.add(
        "apple",
        apple(
            artist='<a href="//commons.wikimedia.org/wiki/User:Abc">Abc</a>, <span class="x">Jane &amp; Co</span>'
            "<br>(photo)",
            object_name="An <i>apple</i> on a table",
            license_url="//creativecommons.org/publicdomain/zero/1.0/",
        ),
    )
    attribution = provider_for(fake).generate(ask("apple")).attribution
    assert attribution is not None
    assert attribution.author == "Abc, Jane & Co (photo)"
    assert attribution.title == "An apple on a table"
    assert attribution.license_url == "https://creativecommons.org/publicdomain/zero/1.0/"


def test_without_an_artist_the_credit_names_the_author(fake: WikimediaFake) -> None:
    fake.add("apple", apple(artist=None, credit="<p>Photo by <b>Jane Roe</b></p>"))
    attribution = provider_for(fake).generate(ask("apple")).attribution
    assert attribution is not None and attribution.author == "Photo by Jane Roe"


def test_a_long_text_is_cut_at_a_word_to_fit_the_search(fake: WikimediaFake) -> None:
    text = " ".join(["pomegranate"] * 60)
    with pytest.raises(NotFoundError):
        provider_for(fake).generate(ask(text))
    search = fake.api_requests[0].query["gsrsearch"][0]
    assert len(search) <= MAX_QUERY_CHARS
    assert search.endswith("pomegranate filetype:bitmap|drawing")


def test_concurrent_requests_from_worker_threads(fake: WikimediaFake) -> None:
    for word in ("one", "two", "three", "four"):
        fake.add(word, CommonsFile(f"{word}.jpg"))
    provider = provider_for(fake)
    titles: list[str] = []

    def work(word: str) -> None:
        attribution = provider.generate(ask(word)).attribution
        assert attribution is not None
        titles.append(attribution.title)

    threads = [threading.Thread(target=work, args=(w,)) for w in ("one", "two", "three", "four")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    provider.close()
    assert sorted(titles) == ["four", "one", "three", "two"]


# --- nothing usable found -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["no_query", "empty_pages"])
def test_no_result_is_not_found(shape: str) -> None:
    with serve_wikimedia(empty_shape=shape) as fake:
        with pytest.raises(NotFoundError, match="no file for “zzxq”"):
            provider_for(fake).generate(ask("zzxq"))
        assert fake.file_requests == []


def test_only_documents_video_and_sound_is_not_found(fake: WikimediaFake) -> None:
    fake.add(
        "apple",
        CommonsFile("Apples of New York.pdf", mime="application/pdf"),
        CommonsFile("Apple orchard.webm", mime="video/webm"),
        CommonsFile("Apple cultivation.djvu", mime="image/vnd.djvu"),
        CommonsFile("Apple song.ogg", mime="audio/ogg"),
    )
    with pytest.raises(NotFoundError, match="no picture with a thumbnail among them"):
        provider_for(fake, search_filter="").generate(ask("apple"))
    assert fake.file_requests == []


def test_the_first_picture_after_documents_is_taken(fake: WikimediaFake) -> None:
    fake.add("apple", CommonsFile("Apples of New York.pdf", mime="application/pdf"), apple())
    result = provider_for(fake, search_filter="").generate(ask("apple"))
    assert result.attribution is not None and result.attribution.title == "Red Apple"


def test_the_default_filter_keeps_documents_out_of_the_search(fake: WikimediaFake) -> None:
    fake.add("apple", CommonsFile("Apples of New York.pdf", mime="application/pdf"))
    with pytest.raises(NotFoundError, match="no file"):
        provider_for(fake).generate(ask("apple"))


def test_files_under_other_licences_are_skipped(fake: WikimediaFake) -> None:
    fake.add(
        "apple",
        apple(license="CC BY-SA 4.0"),
        CommonsFile("Green apple.jpg", license="CC0", license_url="https://creativecommons.org/publicdomain/zero/1.0/"),
    )
    result = provider_for(fake, allowed_licenses=["cc0", "Public domain"]).generate(ask("apple"))
    assert result.attribution is not None and result.attribution.license == "CC0"


def test_a_licence_family_does_not_take_its_share_alike_sibling(fake: WikimediaFake) -> None:
    fake.add("apple", apple(license="CC BY-SA 4.0"), CommonsFile("No licence.jpg", license=None))
    with pytest.raises(NotFoundError, match="allowed_licenses"):
        provider_for(fake, allowed_licenses=["CC BY"]).generate(ask("apple"))
    assert fake.file_requests == []
    fake.add("pear", CommonsFile("Pear.jpg", license="CC BY 2.0"))
    assert provider_for(fake, allowed_licenses=["CC BY"]).generate(ask("pear")).ok


# --- failures ---------------------------------------------------------------------------------------


def test_429_is_waited_out_through_the_engine_and_then_succeeds(fake: WikimediaFake) -> None:
    fake.add("red apple", apple())
    fake.fail(rate_limited(retry_after="1"))
    waits: list[float] = []
    work = [WorkItem(ask(), ("wikimedia",))]
    started = time.monotonic()
    outcome = generate_all(
        work, providers=Lookup(provider_for(fake)), cancel=threading.Event(), retry_sleep=waits.append
    )
    [result] = outcome.results.values()
    assert result.ok and result.data == jpeg_bytes(), result.error
    assert waits == [1.0], "the retry waited what Retry-After asked"
    assert time.monotonic() - started >= 0.9, "the provider's limiter paused for the Retry-After too"
    assert len(fake.api_requests) == 2


def test_maxlag_is_a_transient_error_with_the_servers_wait(fake: WikimediaFake) -> None:
    fake.add("red apple", apple())
    fake.lag_s = 12.5
    with pytest.raises(TransientError) as caught:
        provider_for(fake).generate(ask())
    assert not isinstance(caught.value, RateLimitError)
    assert caught.value.retry_after == 5.0
    assert "lagging" in caught.value.message
    fake.lag_s = 3  # under the maxlag=5 the provider sends: answered
    assert provider_for(fake).generate(ask()).ok


def test_maxlag_is_waited_out_through_the_engine(fake: WikimediaFake) -> None:
    fake.add("red apple", apple())
    fake.fail(api_error("maxlag", "Waiting for 10.64.48.35: 7 seconds lagged.", headers={"Retry-After": "5"}))
    waits: list[float] = []
    outcome = generate_all(
        [WorkItem(ask(), ("wikimedia",))],
        providers=Lookup(provider_for(fake)),
        cancel=threading.Event(),
        retry_sleep=waits.append,
    )
    [result] = outcome.results.values()
    assert result.ok and waits == [5.0]


@pytest.mark.parametrize(
    ("code", "info", "error_class"),
    [
        ("badvalue", 'Unrecognized value for parameter "gsrwhat": sound.', PermanentError),
        ("ratelimited", "You've exceeded your rate limit. Please wait some time and try again.", RateLimitError),
        ("internal_api_error_DBQueryError", "[abc123] Caught exception of type DBQueryError", TransientError),
        ("readapidenied", "You need read permission to use this module.", AuthError),
    ],
)
def test_the_error_envelope_maps_to_its_class(
    fake: WikimediaFake, code: str, info: str, error_class: type[ProviderError]
) -> None:
    fake.fail(api_error(code, info))
    with pytest.raises(ProviderError) as caught:
        provider_for(fake).generate(ask())
    assert type(caught.value) is error_class
    assert info[:40] in caught.value.message
    assert fake.file_requests == []


def test_the_error_envelope_of_format_version_1_is_read_too(fake: WikimediaFake) -> None:
    fake.fail(api_error("badvalue", 'Unrecognized value for parameter "prop": imageinfos.', v2=False))
    with pytest.raises(PermanentError, match="badvalue"):
        provider_for(fake).generate(ask())


def test_a_refused_user_agent_says_which_setting_to_fix(fake: WikimediaFake) -> None:
    fake.add("red apple", apple())
    with pytest.raises(AuthError) as caught:
        provider_for(fake, user_agent="python-requests/2.32.3").generate(ask())
    assert "user_agent" in caught.value.message and "robot policy" in caught.value.message
    assert "API key" not in caught.value.message


def test_a_blank_user_agent_is_replaced_by_the_default(fake: WikimediaFake) -> None:
    fake.add("red apple", apple())
    assert provider_for(fake, user_agent="   ").generate(ask()).ok
    assert fake.api_requests[0].headers["user-agent"] == DEFAULT_USER_AGENT


def test_a_wrong_base_url_is_a_config_error(fake: WikimediaFake) -> None:
    provider = provider_for(fake, base_url=fake.url.replace("/w/api.php", "/api.php"))
    with pytest.raises(ConfigError, match="base_url"):
        provider.generate(ask())


def test_a_hanging_thumbnail_hits_timeout_s(fake: WikimediaFake) -> None:
    fake.add("red apple", apple())
    fake.hang(on="files")
    started = time.monotonic()
    with pytest.raises(TransientError):
        provider_for(fake, timeout_s=0.5).generate(ask())
    assert time.monotonic() - started < 2.5


def test_a_thumbnail_that_is_an_html_page_is_rejected(fake: WikimediaFake) -> None:
    page = b"<!DOCTYPE html><html><head><title>Wikimedia Error</title></head><body>" + b"<p>Error</p>" * 20
    fake.add("red apple", apple(thumb=page, thumb_type="image/jpeg"))
    with pytest.raises(InvalidResponseError, match="HTML page"):
        provider_for(fake).generate(ask())


def test_a_missing_thumbnail_is_not_found(fake: WikimediaFake) -> None:
    fake.add("red apple", apple(thumb_status=404))
    with pytest.raises(NotFoundError):
        provider_for(fake).generate(ask())


# --- health ------------------------------------------------------------------------------------------


def test_connection_is_the_cheap_siteinfo_call(fake: WikimediaFake) -> None:
    report = provider_for(fake).test_connection()
    assert report.ok, report.message
    assert "Wikimedia Commons" in report.message
    [api] = fake.api_requests
    query = {key: values[-1] for key, values in api.query.items()}
    assert (query["action"], query["meta"], query["format"], query["formatversion"]) == (
        "query",
        "siteinfo",
        "json",
        "2",
    )
    assert "generator" not in query and fake.file_requests == []
    assert api.headers["user-agent"] == USER_AGENT


def test_connection_reports_a_refused_user_agent(fake: WikimediaFake) -> None:
    report = provider_for(fake, user_agent="curl/8.5.0").test_connection()
    assert not report.ok and "user_agent" in report.message


def test_connection_reports_an_error_envelope(fake: WikimediaFake) -> None:
    fake.fail(api_error("readapidenied", "You need read permission to use this module."))
    report = provider_for(fake).test_connection()
    assert not report.ok and "read permission" in report.message


def test_connection_reports_a_server_that_is_down() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = WikimediaCommons({**SHIPPED, "base_url": f"http://127.0.0.1:{port}/w/api.php", "timeout_s": 2})
    report = provider.test_connection()
    assert not report.ok and "cannot reach" in report.message


# --- registration ------------------------------------------------------------------------------------


def test_the_class_passes_the_registry_check_and_the_shipped_settings_fit_its_schema() -> None:
    check_provider_class(WikimediaCommons, kind=MediaKind.IMAGE, name="wikimedia", target="wikimedia")
    jsonschema.validate(SHIPPED, slice_schema(WikimediaCommons))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**SHIPPED, "user_agent": ""}, slice_schema(WikimediaCommons))
    assert "api_key" not in slice_schema(WikimediaCommons)["properties"], "no key"


def test_nothing_connects_before_use() -> None:
    provider = WikimediaCommons({**SHIPPED, "base_url": "http://127.0.0.1:9/w/api.php"})
    assert provider.setup_problem() is None
    provider.close()

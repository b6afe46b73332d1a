"""The ``forvo`` provider against a fake Forvo API on 127.0.0.1 (tests/fakes/forvo_fake.py): what it
sends, which pronunciation it picks, how it reads every error shape, its daily request counter, and
the engine falling back, waiting out a 429 and never retrying a spent quota."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
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
    QuotaError,
    TransientError,
)
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.core.provider_system.registry import ProviderRegistry
from addon.providers.audio.forvo import ForvoPronunciations
from addon.providers.audio.forvo.daily_counter import DailyCounter, next_reset, period_start
from addon.providers.audio.forvo.provider import CREDIT, DEFAULT_BASE_URL, USER_AGENT
from tests.fakes.forvo_fake import (
    INCORRECT_DOMAIN,
    LIMIT_REACHED,
    TEST_KEY,
    FakePronunciation,
    ForvoFake,
    html_page,
    invalid_value,
    limit_reached,
    not_json,
    rate_limited,
    serve_forvo,
)
from tests.support.job_fakes import Backup, Lookup
from tests.support.media_samples import ogg_vorbis_bytes, silent_mp3
from tests.support.shipped import shipped_slice

# The slice proposed for config.json; the tests build the provider from it (with their own counter file).
SHIPPED: dict[str, Any] = shipped_slice("audio", "forvo")
API_PREFIX = f"/key/{TEST_KEY}/format/json/action/word-pronunciations"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def counter_file(tmp_path: Path) -> Path:
    return tmp_path / "counter" / "forvo_counter.json"


@pytest.fixture
def fake() -> Iterator[ForvoFake]:
    with serve_forvo() as running:
        yield running


def provider_for(
    fake: ForvoFake, counter_file: Path, *, clock: Clock | None = None, **changes: Any
) -> ForvoPronunciations:
    settings = {
        **SHIPPED,
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 60000,
        "counter_file": str(counter_file),
        **changes,
    }
    if clock is None:
        return ForvoPronunciations(settings)
    return ForvoPronunciations(settings, clock=clock)


def word(text: str = "Straße", language: str = "de") -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language=language)


def stored_count(counter_file: Path) -> int:
    return int(json.loads(counter_file.read_text(encoding="utf-8"))["count"])


def assert_no_key(error: BaseException | str) -> None:
    assert TEST_KEY not in str(error)
    assert TEST_KEY[8:] not in str(error)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- the class and its config slice -----------------------------------------------------------------


def test_class_passes_the_interface_check_and_the_shipped_slice_matches_its_schema() -> None:
    check_provider_class(ForvoPronunciations, kind=MediaKind.AUDIO, name="forvo", target="x:ForvoPronunciations")
    jsonschema.validate(SHIPPED, slice_schema(ForvoPronunciations))
    assert SHIPPED["base_url"] == DEFAULT_BASE_URL == ForvoPronunciations.default_base_url
    assert ForvoPronunciations.capabilities.key.value == "required" and ForvoPronunciations.capabilities.http
    for bad in ({"sex": "x"}, {"order": "votes"}, {"daily_limit": 0}, {"languages": {"pt-BR": "p t"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED, **bad}, slice_schema(ForvoPronunciations))


def test_without_a_key_it_names_the_setting() -> None:
    problem = ForvoPronunciations(SHIPPED).setup_problem()
    assert problem is not None and "providers.audio.forvo.api_key" in problem
    assert ForvoPronunciations({}).base_url == DEFAULT_BASE_URL


def in_state_dir(settings: dict[str, Any], state_dir: Path | None) -> ForvoPronunciations:
    provider = ForvoPronunciations(settings)
    provider.state_dir = state_dir
    return provider


def test_the_counter_lives_in_the_state_folder_the_registry_gives(tmp_path: Path) -> None:
    keyed = {**SHIPPED, "api_key": TEST_KEY}
    assert in_state_dir(keyed, tmp_path).setup_problem() is None
    assert in_state_dir(keyed, tmp_path).counter_path == tmp_path / "forvo_counter.json"
    assert in_state_dir({**keyed, "counter_file": "x.json"}, tmp_path).counter_path == tmp_path / "x.json"
    elsewhere = tmp_path / "elsewhere" / "count.json"
    assert in_state_dir({**keyed, "counter_file": str(elsewhere)}, tmp_path).counter_path == elsewhere
    assert in_state_dir({**keyed, "counter_file": str(elsewhere)}, None).setup_problem() is None
    registry = ProviderRegistry(load_config({}), state_dir=tmp_path)
    built = registry.get(MediaKind.AUDIO, "forvo")
    assert isinstance(built, ForvoPronunciations) and built.counter_path == tmp_path / "forvo_counter.json"
    registry.close()


def test_without_a_state_folder_a_relative_counter_file_is_refused_before_any_request(
    fake: ForvoFake, tmp_path: Path
) -> None:
    provider = in_state_dir({**SHIPPED, "api_key": TEST_KEY, "base_url": fake.url, "counter_file": "x.json"}, None)
    problem = provider.setup_problem()
    assert problem is not None and "providers.audio.forvo.counter_file" in problem
    with pytest.raises(ConfigError, match="counter_file"):
        provider.generate(word())
    report = provider.test_connection()
    assert not report.ok and "counter_file" in report.message
    assert fake.requests == []


# -- success and what was sent -------------------------------------------------------------------------


def test_downloads_the_best_rated_mp3_and_sends_the_documented_path(
    fake: ForvoFake, counter_file: Path, mp3_bytes: bytes
) -> None:
    _low, best, _middle = fake.add(
        "Straße",
        "de",
        FakePronunciation(username="low", rate=0, num_votes=3),
        FakePronunciation(username="best", country="Germany", rate=4, num_votes=6, mp3=mp3_bytes),
        FakePronunciation(username="middle", rate=2, num_votes=2),
    )
    result = provider_for(fake, counter_file).generate(word("  Straße "))

    assert result.data == mp3_bytes and result.extension == "mp3" and result.mime_type == "audio/mpeg"
    require_media(MediaKind.AUDIO, result.data, extension=result.extension, provider="test")
    lookup, download = fake.requests
    assert lookup.method == "GET"
    assert lookup.path == f"{API_PREFIX}/word/Stra%C3%9Fe/language/de/order/rate-desc"
    assert lookup.query == {} and lookup.headers["user-agent"] == USER_AGENT
    assert (download.method, download.path) == ("GET", f"/mp3/{best.id}.mp3")
    assert TEST_KEY not in download.path
    assert result.attribution is not None
    assert result.attribution.author == "best (Germany)" and result.attribution.license == CREDIT
    assert result.attribution.source_url == "https://forvo.com/word/Stra%C3%9Fe/#de"
    assert stored_count(counter_file) == 2  # the lookup and the download both count (§3.2)


def test_the_word_is_percent_encoded_as_utf8_with_spaces_as_percent_20(fake: ForvoFake, counter_file: Path) -> None:
    provider = provider_for(fake, counter_file)
    provider.generate(word("auf  Wiedersehen", "de"))
    provider.generate(word("AC/DC", "en"))
    provider.generate(word("眼鏡", "ja"))
    paths = [r.path for r in fake.lookups()]
    assert paths[0] == f"{API_PREFIX}/word/auf%20Wiedersehen/language/de/order/rate-desc"
    assert paths[1] == f"{API_PREFIX}/word/AC%2FDC/language/en/order/rate-desc"
    assert paths[2] == f"{API_PREFIX}/word/%E7%9C%BC%E9%8F%A1/language/ja/order/rate-desc"
    assert fake.words_asked() == ["auf Wiedersehen", "AC/DC", "眼鏡"]


def test_the_request_language_is_mapped_to_forvos_code(fake: ForvoFake, counter_file: Path) -> None:
    provider = provider_for(fake, counter_file, languages={"zh-HK": "yue", "nb": "no"})
    for language in ("pt-BR", "en_US", "zh-hk", "nb-NO", "DE"):
        provider.generate(word("x", language))
    assert [ForvoFake.params(r)["language"] for r in fake.lookups()] == ["pt", "en", "yue", "no", "de"]


def test_sex_and_order_settings_are_sent_and_honoured(fake: ForvoFake, counter_file: Path) -> None:
    _old, new, _male = fake.add(
        "casa",
        "pt",
        FakePronunciation(username="old", sex="f", addtime="2009-01-01 10:00:00", rate=9),
        FakePronunciation(username="new", sex="f", addtime="2020-05-05 10:00:00", rate=0),
        FakePronunciation(username="male", sex="m", addtime="2023-01-01 10:00:00"),
    )
    result = provider_for(fake, counter_file, sex="f", order="date-desc").generate(word("casa", "pt-BR"))
    assert result.attribution is not None and result.attribution.author.startswith("new")
    assert fake.lookups()[0].path == f"{API_PREFIX}/word/casa/language/pt/sex/f/order/date-desc"
    assert fake.downloads()[0].path == f"/mp3/{new.id}.mp3"


def test_preferred_countries_win_in_their_order_over_a_better_rating(fake: ForvoFake, counter_file: Path) -> None:
    fake.add(
        "tomato",
        "en",
        FakePronunciation(username="us", country="United States", rate=10, num_votes=10),
        FakePronunciation(username="au", country="Australia", rate=1, num_votes=1),
        FakePronunciation(username="uk", country="United Kingdom", rate=0),
    )
    fake.add(
        "potato",
        "en",
        FakePronunciation(username="us", country="United States", rate=10),
        FakePronunciation(username="au", country="Australia", rate=1),
    )
    provider = provider_for(fake, counter_file, preferred_countries=["united kingdom", "Australia"])
    first = provider.generate(word("tomato", "en"))
    second = provider.generate(word("potato", "en"))
    assert first.attribution is not None and first.attribution.author == "uk (United Kingdom)"
    assert second.attribution is not None and second.attribution.author == "au (Australia)"
    assert "country" not in ForvoFake.params(fake.lookups()[0])  # a preference, not a server filter


def test_preferred_users_come_first_and_blocked_users_never(fake: ForvoFake, counter_file: Path) -> None:
    fake.add(
        "water",
        "en",
        FakePronunciation(username="Loud", rate=50, num_votes=60),
        FakePronunciation(username="quiet", country="Canada", rate=1),
        FakePronunciation(username="clear", country="United Kingdom", rate=2),
    )
    provider = provider_for(
        fake, counter_file, preferred_users=["clear", "quiet"], blocked_users=["loud"], preferred_countries=["Canada"]
    )
    result = provider.generate(word("water", "en"))
    assert result.attribution is not None and result.attribution.author == "clear (United Kingdom)"
    provider = provider_for(fake, counter_file, blocked_users=["LOUD"])
    result = provider.generate(word("water", "en"))
    assert result.attribution is not None and result.attribution.author == "clear (United Kingdom)"


def test_votes_break_a_tie_of_ratings_and_string_numbers_are_read(fake: ForvoFake, counter_file: Path) -> None:
    fake.add(
        "day",
        "en",
        FakePronunciation(username="few", rate=3, num_votes=3, numbers_as_strings=True),
        FakePronunciation(username="many", rate=3, num_votes=9, numbers_as_strings=True),
        FakePronunciation(username="low", rate=-1, num_votes=20, numbers_as_strings=True),
    )
    result = provider_for(fake, counter_file).generate(word("day", "en"))
    assert result.attribution is not None and result.attribution.author.startswith("many")


def test_an_ogg_only_item_needs_allow_ogg(fake: ForvoFake, counter_file: Path) -> None:
    ogg_only = fake.add("noche", "es", FakePronunciation(with_mp3=False))[0]
    with pytest.raises(NotFoundError) as caught:
        provider_for(fake, counter_file).generate(word("noche", "es"))
    assert "providers.audio.forvo.allow_ogg" in caught.value.message
    assert fake.downloads() == []
    result = provider_for(fake, counter_file, allow_ogg=True).generate(word("noche", "es"))
    assert result.data == ogg_vorbis_bytes() and result.extension == "ogg" and result.mime_type == "audio/ogg"
    assert fake.downloads()[0].path == f"/ogg/{ogg_only.id}.ogg"


def test_with_allow_ogg_an_mp3_is_still_preferred(fake: ForvoFake, counter_file: Path) -> None:
    _ogg_only, both = fake.add(
        "luna", "es", FakePronunciation(with_mp3=False, rate=9), FakePronunciation(rate=0, mp3=silent_mp3(5))
    )
    result = provider_for(fake, counter_file, allow_ogg=True).generate(word("luna", "es"))
    assert result.extension == "mp3" and fake.downloads()[0].path == f"/mp3/{both.id}.mp3"


# -- nothing found -------------------------------------------------------------------------------------


def test_no_pronunciation_is_not_found_and_not_provider_wide(counter_file: Path) -> None:
    with serve_forvo(others="empty") as fake, pytest.raises(NotFoundError) as caught:
        provider_for(fake, counter_file).generate(word("qwxyzzy", "en"))
    assert "qwxyzzy" in caught.value.message and not caught.value.provider_wide
    assert stored_count(counter_file) == 1


def test_everything_blocked_is_not_found(fake: ForvoFake, counter_file: Path) -> None:
    fake.add("cat", "en", FakePronunciation(username="a"), FakePronunciation(username="b"))
    with pytest.raises(NotFoundError) as caught:
        provider_for(fake, counter_file, blocked_users=["a", "b"]).generate(word("cat", "en"))
    assert "2 pronunciation" in caught.value.message and "blocked_users" in caught.value.message


def test_no_text_or_no_language_sends_nothing(fake: ForvoFake, counter_file: Path) -> None:
    provider = provider_for(fake, counter_file)
    with pytest.raises(NotFoundError):
        provider.generate(word("   ", "en"))
    with pytest.raises(NotFoundError):
        provider.generate(word("word " * 30, "en"))
    with pytest.raises(PermanentError) as caught:
        provider.generate(word("cat", ""))
    assert "language" in caught.value.message
    assert fake.requests == [] and not counter_file.exists()


# -- errors ----------------------------------------------------------------------------------------------


def test_limit_day_reached_is_a_quota_error_and_stops_later_calls(fake: ForvoFake, counter_file: Path) -> None:
    fake.fail(limit_reached())
    provider = provider_for(fake, counter_file, daily_limit=300)
    with pytest.raises(QuotaError) as caught:
        provider.generate(word())
    assert caught.value.provider_wide and "Limit/day reached." in caught.value.message
    assert "22:00 UTC" in caught.value.message
    assert_no_key(caught.value)
    assert stored_count(counter_file) == 300  # Forvo said so: the counter waits for the reset too
    with pytest.raises(QuotaError):
        provider.generate(word("other"))
    assert len(fake.requests) == 1


@pytest.mark.parametrize("status", [400, 200])
def test_a_wrong_key_is_an_auth_error_without_the_key(counter_file: Path, status: int) -> None:
    with serve_forvo(keys=["another-key-0000"], bad_key_status=status) as fake, pytest.raises(AuthError) as caught:
        provider_for(fake, counter_file).generate(word())
    assert caught.value.provider_wide
    assert INCORRECT_DOMAIN in caught.value.message and "providers.audio.forvo.api_key" in caught.value.message
    assert_no_key(caught.value)


def test_an_invalid_value_is_a_permanent_error(fake: ForvoFake, counter_file: Path) -> None:
    fake.fail(invalid_value())
    with pytest.raises(PermanentError) as caught:
        provider_for(fake, counter_file).generate(word())
    assert not isinstance(caught.value, (AuthError, QuotaError, NotFoundError))
    assert "Invalid value" in caught.value.message
    assert_no_key(caught.value)


def test_an_answer_that_is_not_json_is_an_invalid_response(fake: ForvoFake, counter_file: Path) -> None:
    fake.fail(not_json())
    with pytest.raises(InvalidResponseError) as caught:
        provider_for(fake, counter_file).generate(word())
    assert_no_key(caught.value)


def test_an_unreachable_server_is_transient_without_the_key(fake: ForvoFake, counter_file: Path) -> None:
    address = closed_port_url()
    with pytest.raises(TransientError) as caught:
        provider_for(fake, counter_file, base_url=address).generate(word())
    assert caught.value.message == f"cannot reach {address}: connection refused"
    assert_no_key(caught.value)


def test_a_base_url_that_is_not_the_api_root_names_base_url(fake: ForvoFake, counter_file: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        provider_for(fake, counter_file, base_url=f"{fake.url}/api").generate(word())
    assert "404" in caught.value.message and "providers.audio.forvo.base_url" in caught.value.message
    assert fake.requests[0].path.startswith(f"/api/key/{TEST_KEY}/")


def test_a_file_that_is_an_html_page_is_rejected(fake: ForvoFake, counter_file: Path) -> None:
    fake.add("Haus", "de", FakePronunciation(mp3=html_page()))
    with pytest.raises(InvalidResponseError) as caught:
        provider_for(fake, counter_file).generate(word("Haus"))
    assert "HTML" in caught.value.message and not caught.value.provider_wide


def test_a_dead_or_broken_file_passes_to_the_next_pronunciation(fake: ForvoFake, counter_file: Path) -> None:
    gone, page, good = fake.add(
        "Baum",
        "de",
        FakePronunciation(username="gone", rate=9, file_status=404),
        FakePronunciation(username="page", rate=8, mp3=html_page()),
        FakePronunciation(username="good", rate=7),
    )
    with pytest.raises(PermanentError) as caught:  # two downloads at most: both failed
        provider_for(fake, counter_file).generate(word("Baum"))
    assert not isinstance(caught.value, NotFoundError) and not caught.value.provider_wide
    assert [r.path for r in fake.downloads()] == [f"/mp3/{gone.id}.mp3", f"/mp3/{page.id}.mp3"]
    result = provider_for(fake, counter_file, blocked_users=["page"]).generate(word("Baum"))
    assert result.ok and fake.downloads()[-1].path == f"/mp3/{good.id}.mp3"


def test_an_audio_url_saying_limit_day_reached_is_a_quota_error(fake: ForvoFake, counter_file: Path) -> None:
    fake.fail_always(limit_reached(), on="files")
    with pytest.raises(QuotaError) as caught:
        provider_for(fake, counter_file, daily_limit=50).generate(word())
    assert "Limit/day reached." in caught.value.message
    assert stored_count(counter_file) == 50


# -- the daily counter -------------------------------------------------------------------------------


def test_the_daily_limit_stops_before_calling_the_server(fake: ForvoFake, counter_file: Path) -> None:
    clock = Clock(datetime(2026, 5, 1, 18, 30, tzinfo=timezone.utc))
    provider = provider_for(fake, counter_file, clock=clock, daily_limit=3)
    assert provider.generate(word("eins")).ok  # lookup + download: 2 of 3
    with pytest.raises(QuotaError) as caught:  # the lookup takes the 3rd, the download is refused
        provider.generate(word("zwei"))
    with pytest.raises(QuotaError) as caught:
        provider.generate(word("drei"))
    assert len(fake.requests) == 3
    message = caught.value.message
    assert "daily limit of 3" in message and "providers.audio.forvo.daily_limit" in message
    assert "22:00 UTC, in about 3 h 30 min" in message and "nothing was sent" in message
    assert_no_key(caught.value)
    saved = json.loads(counter_file.read_text(encoding="utf-8"))
    assert saved == {"period_start": "2026-04-30T22:00:00Z", "count": 3, "resets_at": "2026-05-01T22:00:00Z"}
    assert list(counter_file.parent.iterdir()) == [counter_file]  # no temporary file left behind


def test_the_counter_resets_at_22_utc(fake: ForvoFake, counter_file: Path) -> None:
    clock = Clock(datetime(2026, 5, 1, 21, 59, tzinfo=timezone.utc))
    provider = provider_for(fake, counter_file, clock=clock, daily_limit=2)
    assert provider.generate(word("eins")).ok
    with pytest.raises(QuotaError):
        provider.generate(word("zwei"))
    clock.now = datetime(2026, 5, 1, 22, 0, tzinfo=timezone.utc)
    assert provider.generate(word("zwei")).ok
    assert json.loads(counter_file.read_text(encoding="utf-8"))["period_start"] == "2026-05-01T22:00:00Z"


def test_periods_run_from_22_utc_to_22_utc() -> None:
    assert period_start(datetime(2026, 5, 1, 21, 59, 59, tzinfo=timezone.utc)) == datetime(
        2026, 4, 30, 22, tzinfo=timezone.utc
    )
    assert period_start(datetime(2026, 5, 1, 22, 0, tzinfo=timezone.utc)) == datetime(
        2026, 5, 1, 22, tzinfo=timezone.utc
    )
    later = datetime(2026, 5, 2, 1, 0, tzinfo=timezone(timedelta(hours=5)))  # 20:00 UTC on 1 May
    assert next_reset(later) == datetime(2026, 5, 1, 22, tzinfo=timezone.utc)


def test_a_counter_of_another_instance_is_shared_through_the_file(fake: ForvoFake, counter_file: Path) -> None:
    assert provider_for(fake, counter_file, daily_limit=2).generate(word()).ok
    with pytest.raises(QuotaError):
        provider_for(fake, counter_file, daily_limit=2).generate(word())
    assert len(fake.requests) == 2


def test_a_corrupt_counter_file_counts_as_zero_with_a_warning(
    fake: ForvoFake, counter_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    counter_file.parent.mkdir(parents=True)
    counter_file.write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert provider_for(fake, counter_file, daily_limit=2).generate(word()).ok
    assert any("unreadable" in record.getMessage() for record in caplog.records)
    assert stored_count(counter_file) == 2


def test_the_counter_is_exact_under_threads(counter_file: Path) -> None:
    counter = DailyCounter(counter_file)
    taken: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(30):
            ok = counter.take(limit=200)
            with lock:
                taken.append(ok)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(True) == 200 and taken.count(False) == 40
    assert stored_count(counter_file) == 200 and DailyCounter(counter_file).used() == 200


def test_a_counter_that_cannot_be_saved_still_counts_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    counter = DailyCounter(blocker / "forvo_counter.json")
    assert counter.take(limit=2) and counter.take(limit=2)
    assert not counter.take(limit=2)


# -- through the engine ---------------------------------------------------------------------------------


def run_engine(provider: ForvoPronunciations, *texts: str, backup: Backup | None = None) -> tuple[Any, list[float]]:
    names = ("forvo", "backup") if backup is not None else ("forvo",)
    work = [WorkItem(word(text, "en"), names) for text in texts]
    waits: list[float] = []
    lookup = Lookup(provider, backup) if backup is not None else Lookup(provider)
    outcome = generate_all(work, providers=lookup, cancel=threading.Event(), retry_sleep=waits.append)
    return [outcome.results[item.key] for item in work], waits


def test_the_engine_never_retries_a_spent_quota(fake: ForvoFake, counter_file: Path) -> None:
    fake.fail(limit_reached())
    (result,), waits = run_engine(provider_for(fake, counter_file, retry_attempts=3), "apple")
    assert isinstance(result.error, QuotaError) and result.attempts == 1
    assert len(fake.requests) == 1 and waits == []


def test_the_engine_waits_out_a_429_then_succeeds(fake: ForvoFake, counter_file: Path) -> None:
    fake.fail(rate_limited(retry_after=1))
    (result,), waits = run_engine(provider_for(fake, counter_file), "lemon")
    assert result.ok, result.error
    assert result.extension == "mp3" and result.attempts == 2
    assert waits == [1.0] and len(fake.lookups()) == 2


def test_missing_words_fall_back_to_the_next_provider(counter_file: Path) -> None:
    words = [f"word{i}" for i in range(20)]
    missing = words[3:8]
    with serve_forvo(missing=[w.upper() for w in missing]) as fake:
        results, _ = run_engine(provider_for(fake, counter_file, max_concurrency=2), *words, backup=Backup())
    by_provider = {r.request.text: r.provider for r in results}
    assert all(r.ok for r in results)
    assert [w for w in words if by_provider[w] == "backup"] == missing
    assert sorted(fake.words_asked()) == sorted(words) and len(fake.downloads()) == 15
    assert stored_count(counter_file) == 35


# -- test_connection ------------------------------------------------------------------------------------


def test_connection_is_one_lookup_of_one_item(fake: ForvoFake, counter_file: Path) -> None:
    report = provider_for(fake, counter_file).test_connection()
    assert report.ok, report.message
    assert "1 of 500" in report.message
    (lookup,) = fake.requests
    assert lookup.path == f"{API_PREFIX}/word/hello/language/en/order/rate-desc/limit/1"


def test_connection_is_healthy_when_the_test_word_has_no_pronunciation(counter_file: Path) -> None:
    with serve_forvo(others="empty") as fake:
        report = provider_for(fake, counter_file).test_connection()
    assert report.ok, report.message


def test_connection_reports_a_wrong_key(counter_file: Path) -> None:
    with serve_forvo(keys=["another-key-0000"]) as fake:
        report = provider_for(fake, counter_file).test_connection()
    assert not report.ok and INCORRECT_DOMAIN in report.message
    assert_no_key(report.message)


def test_connection_reports_a_spent_limit_without_calling(fake: ForvoFake, counter_file: Path) -> None:
    provider = provider_for(fake, counter_file, daily_limit=1)
    assert provider.test_connection().ok
    report = provider.test_connection()
    assert not report.ok and "daily limit" in report.message
    assert len(fake.requests) == 1


def test_connection_reports_a_server_that_is_down(counter_file: Path) -> None:
    provider = ForvoPronunciations(
        {**SHIPPED, "api_key": TEST_KEY, "base_url": closed_port_url(), "counter_file": str(counter_file)}
    )
    report = provider.test_connection()
    assert not report.ok and "cannot reach" in report.message
    assert_no_key(report.message)


def test_connection_without_a_key_calls_nothing(fake: ForvoFake, counter_file: Path) -> None:
    report = provider_for(fake, counter_file, api_key="").test_connection()
    assert not report.ok and "api_key" in report.message and fake.requests == []


# -- the fake itself behaves as the documented API --------------------------------------------------


def test_the_fake_validates_like_the_real_api(fake: ForvoFake) -> None:
    base = f"{fake.url}/key/{TEST_KEY}/format/json/action/word-pronunciations"
    ok = requests.get(f"{base}/word/cat/language/en", timeout=5)
    assert ok.status_code == 200 and ok.json()["attributes"] == {"total": 1}
    item = ok.json()["items"][0]
    assert set(item) == {
        "id", "word", "original", "addtime", "hits", "username", "sex", "country", "code", "langname",
        "pathmp3", "pathogg", "rate", "num_votes", "num_positive_votes",
    }  # fmt: skip
    wrong_key = requests.get(f"{fake.url}/key/nope/format/json/action/word-pronunciations/word/cat", timeout=5)
    assert wrong_key.status_code == 400 and wrong_key.json() == [INCORRECT_DOMAIN]
    for bad in ("/sex/x", "/order/votes", "/limit/zero", "/colour/red"):
        refused = requests.get(f"{base}/word/cat{bad}", timeout=5)
        assert refused.status_code == 400 and refused.json()[0].startswith("Invalid value")
    assert requests.get(f"{base.replace('json', 'xml')}/word/cat", timeout=5).json()[0].startswith("Invalid value")
    fake.fail(rate_limited(retry_after=3))
    throttled = requests.get(f"{base}/word/cat", timeout=5)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"


def test_the_fake_has_a_daily_limit_counting_downloads(counter_file: Path) -> None:
    with serve_forvo(daily_limit=3) as fake:
        base = f"{fake.url}/key/{TEST_KEY}/format/json/action/word-pronunciations"
        mp3_url = requests.get(f"{base}/word/cat/language/en", timeout=5).json()["items"][0]["pathmp3"]
        assert requests.get(mp3_url, timeout=5).content == silent_mp3()
        assert requests.get(f"{base}/word/dog/language/en", timeout=5).status_code == 200
        spent = requests.get(mp3_url, timeout=5)
        assert spent.status_code == 400 and spent.json() == [LIMIT_REACHED]
        assert spent.headers["Content-Type"] == "application/json"


def test_the_fakes_missing_words_and_filters(fake: ForvoFake) -> None:
    fake.set_missing("Cat")
    fake.add("dog", "en", FakePronunciation(username="a", sex="f", country="Canada"), FakePronunciation(username="b"))
    base = f"{fake.url}/key/{TEST_KEY}/format/json/action/word-pronunciations"
    assert requests.get(f"{base}/word/cat/language/en", timeout=5).json() == {"attributes": {"total": 0}, "items": []}
    assert requests.get(f"{base}/word/cow/language/en", timeout=5).json()["attributes"]["total"] == 1
    female = requests.get(f"{base}/word/dog/language/en/sex/f", timeout=5).json()["items"]
    canadian = requests.get(f"{base}/word/dog/language/en/country/can", timeout=5).json()["items"]
    assert [i["username"] for i in female] == ["a"] and [i["username"] for i in canadian] == ["a"]

"""The candidates capability ("Choose…", issue 20 item 3) per provider, against the loopback fakes:
Openverse offers several pictures of one search with their credit, Forvo every pronunciation with
its speaker and votes, OpenAI speech several voices, any other provider its one `generate` result;
and `gather_candidates` checks each as a job would and keeps paid providers for their own button."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from addon.core.base.errors import NotFoundError
from addon.core.engine.candidates import PaidAsk, gather_candidates, paid_providers
from addon.core.job.plan import WorkItem
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.media_provider import Capabilities, HealthReport, ImageProvider
from addon.core.provider_system.registry import ProviderRegistry
from addon.providers.audio.forvo import ForvoPronunciations
from addon.providers.audio.openai_tts import BUILT_IN_VOICES, OpenAISpeech
from addon.providers.image.openverse import OpenverseImages
from tests.fakes.forvo_fake import TEST_KEY as FORVO_KEY
from tests.fakes.forvo_fake import FakePronunciation, ForvoFake, serve_forvo
from tests.fakes.openai_tts_fake import TEST_KEY as TTS_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.fakes.openverse_fake import FakeImage, OpenverseFake, serve_openverse
from tests.support.media_samples import jpeg_bytes, png_bytes, silent_mp3
from tests.support.shipped import shipped_slice

FAST = {"requests_per_minute": 60000, "retry_attempts": 0}


@pytest.fixture
def openverse() -> Iterator[OpenverseFake]:
    with serve_openverse(others="empty") as running:
        yield running


@pytest.fixture
def forvo() -> Iterator[ForvoFake]:
    with serve_forvo() as running:
        yield running


def pictures(fake: OpenverseFake, count: int, *more: FakeImage) -> list[FakeImage]:
    made = [FakeImage(title=f"Apple {n}", creator=f"Author {n}", thumb=jpeg_bytes(8 + n, 8)) for n in range(count)]
    return fake.add("apple", *made, *more)[:count]


def test_openverse_offers_several_pictures_of_one_search_with_their_credit(openverse: OpenverseFake) -> None:
    images = pictures(openverse, 6)
    provider = OpenverseImages({**shipped_slice("image", "openverse"), "base_url": openverse.url, **FAST})

    offered = provider.candidates(MediaRequest(kind=MediaKind.IMAGE, text="apple"), limit=4)

    assert [result.data for result in offered] == [image.thumb for image in images[:4]]
    assert [result.attribution.author for result in offered if result.attribution] == [f"Author {n}" for n in range(4)]
    assert all(result.attribution and result.attribution.license == "CC BY 2.0" for result in offered)
    assert len(openverse.searches()) == 1, "one search, then one download per candidate"
    # generate still takes the first one only
    assert provider.generate(MediaRequest(kind=MediaKind.IMAGE, text="apple")).data == images[0].thumb


def test_openverse_passes_over_a_dead_picture_and_says_when_there_is_none(openverse: OpenverseFake) -> None:
    dead = FakeImage(thumb_status=404)
    good = FakeImage(thumb=jpeg_bytes(12, 12))
    openverse.add("pear", dead, good)
    provider = OpenverseImages({**shipped_slice("image", "openverse"), "base_url": openverse.url, **FAST})

    offered = provider.candidates(MediaRequest(kind=MediaKind.IMAGE, text="pear"), limit=5)

    assert [result.data for result in offered] == [good.thumb]
    with pytest.raises(NotFoundError):
        provider.candidates(MediaRequest(kind=MediaKind.IMAGE, text="nothing at all here"), limit=5)


def forvo_provider(fake: ForvoFake, tmp_path: Path) -> ForvoPronunciations:
    return ForvoPronunciations(
        {
            **shipped_slice("audio", "forvo"),
            "enabled": True,
            "api_key": FORVO_KEY,
            "base_url": fake.url,
            "counter_file": str(tmp_path / "count.json"),
            **FAST,
        }
    )


def test_forvo_offers_every_pronunciation_with_speaker_country_and_votes(forvo: ForvoFake, tmp_path: Path) -> None:
    made = forvo.add(
        "Apfel",
        "de",
        FakePronunciation(username="anna", country="Germany", rate=5, num_votes=7, mp3=silent_mp3(11)),
        FakePronunciation(username="ben", country="Austria", rate=1, num_votes=1, mp3=silent_mp3(12)),
        FakePronunciation(username="carl", country="Switzerland", rate=0, num_votes=0, mp3=silent_mp3(13)),
    )

    offered = forvo_provider(forvo, tmp_path).candidates(
        MediaRequest(kind=MediaKind.AUDIO, text="Apfel", language="de"), limit=9
    )

    assert [result.data for result in offered] == [item.mp3 for item in made]
    assert [result.caption for result in offered] == [
        "anna (Germany), 7 votes, rated 5",
        "ben (Austria), 1 vote, rated 1",
        "carl (Switzerland), 0 votes",
    ]
    assert all(result.attribution and result.attribution.license == "Pronunciations by Forvo" for result in offered)
    assert len(forvo.lookups()) == 1 and len(forvo.downloads()) == 3


def test_openai_speech_offers_the_text_in_several_voices_its_own_first() -> None:
    with serve_openai_tts() as fake:
        provider = OpenAISpeech(
            {**shipped_slice("audio", "openai_tts"), "enabled": True, "api_key": TTS_KEY, "base_url": fake.url, **FAST},
            environ={},
        )
        request = MediaRequest(kind=MediaKind.AUDIO, text="Apfel", language="de", options={"voice": {"x": "y"}})

        offered = provider.candidates(request, limit=4)

        voices = [body.json()["voice"] for body in fake.speech_requests()]
    first = provider.voice_for("de")[0]
    assert voices == list(dict.fromkeys((first, *BUILT_IN_VOICES)))[:4]
    assert [result.caption for result in offered] == [f"voice {voice}" for voice in voices]
    assert all(result.request is request for result in offered), "a candidate answers the planned request"
    assert provider.candidate_count(limit=4) == 4, "each voice is one paid request: the cost shown counts them"


class _OnePicture(ImageProvider):
    name = "one_picture"
    capabilities = Capabilities()

    def generate(self, request: MediaRequest) -> MediaResult:
        return self.result(request, data=png_bytes(), extension="png", started=0.0)

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0)


def test_a_provider_without_its_own_list_offers_its_one_result() -> None:
    offered = _OnePicture({}).candidates(MediaRequest(kind=MediaKind.IMAGE, text="x"), limit=9)
    assert len(offered) == 1 and offered[0].data == png_bytes()


def test_gathering_checks_each_candidate_and_keeps_paid_providers_for_their_button(
    openverse: OpenverseFake, tmp_path: Path
) -> None:
    images = pictures(openverse, 3, FakeImage(thumb=b"<html>not a picture</html>"))
    providers: dict[str, Any] = {
        "image": {
            "openverse": {"enabled": True, "base_url": openverse.url, **FAST},
            "openai": {"enabled": True, "api_key": "sk-test-unused-0000", "price_per_request": 0.04},
        }
    }
    registry = ProviderRegistry(load_config({"providers": providers}), state_dir=tmp_path)
    item = WorkItem(MediaRequest(kind=MediaKind.IMAGE, text="apple"), ("openai", "openverse"))
    try:
        assert paid_providers(item, registry) == {"openai": PaidAsk(0.04, 4)}, "4 variations by default"
        found = gather_candidates(item, registry=registry, config={}, limit=9, cancel=threading.Event())
    finally:
        registry.close()

    assert [result.data for result in found.results] == [image.thumb for image in images], found.problems
    assert {result.provider for result in found.results} == {"openverse"}
    assert "$0.16 for 4 pictures" in found.problems["openai"] and "button" in found.problems["openai"]

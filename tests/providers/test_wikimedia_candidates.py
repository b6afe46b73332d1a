"""Wikimedia Commons for "Choose…" (issue 20 item 3), against the fake Commons: several pictures of
one search in rank order, each with its author and licence; files that are no pictures, under a
licence not allowed, or whose thumbnail cannot be downloaded are passed over; and a failing provider
next to it does not sink its pictures in the list."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from addon.core.base.errors import NotFoundError
from addon.core.engine.candidates import gather_candidates
from addon.core.job.plan import WorkItem
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from addon.providers.image.wikimedia import WikimediaCommons
from tests.fakes.openverse_fake import serve_openverse
from tests.fakes.openverse_fake import server_error as openverse_down
from tests.fakes.wikimedia_fake import CommonsFile, WikimediaFake, serve_wikimedia
from tests.support.media_samples import jpeg_bytes
from tests.support.shipped import shipped_slice

USER_AGENT = "MediaFillTests/1.0 (https://example.org/media-fill-tests; tests@example.org)"
FAST = {"requests_per_minute": 60000, "retry_attempts": 0, "user_agent": USER_AGENT}
APPLE = MediaRequest(kind=MediaKind.IMAGE, text="red apple", language="en")


@pytest.fixture
def fake() -> Iterator[WikimediaFake]:
    with serve_wikimedia() as server:
        yield server


def commons(fake: WikimediaFake, **settings: Any) -> WikimediaCommons:
    slice_ = {**shipped_slice("image", "wikimedia"), "enabled": True, "base_url": fake.url, **FAST}
    return WikimediaCommons({**slice_, **settings})


def picture(n: int, **fields: Any) -> CommonsFile:
    fields.setdefault("artist", f'<a href="//commons.wikimedia.org/wiki/User:Author{n}">Author {n}</a>')
    return CommonsFile(f"Apple {n}.jpg", thumb=jpeg_bytes(8 + 8 * n, 8), thumb_type="image/jpeg", **fields)


def test_several_pictures_of_one_search_in_rank_order_with_author_and_licence(fake: WikimediaFake) -> None:
    files = [picture(n) for n in range(5)]
    fake.add("red apple", *files)

    offered = commons(fake, search_limit=2).candidates(APPLE, limit=4)

    assert [result.data for result in offered] == [file.thumb for file in files[:4]]
    credits = [result.attribution for result in offered]
    assert [credit.author for credit in credits if credit] == [f"Author {n}" for n in range(4)]
    assert all(credit and credit.license == "CC BY-SA 4.0" and credit.license_url for credit in credits)
    assert [credit.title for credit in credits if credit] == [f"Apple {n}" for n in range(4)]
    [search] = fake.api_requests
    assert int(search.query["gsrlimit"][0]) >= 4, "a search_limit below the list's size asks for the list's size"
    # a fill still takes the first only
    assert commons(fake).generate(APPLE).data == files[0].thumb


def test_no_pictures_licences_not_allowed_and_dead_thumbnails_are_passed_over(fake: WikimediaFake) -> None:
    files = [
        picture(0),
        CommonsFile("Apple book.pdf", mime="application/pdf"),
        picture(1, license="CC BY-NC 4.0"),
        picture(2, thumb_status=404),
        picture(3, license="CC BY 4.0"),
        picture(4, license="Public domain"),
    ]
    fake.add("red apple", *files)

    offered = commons(fake, allowed_licenses=["CC BY-SA", "CC BY", "Public domain"]).candidates(APPLE, limit=9)

    assert [result.data for result in offered] == [files[0].thumb, files[4].thumb, files[5].thumb]
    assert [result.attribution.license for result in offered if result.attribution] == [
        "CC BY-SA 4.0",
        "CC BY 4.0",
        "Public domain",
    ]
    with pytest.raises(NotFoundError, match="allowed licence"):
        commons(fake, allowed_licenses=["CC0"]).candidates(APPLE, limit=9)


def test_a_failing_provider_next_to_it_does_not_sink_its_pictures(fake: WikimediaFake, tmp_path: Path) -> None:
    files = [picture(n) for n in range(3)]
    fake.add("red apple", *files)
    with serve_openverse(others="empty") as openverse:
        openverse.fail_always(openverse_down())
        providers: dict[str, Any] = {
            "image": {
                "openverse": {
                    "enabled": True,
                    "base_url": openverse.url,
                    "requests_per_minute": 60000,
                    "retry_attempts": 0,
                },
                "wikimedia": {"enabled": True, "base_url": fake.url, **FAST},
            }
        }
        registry = ProviderRegistry(load_config({"providers": providers}), state_dir=tmp_path)
        try:
            found = gather_candidates(
                WorkItem(APPLE, ("openverse", "wikimedia")),
                registry=registry,
                config={},
                limit=9,
                cancel=threading.Event(),
            )
        finally:
            registry.close()

    assert [result.data for result in found.results] == [file.thumb for file in files]
    assert {result.provider for result in found.results} == {"wikimedia"}
    assert set(found.problems) == {"openverse"}

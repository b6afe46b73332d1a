"""A job of 100,000 notes with three targets each holds 300,000 targets, work items and requests
(issue 19's benchmark, ``make bench``): each is slotted, a work item's key is made once, and equal
request options are one shared, read-only mapping."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from addon.core.config.rules import FillMode
from addon.core.job.plan import Target, WorkItem, estimate_work
from addon.core.media.image_output import ImageOutput
from addon.core.media.types import MediaKind, MediaRequest


def _request(text: str) -> MediaRequest:
    return MediaRequest(kind=MediaKind.IMAGE, text=text, language="en", options=ImageOutput().options())


def test_equal_request_options_are_one_read_only_mapping() -> None:
    first, second = _request("apple"), _request("pear")
    assert first.options is second.options
    assert first.options == ImageOutput().options()
    with pytest.raises(TypeError):
        first.options["image_max_px"] = 1  # type: ignore[index]
    assert MediaRequest(kind=MediaKind.AUDIO, text="a").options is MediaRequest(kind=MediaKind.AUDIO, text="b").options


def test_options_that_cannot_be_shared_are_kept_as_given() -> None:
    voice = {"voice": {"openai_tts": "nova"}}
    request = MediaRequest(kind=MediaKind.AUDIO, text="apple", options=voice)
    assert request.options == voice
    assert request.cache_key != MediaRequest(kind=MediaKind.AUDIO, text="apple").cache_key


def test_a_work_item_makes_its_key_once() -> None:
    item = WorkItem(_request("apple"), ("openverse", "openai"))
    assert item.key is item.key
    assert item.key == item.request.cache_key + "|openverse,openai"
    assert item == WorkItem(_request("apple"), ("openverse", "openai"))


def test_the_values_a_plan_holds_per_target_have_no_instance_dict() -> None:
    item = WorkItem(_request("apple"), ("openverse",))
    target = Target(1, "Picture", MediaKind.IMAGE, FillMode.SKIP, work=item, source="{Front}", source_text="apple")
    for value in (target, item, item.request):
        assert not hasattr(value, "__dict__"), type(value).__name__


def _key_as_json_dumps_writes_it(request: MediaRequest) -> str:
    """The cache key as every earlier version made it (the reuse index keeps these keys)."""
    payload = json.dumps(
        [request.kind.value, request.text, request.language.lower(), dict(request.options)],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


_OPTION_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(), st.lists(st.text(), max_size=2)
)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(list(MediaKind)),
    text=st.text(),
    language=st.text(max_size=8),
    options=st.dictionaries(st.text(max_size=6), _OPTION_VALUES, max_size=4),
)
@example(kind=MediaKind.AUDIO, text='say "hi" \\ \u2028 é 猫 \x00', language="EN-us", options={"voice": {"a": 1}})
@example(kind=MediaKind.IMAGE, text="apple", language="en", options={"b": 1, "a": 1.5, "c": None})
def test_the_cache_key_is_the_key_every_earlier_version_made(
    kind: MediaKind, text: str, language: str, options: dict[str, Any]
) -> None:
    """Made from cached parts, the key is still the SHA-1 of what `json.dumps` writes, so media
    recorded in the reuse index by earlier versions is found."""
    request = MediaRequest(kind=kind, text=text, language=language, options=options)
    assert request.cache_key == _key_as_json_dumps_writes_it(request)
    again = MediaRequest(kind=kind, text=text + "x", language=language, options=options)
    assert again.cache_key == _key_as_json_dumps_writes_it(again), "a second request with the same options"


def test_a_pinned_cache_key_never_changes() -> None:
    request = MediaRequest(kind=MediaKind.AUDIO, text="perro", language="ES", options={"voice_turn": 2})
    assert request.cache_key == "66005b2c9b782b67c901b1238540328be49e3222"  # as made by json.dumps


def test_the_estimate_asks_each_providers_price_once_however_many_requests() -> None:
    """A part of 2,000 notes holds 6,000 requests: reading a provider's settings for each one was
    an eighth of the planning time."""
    asked: list[tuple[MediaKind, str]] = []

    def price_of(kind: MediaKind, name: str) -> float:
        asked.append((kind, name))
        return {"openai": 0.04, "openverse": 0.0}[name]

    pictures = [WorkItem(_request(f"word {i}"), ("openai",)) for i in range(500)]
    free = [WorkItem(_request(f"free {i}"), ("openverse",)) for i in range(300)]
    estimate = estimate_work(pictures + free, price_of)
    assert estimate.requests == {"openai": 500, "openverse": 300}
    assert estimate.usd == {"openai": pytest.approx(20.0), "openverse": 0.0}
    assert sorted(asked) == [(MediaKind.IMAGE, "openai"), (MediaKind.IMAGE, "openverse")]

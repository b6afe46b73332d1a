"""A job of 100,000 notes with three targets each holds 300,000 targets, work items and requests
(issue 19's benchmark, ``make bench``): each is slotted, a work item's key is made once, and equal
request options are one shared, read-only mapping."""

from __future__ import annotations

import pytest

from addon.core.config.rules import FillMode
from addon.core.job.plan import Target, WorkItem
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

"""Pictures sized for sync, on a real collection over real HTTP against the OpenAI picture fake
serving a 1024×1024 PNG: the stored picture is at most ``image_max_px`` on its longer side, in
``image_format``, under the right extension and passing the media checks; a later job with the
same settings reuses it, and one with another ``image_max_px`` does not."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import JobOptions, run_headless
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind
from addon.core.provider_system.config_loading import load_config
from devtools.sample_deck import ENGLISH_TYPE, add_sample_notes
from tests.fakes.openai_fake import TEST_KEY, OpenAIFake, serve_openai
from tests.support.picture_samples import decode, photo_png

IMG = re.compile(r'<img src="([^"]+)">')
RULE = {
    "note_type": ENGLISH_TYPE,
    "source_field": "Front",
    "image_field": "Picture",
    "image_providers": ["openai"],
    "audio_field": "",
    "audio_providers": [],
    "mode": "overwrite",
}


@functools.cache
def served_png() -> bytes:
    return photo_png(1024, 1024)


@pytest.fixture
def openai() -> Iterator[OpenAIFake]:
    with serve_openai() as fake:
        fake.payload = served_png()
        yield fake


def config_for(fake: OpenAIFake, **settings: Any) -> dict[str, Any]:
    slice_ = {
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "output_format": "png",
        "requests_per_minute": 6000,
        "retry_attempts": 0,
    }
    return load_config({"rules": [RULE], "providers": {"image": {"openai": slice_}}, **settings})


def first_note(col: Collection) -> int:
    add_sample_notes(col)
    return int(col.find_notes(f'"note:{ENGLISH_TYPE}"')[0])


def stored_picture(col: Collection, note_id: int) -> tuple[str, bytes]:
    match = IMG.search(col.get_note(NoteId(note_id))["Picture"])
    assert match is not None
    name = match.group(1)
    return name, Path(col.media.dir(), name).read_bytes()


@pytest.mark.parametrize(
    ("settings", "extension", "side"),
    [({}, "jpg", 800), ({"image_max_px": 300, "image_format": "webp"}, "webp", 300)],
    ids=["defaults", "webp at 300"],
)
def test_a_job_stores_the_picture_no_larger_than_image_max_px(
    col: Collection, openai: OpenAIFake, settings: dict[str, Any], extension: str, side: int
) -> None:
    note_id = first_note(col)

    report = run_headless(col, [note_id], config_for(openai, **settings))

    assert (report.filled, report.failed) == (1, 0)
    name, data = stored_picture(col, note_id)
    assert name.endswith(f".{extension}")
    require_media(MediaKind.IMAGE, data, extension=extension, provider="openai")
    image = decode(data)
    assert max(image.width(), image.height()) == side
    assert len(data) < len(served_png()) / 4


def test_a_changed_image_max_px_is_not_reused(col: Collection, openai: OpenAIFake, tmp_path: Path) -> None:
    note_id = first_note(col)
    state = tmp_path / "state"
    state.mkdir()

    def fill(**settings: Any) -> int:
        """Fill the note; how many pictures the fake has been asked for so far."""
        report = run_headless(col, [note_id], config_for(openai, **settings), state_dir=state, options=JobOptions())
        assert report.failed == 0
        return len(openai.generation_requests())

    assert fill() == 1
    assert fill() == 1  # same settings: the stored picture is reused
    assert fill(image_max_px=400) == 2  # another size: made again
    name, data = stored_picture(col, note_id)
    assert max(decode(data).width(), decode(data).height()) == 400
    assert len(os.listdir(col.media.dir())) == 2  # the 800 px file and the 400 px one
    assert name.endswith(".jpg")

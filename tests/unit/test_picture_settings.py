"""The picture settings ``image_max_px``, ``image_format`` and ``image_quality``: shipped with their
defaults, refused with their key path when out of range, documented, labelled on the settings
window's General page, carried by every picture request (and so by its cache and reuse key), and
kept for a resumed job's rules."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from addon.core.base.errors import ConfigError
from addon.core.config.rules import parse_rules
from addon.core.config.schema import GENERAL_PROPERTIES, validate_config
from addon.core.engine.planner import plan_notes
from addon.core.job.plan import SourceNote
from addon.core.media.image_output import ImageOutput
from addon.core.media.types import MediaKind
from addon.core.state.reuse_index import reuse_key
from addon.ui.settings.general_page import PREFERRED_ORDER
from addon.ui.settings.labels import setting_label

Schemas = dict[MediaKind, dict[str, Mapping[str, Any]]]
REPO = Path(__file__).resolve().parents[2]
RULE = {
    "note_type": "Basic",
    "source_field": "Front",
    "image_field": "Picture",
    "image_providers": ["openai"],
    "audio_field": "Audio",
    "audio_providers": ["espeak"],
}
NOTE = SourceNote(note_id=1, note_type="Basic", fields={"Front": "cat", "Picture": "", "Audio": ""})


def test_the_shipped_defaults(default_config: dict[str, Any]) -> None:
    assert {key: default_config[key] for key in ("image_max_px", "image_format", "image_quality")} == {
        "image_max_px": 800,
        "image_format": "jpeg",
        "image_quality": 85,
    }
    assert ImageOutput.from_config(default_config) == ImageOutput() == ImageOutput.from_config({})


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("image_max_px", 8, "image_max_px: 8 is less than the minimum of 16"),
        ("image_max_px", 20000, "image_max_px: 20000 is greater than the maximum of 16384"),
        ("image_max_px", 800.5, "image_max_px: 800.5 is not of type 'integer'"),
        ("image_format", "png", "image_format: 'png' is not one of ['keep', 'jpeg', 'webp']"),
        ("image_quality", 0, "image_quality: 0 is less than the minimum of 1"),
        ("image_quality", 101, "image_quality: 101 is greater than the maximum of 100"),
    ],
)
def test_bad_values_are_refused_naming_the_key(
    default_config: dict[str, Any], schemas: Schemas, key: str, value: Any, expected: str
) -> None:
    default_config[key] = value

    with pytest.raises(ConfigError) as excinfo:
        validate_config(default_config, schemas)

    assert expected in str(excinfo.value)


def test_documented_and_shown_on_the_general_page_with_labels() -> None:
    docs = (REPO / "config.md").read_text(encoding="utf-8")
    for key in ("image_max_px", "image_format", "image_quality"):
        assert f"| `{key}` |" in docs
        assert key in GENERAL_PROPERTIES and key in PREFERRED_ORDER
    assert setting_label("image_max_px") == "Largest picture side (pixels)"
    assert setting_label("image_format") == "Picture format"
    assert GENERAL_PROPERTIES["image_format"]["enum"] == ["keep", "jpeg", "webp"]


def _requests(config: Mapping[str, Any]) -> dict[MediaKind, Any]:
    plan = plan_notes([NOTE], parse_rules({**config, "rules": [RULE]}))
    return {target.kind: target.work.request for target in plan.targets if target.work is not None}


def test_picture_requests_carry_the_settings_and_sound_requests_do_not() -> None:
    requests = _requests({"image_max_px": 512, "image_format": "webp", "image_quality": 70})

    assert dict(requests[MediaKind.IMAGE].options) == {
        "image_max_px": 512,
        "image_format": "webp",
        "image_quality": 70,
    }
    assert dict(requests[MediaKind.AUDIO].options) == {}
    assert ImageOutput.from_options(requests[MediaKind.IMAGE].options) == ImageOutput(512, "webp", 70)


@pytest.mark.parametrize(
    "change", [{"image_max_px": 1024}, {"image_format": "webp"}, {"image_quality": 60}], ids=lambda c: next(iter(c))
)
def test_a_changed_setting_changes_the_picture_reuse_key_only(change: dict[str, Any]) -> None:
    before, after = _requests({}), _requests(change)

    def key(request: Any) -> str:
        return reuse_key(provider="openai", cache_key=request.cache_key, fingerprint="same")

    assert key(before[MediaKind.IMAGE]) != key(after[MediaKind.IMAGE])
    assert key(before[MediaKind.AUDIO]) == key(after[MediaKind.AUDIO])
    assert _requests({}) == before  # the same settings give the same key

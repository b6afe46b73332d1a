"""The Fill Media dialog's plan summary on a real collection: counts per note type and field,
reuse of media an earlier job made, and the cost estimate against the budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.collection.plan_summary import summarize_plan
from addon.core.media.types import MediaKind
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from devtools.sample_deck import DEMO_RULES, ENGLISH_TYPE, SPANISH_TYPE, add_sample_notes
from tests.support.notes_helpers import add_basic


def counts(summary: Any) -> dict[tuple[str, MediaKind, str], tuple[int, int, int]]:
    return {(t.note_type, t.kind, t.field_name): (t.generate, t.skipped, t.reused) for t in summary.targets}


def test_counts_per_note_type_and_nothing_written(col: Collection, tmp_path: Path) -> None:
    ids = add_sample_notes(col)
    config = load_config({"rules": DEMO_RULES})
    everything = ids[ENGLISH_TYPE] + ids[SPANISH_TYPE]
    modified = col.mod
    state_dir = tmp_path / "user_files"
    state_dir.mkdir()
    summary = summarize_plan(col, everything, config, registry=ProviderRegistry(config), state_dir=state_dir)
    assert counts(summary) == {
        (ENGLISH_TYPE, MediaKind.AUDIO, "Audio"): (12, 0, 0),
        (SPANISH_TYPE, MediaKind.AUDIO, "Audio"): (12, 1, 0),  # the prefilled note is skipped
    }
    assert summary.notes == 25 and summary.requests == {"espeak": 24} and summary.total_usd == 0
    assert summary.budget_usd is None and not summary.over_budget
    assert col.mod == modified and not list(state_dir.iterdir()), "the summary wrote something"


def test_media_an_earlier_job_made_counts_as_reused(col: Collection, tmp_path: Path) -> None:
    ids = add_sample_notes(col)
    config = load_config({"rules": DEMO_RULES})
    english = ids[ENGLISH_TYPE][:4]
    report = run_headless(col, english, config, state_dir=tmp_path)
    assert report.filled == 4
    for note_id in english[:2]:  # the user empties two fields again
        note = col.get_note(NoteId(note_id))
        note["Audio"] = ""
        col.update_note(note)
    summary = summarize_plan(col, ids[ENGLISH_TYPE], config, registry=ProviderRegistry(config), state_dir=tmp_path)
    assert counts(summary) == {(ENGLISH_TYPE, MediaKind.AUDIO, "Audio"): (8, 2, 2)}
    assert summary.requests == {"espeak": 8}


def test_cost_per_first_provider_budget_and_note_types_left_alone(col: Collection, tmp_path: Path) -> None:
    ids = add_sample_notes(col)
    rules = [
        {**DEMO_RULES[1], "targets": [{**DEMO_RULES[1]["targets"][0], "providers": ["openai_tts", "espeak"]}]},
        {"note_type": SPANISH_TYPE, "targets": []},
    ]
    config = load_config({
        "rules": rules,
        "budget_usd": 0.1,
        "providers": {"audio": {"openai_tts": {"enabled": True, "api_key": "sk-test-1", "price_per_request": 0.015}}},
    })  # fmt: skip
    registry = ProviderRegistry(config)
    summary = summarize_plan(col, ids[ENGLISH_TYPE] + ids[SPANISH_TYPE], config, registry=registry, state_dir=None)
    assert summary.requests == {"openai_tts": 12}
    assert round(summary.total_usd, 6) == 0.18
    assert summary.budget_usd == 0.1 and summary.over_budget
    assert summary.left_alone == {SPANISH_TYPE: "its rule fills no field"}


def test_a_summary_planned_in_parts_counts_as_one_made_at_once(col: Collection, tmp_path: Path) -> None:
    ids = add_sample_notes(col)
    # The same words again, so a later part asks for what an earlier one did; their note type's
    # only provider has no key, so its requests are blocked.
    again = add_basic(col, "apple", "pear", "apple", "plum", "pear")
    rules = [
        *DEMO_RULES,
        {"note_type": "Basic", "language": "en", "targets": [
            {"field": "Back", "kind": "audio", "source": "{Front}", "providers": ["openai_tts"]},
        ]},
    ]  # fmt: skip
    config = load_config({"rules": rules})
    registry = ProviderRegistry(config)
    everything = ids[ENGLISH_TYPE] + again + ids[SPANISH_TYPE]

    whole = summarize_plan(col, everything, config, registry=registry, state_dir=None, part_notes=10_000)
    parts = summarize_plan(col, everything, config, registry=registry, state_dir=None, part_notes=2)

    assert counts(parts) == counts(whole)
    assert (parts.notes, parts.requests, parts.usd, parts.left_alone) == (
        whole.notes,
        whole.requests,
        whole.usd,
        whole.left_alone,
    )
    assert parts.blocked == whole.blocked and "3 sound requests" in whole.blocked[0], whole.blocked
    assert counts(whole)[("Basic", MediaKind.AUDIO, "Back")] == (5, 0, 0)

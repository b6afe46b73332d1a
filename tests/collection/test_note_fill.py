"""The editor's fill without Qt: which targets of which rule a note's field has, and the config cut
down to the one rule (and field) an editor fill uses."""

from __future__ import annotations

from typing import Any

from addon.collection.note_fill import rules_for_note, targets_for_field

RULES: dict[str, Any] = {
    "rules": [
        {
            "note_type": "Vocab",
            "targets": [
                {"field": "Audio", "kind": "audio", "source": "{Word}", "providers": ["espeak"]},
                {"field": "Picture", "kind": "image", "source": "{Word}", "providers": ["openai"]},
            ],
        },
        {"note_type": "*", "targets": [{"field": "Sound", "kind": "audio", "source": "{Front}"}]},
    ]
}


def test_targets_for_field_follow_the_note_types_rule() -> None:
    assert [t.kind.value for t in targets_for_field(RULES, "Vocab", "Picture")] == ["image"]
    assert targets_for_field(RULES, "Vocab", "Word") == []
    assert [t.field for t in targets_for_field(RULES, "Other", "Sound")] == ["Sound"]
    assert targets_for_field({"rules": []}, "Vocab", "Audio") == []


def test_rules_for_note_keeps_one_rule_and_the_fields_targets() -> None:
    whole = rules_for_note(RULES, "Vocab")
    assert whole is not None and [r["note_type"] for r in whole["rules"]] == ["Vocab"]
    assert len(whole["rules"][0]["targets"]) == 2
    one = rules_for_note(RULES, "Vocab", field="Picture")
    assert one is not None and [t["field"] for t in one["rules"][0]["targets"]] == ["Picture"]
    wildcard = rules_for_note(RULES, "Other")
    assert wildcard is not None and wildcard["rules"][0]["note_type"] == "*"
    assert rules_for_note({"rules": RULES["rules"][:1]}, "Other") is None

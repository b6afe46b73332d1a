"""A sound target's check settings (``verify_with``, ``on_mismatch``, ``verify_min_similarity``):
read with the rule's defaults, refused with their key path where they cannot work."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from addon.core.config.rule_schema import RULE_SCHEMA, rule_problems
from addon.core.config.rules import parse_rules
from addon.core.config.sound_check import SoundCheck
from addon.core.media.types import MediaKind

KNOWN = {MediaKind.IMAGE: ["openverse"], MediaKind.AUDIO: ["openai_tts", "espeak"], MediaKind.TEXT: ["openai_stt"]}


def _rule(*targets: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    return {"note_type": "Basic", "targets": list(targets), **defaults}


SOUND = {"field": "Audio", "kind": "audio", "source": "{Front}", "providers": ["openai_tts", "espeak"]}
PICTURE = {"field": "Picture", "kind": "image", "source": "{Front}", "providers": ["openverse"]}
TRANSCRIPT = {"field": "Transcript", "kind": "text", "source": "{Audio}", "providers": ["openai_stt"]}


def test_a_sound_target_is_checked_with_its_own_keys_or_its_rules() -> None:
    own = {**SOUND, "verify_with": "openai_stt", "on_mismatch": "keep", "verify_min_similarity": 0.6}
    [rule] = parse_rules({"rules": [_rule(own)]})
    assert rule.targets[0].check == SoundCheck("openai_stt", on_mismatch="keep", min_similarity=0.6)
    [rule] = parse_rules({"rules": [_rule(SOUND, PICTURE, verify_with="openai_stt", on_mismatch="fail")]})
    sound, picture = rule.targets
    assert sound.check == SoundCheck("openai_stt", on_mismatch="fail", min_similarity=0.8)
    assert picture.check is None  # a rule's check is for its sounds only
    [rule] = parse_rules({"rules": [_rule(SOUND)]})
    assert rule.targets[0].check is None
    [rule] = parse_rules({"rules": [_rule({**SOUND, "verify_with": ""}, verify_with="openai_stt")]})
    assert rule.targets[0].check is None  # a target's "" turns off its rule's check


def test_the_defaults_are_next_and_0_8() -> None:
    [rule] = parse_rules({"rules": [_rule({**SOUND, "verify_with": "openai_stt"})]})
    assert rule.targets[0].check == SoundCheck("openai_stt", on_mismatch="next", min_similarity=0.8)
    assert rule.targets[0].check.key() == "check:openai_stt:next:0.8"


def test_valid_check_settings_have_no_problem() -> None:
    rule = _rule({**SOUND, "verify_with": "openai_stt", "on_mismatch": "keep"}, verify_with="openai_stt")
    jsonschema.validate(rule, RULE_SCHEMA)
    assert rule_problems([rule], KNOWN) == []


@pytest.mark.parametrize(
    ("rule", "path", "words"),
    [
        (_rule({**SOUND, "verify_with": "openai_tts"}), "rules[0].targets[0].verify_with", "not a transcription"),
        (_rule({**SOUND, "verify_with": "whisper"}), "rules[0].targets[0].verify_with", "known: openai_stt"),
        (_rule(SOUND, verify_with="nope"), "rules[0].verify_with", "not a transcription provider"),
        (_rule({**PICTURE, "verify_with": "openai_stt"}), "rules[0].targets[0].verify_with", "only a sound"),
        (_rule({**PICTURE, "on_mismatch": "keep"}), "rules[0].targets[0].on_mismatch", "picture target"),
        # config.md: these keys on a transcript target are refused with their key path too
        (_rule({**TRANSCRIPT, "verify_with": "openai_stt"}), "rules[0].targets[0].verify_with", "transcript target"),
        (_rule({**TRANSCRIPT, "on_mismatch": "fail"}), "rules[0].targets[0].on_mismatch", "only a sound"),
        (
            _rule({**TRANSCRIPT, "verify_min_similarity": 0.5}),
            "rules[0].targets[0].verify_min_similarity",
            "transcript target",
        ),
    ],
)
def test_a_check_that_cannot_work_is_refused_with_its_key_path(rule: dict[str, Any], path: str, words: str) -> None:
    problems = rule_problems([rule], KNOWN)
    assert [p for p, _ in problems] == [path]
    assert words in problems[0][1]


@pytest.mark.parametrize(
    "bad",
    [{"on_mismatch": "retry"}, {"verify_min_similarity": 1.5}, {"verify_min_similarity": -0.1}, {"verify_with": 3}],
)
def test_the_schema_refuses_bad_values(bad: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_rule({**SOUND, **bad}), RULE_SCHEMA)

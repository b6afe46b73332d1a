"""Config: the shipped defaults validate, overrides deep-merge, and every bad value is refused with
a message naming its key path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from addon.core.base.errors import ConfigError
from addon.core.config.files import (
    default_config_path,
    load_default_config,
    merge_config,
    provider_settings,
    read_config_file,
)
from addon.core.config.rules import FieldTarget, FillMode, Rule, parse_rules, rule_for_note_type
from addon.core.config.schema import validate_config
from addon.core.media.types import MediaKind

Schemas = dict[MediaKind, dict[str, Mapping[str, Any]]]
REPO = Path(__file__).resolve().parents[2]


def test_shipped_config_is_the_repository_config_json() -> None:
    assert default_config_path() == REPO / "config.json"
    assert load_default_config() == json.loads((REPO / "config.json").read_text(encoding="utf-8"))


def test_shipped_config_validates(default_config: dict[str, Any], schemas: Schemas) -> None:
    validate_config(default_config, schemas)
    validate_config(merge_config(default_config, {}), schemas)
    validate_config(merge_config(default_config, None), schemas)


def test_every_registered_provider_has_a_default_slice(default_config: dict[str, Any], schemas: Schemas) -> None:
    for kind, names in schemas.items():
        for name in names:
            assert name in default_config["providers"][kind.value], f"{kind.value}/{name} has no defaults"


def test_shipped_rules_parse(default_config: dict[str, Any]) -> None:
    (rule,) = parse_rules(default_config)
    assert rule == Rule(
        note_type="*",
        targets=(
            FieldTarget(field="Audio", kind=MediaKind.AUDIO, source="{Front}", providers=("espeak",), language="en"),
        ),
        language="en",
        mode=FillMode.SKIP,
    )


def test_deep_merge_keeps_other_defaults(default_config: dict[str, Any], schemas: Schemas) -> None:
    before = copy.deepcopy(default_config)
    merged = merge_config(default_config, {"providers": {"audio": {"espeak": {"speed_wpm": 200}}}})
    espeak = merged["providers"]["audio"]["espeak"]
    assert espeak["speed_wpm"] == 200
    for key, value in before["providers"]["audio"]["espeak"].items():
        if key != "speed_wpm":
            assert espeak[key] == value, key
    assert merged["rules"] == before["rules"]
    assert merged["shortcut"] == before["shortcut"]
    assert merged["providers"]["image"] == before["providers"]["image"]
    assert default_config == before, "merge_config changed its input"
    validate_config(merged, schemas)


def test_merge_replaces_lists_and_scalars(default_config: dict[str, Any]) -> None:
    rules = [{"note_type": "Basic", "source_field": "Front", "audio_field": "Back", "audio_providers": ["espeak"]}]
    merged = merge_config(default_config, {"rules": rules, "log_level": "DEBUG"})
    assert merged["rules"] == rules
    assert merged["log_level"] == "DEBUG"


def test_merge_does_not_share_nested_objects_with_the_override(default_config: dict[str, Any]) -> None:
    override: dict[str, Any] = {"providers": {"audio": {"espeak": {"voices": {"en": "en-us"}}}}}
    merged = merge_config(default_config, override)
    merged["providers"]["audio"]["espeak"]["voices"]["es"] = "es"
    assert override == {"providers": {"audio": {"espeak": {"voices": {"en": "en-us"}}}}}


def _rule(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config["rules"][0].update(changes)

    return change


def _older_rule(**changes: Any) -> Callable[[dict[str, Any]], None]:
    """The first rule in the older shape (before targets), with ``changes``."""

    def change(config: dict[str, Any]) -> None:
        older = {"note_type": "*", "source_field": "Front", "audio_field": "Audio", "audio_providers": ["espeak"]}
        config["rules"][0] = {**older, **changes}

    return change


def _target(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config["rules"][0]["targets"][0].update(changes)

    return change


def _add_target(target: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config["rules"][0]["targets"].append(target)

    return change


def _espeak(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config["providers"]["audio"]["espeak"].update(changes)

    return change


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config[key] = value

    return change


def _drop_targets(config: dict[str, Any]) -> None:
    del config["rules"][0]["targets"]


def _add_provider(config: dict[str, Any]) -> None:
    config["providers"]["audio"]["gtts"] = {"enabled": True}


def _add_second_bad_rule(config: dict[str, Any]) -> None:
    config["rules"].append({"note_type": "Basic", "source_field": "Front", "audio_field": "Back", "mode": "never"})


# (id, change to the valid default config, substrings the message must contain: key path first)
INVALID: list[tuple[str, Callable[[dict[str, Any]], None], tuple[str, ...]]] = [
    ("rules-not-a-list", _set("rules", {"note_type": "*"}), ("rules:", "not of type 'array'")),
    ("providers-not-an-object", _set("providers", []), ("providers:", "not of type 'object'")),
    ("shortcut-not-a-string", _set("shortcut", 5), ("shortcut:", "not of type 'string'")),
    ("bad-log-level", _set("log_level", "LOUD"), ("log_level:", "'LOUD'")),
    ("unknown-top-level-key", _set("colour", "red"), ("(top level)", "unknown key", "'colour'")),
    ("unknown-provider-key", _espeak(volume=3), ("providers.audio.espeak:", "unknown key", "'volume'")),
    ("unknown-provider-name", _add_provider, ("providers.audio:", "unknown key", "'gtts'")),
    ("enabled-not-bool", _espeak(enabled="yes"), ("providers.audio.espeak.enabled:", "'yes'")),
    ("speed-not-int", _espeak(speed_wpm="fast"), ("providers.audio.espeak.speed_wpm:", "'fast'")),
    ("negative-timeout", _espeak(timeout_s=-1), ("providers.audio.espeak.timeout_s:", "-1")),
    ("zero-timeout", _espeak(timeout_s=0), ("providers.audio.espeak.timeout_s:", "0")),
    ("bool-timeout", _espeak(timeout_s=True), ("providers.audio.espeak.timeout_s:", "True")),
    ("max-concurrency-zero", _espeak(max_concurrency=0), ("providers.audio.espeak.max_concurrency:", "0")),
    ("max-concurrency-float", _espeak(max_concurrency=1.5), ("providers.audio.espeak.max_concurrency:", "1.5")),
    ("bad-output-format", _espeak(output_format="ogg"), ("providers.audio.espeak.output_format:", "'ogg'")),
    ("bad-voice-value", _espeak(voices={"en": "en; rm -rf /"}), ("providers.audio.espeak.voices.en:",)),
    ("bad-mode", _rule(mode="sometimes"), ("rules[0].mode:", "'sometimes'", "skip")),
    ("rule-without-targets", _drop_targets, ("rules[0]:", "no targets")),
    ("older-rule-without-source-field", _older_rule(source_field=None), ("rules[0].source_field:", "None")),
    ("older-keys-beside-targets", _rule(audio_field="Audio"), ("rules[0].audio_field:", "move this older setting")),
    ("target-without-source", _target(source=""), ("rules[0].targets[0].source:",)),
    (
        "target-reads-its-own-field",
        _target(source="{Front} {Audio}"),
        ("rules[0].targets[0].source:", "cannot be its source", "read another field, or fill another one"),
    ),
    (
        "target-source-in-double-braces",
        _target(source="{{Front}}"),
        ("rules[0].targets[0].source:", "not part of a field name", "one brace on each side"),
    ),
    ("target-source-empty-braces", _target(source="{Front} {}"), ("rules[0].targets[0].source:", "brace")),
    ("target-source-unclosed-brace", _target(source="{Front} {Back"), ("rules[0].targets[0].source:", "brace")),
    ("target-source-names-no-field", _target(source="hello"), ("rules[0].targets[0].source:", "names no field")),
    ("target-bad-kind", _target(kind="video"), ("rules[0].targets[0].kind:", "'video'")),
    ("target-unknown-provider", _target(providers=["polly"]), ("rules[0].targets[0].providers:", "'polly'")),
    (
        "target-picture-provider-for-sound",
        _target(providers=["openverse"]),
        ("rules[0].targets[0].providers:", "'openverse'"),
    ),
    ("target-without-providers", _target(providers=[]), ("rules[0].targets[0].providers:", "no sound provider")),
    ("target-voice-of-unknown-provider", _target(voice={"polly": "Joanna"}), ("rules[0].targets[0].voice:", "'polly'")),
    (
        "target-several-voices-single-mode",
        _target(voice={"openai_tts": ["nova", "alloy"]}),
        ("rules[0].targets[0].voice.openai_tts:", "2 voices", "set voice_mode to rotate"),
    ),
    ("target-bad-voice-mode", _target(voice_mode="shuffle"), ("rules[0].targets[0].voice_mode:", "'shuffle'")),
    ("target-empty-voice-list", _target(voice={"openai_tts": []}), ("rules[0].targets[0].voice.openai_tts:",)),
    ("target-bad-mode", _target(mode="never"), ("rules[0].targets[0].mode:", "'never'")),
    ("target-bad-cloze", _target(cloze="hints"), ("rules[0].targets[0].cloze:", "'hints'")),
    ("target-zero-max-chars", _target(max_chars=0), ("rules[0].targets[0].max_chars:",)),
    ("target-unknown-key", _target(colour="red"), ("rules[0].targets[0]:", "unknown key", "'colour'")),
    (
        "target-invalid-pattern",
        _target(text_rules=[{"find": "(to", "replace": "", "regex": True}]),
        ("rules[0].targets[0].text_rules[0].find:", "not a valid regular expression"),
    ),
    (
        "rule-invalid-pattern",
        _rule(text_rules=[{"find": "x", "replace": "[", "regex": False}, {"find": "[a-", "regex": True}]),
        ("rules[0].text_rules[1].find:", "'[a-'"),
    ),
    (
        "target-replacement-names-a-missing-group",
        _target(text_rules=[{"find": "(a)", "replace": r"\2", "regex": True}]),
        ("rules[0].targets[0].text_rules[0].find:", "group"),
    ),
    (
        "target-replacement-with-a-bad-escape",
        _target(text_rules=[{"find": "/", "replace": r"C:\path", "regex": True}]),
        ("rules[0].targets[0].text_rules[0].find:", "bad escape", "write a backslash as"),
    ),
    (
        "two-targets-fill-one-field",
        _add_target({"field": "Audio", "kind": "audio", "source": "{Back}", "providers": ["espeak"]}),
        ("rules[0].targets[1].field:", "Audio gets a sound from targets[0] already"),
    ),
    ("rule-empty-note-type", _rule(note_type=""), ("rules[0].note_type:",)),
    ("rule-unknown-key", _rule(deck="Spanish"), ("rules[0]:", "unknown key", "'deck'")),
    ("rule-unknown-audio-provider", _older_rule(audio_providers=["polly"]), ("rules[0].audio_providers:", "'polly'")),
    (
        "rule-unknown-image-provider",
        _older_rule(image_field="Picture", image_providers=["dalle"]),
        ("rules[0].image_providers:", "'dalle'"),
    ),
    (
        "rule-audio-field-without-providers",
        _older_rule(audio_providers=[]),
        ("rules[0].audio_providers:", "no provider"),
    ),
    (
        "rule-image-field-without-providers",
        _older_rule(image_field="Picture"),
        ("rules[0].image_providers:", "no provider"),
    ),
    ("rule-providers-not-a-list", _older_rule(audio_providers="espeak"), ("rules[0].audio_providers:",)),
    ("bad-language", _rule(language="english!"), ("rules[0].language:", "'english!'")),
    ("too-short-language", _rule(language="e"), ("rules[0].language:", "'e'")),
    ("second-rule-bad-mode", _add_second_bad_rule, ("rules[1].mode:", "'never'")),
    ("empty-rule", _set("rules", [{}]), ("rules[0]:", "'note_type' is a required property")),
    ("negative-retry-attempts", _espeak(retry_attempts=-1), ("providers.audio.espeak.retry_attempts:", "-1")),
    ("zero-requests-per-minute", _espeak(requests_per_minute=0), ("providers.audio.espeak.requests_per_minute:",)),
    ("negative-price", _espeak(price_per_request=-0.01), ("providers.audio.espeak.price_per_request:", "-0.01")),
    ("price-as-text", _espeak(price_per_request="free"), ("providers.audio.espeak.price_per_request:", "'free'")),
    ("key-for-a-keyless-provider", _espeak(api_key="abc"), ("providers.audio.espeak:", "unknown key", "'api_key'")),
    ("base-url-for-an-offline-provider", _espeak(base_url="http://x"), ("providers.audio.espeak:", "'base_url'")),
    (
        "breaker-threshold-zero",
        _set("circuit_breaker", {"failure_threshold": 0}),
        ("circuit_breaker.failure_threshold:",),
    ),
    ("breaker-negative-cooldown", _set("circuit_breaker", {"cooldown_s": -5}), ("circuit_breaker.cooldown_s:", "-5")),
    ("breaker-unknown-key", _set("circuit_breaker", {"trips": 3}), ("circuit_breaker:", "unknown key", "'trips'")),
    ("health-timeout-zero", _set("health_check_timeout_s", 0), ("health_check_timeout_s:", "0")),
    (
        "provider-module-not-a-path",
        _set("provider_modules", {"audio": {"mine": "rm -rf /"}}),
        ("provider_modules.audio.mine:", "'rm -rf /'"),
    ),
    (
        "provider-module-unknown-kind",
        _set("provider_modules", {"video": {"mine": "pkg.mod:Cls"}}),
        ("provider_modules:", "unknown key", "'video'"),
    ),
    (
        "provider-module-bad-name",
        _set("provider_modules", {"audio": {"My Voices": "pkg.mod:Cls"}}),
        ("provider_modules.audio:", "'My Voices'"),
    ),
]


@pytest.mark.parametrize(("change", "expected"), [pytest.param(c, e, id=i) for i, c, e in INVALID])
def test_invalid_config_is_rejected_naming_the_key_path(
    default_config: dict[str, Any],
    schemas: Schemas,
    change: Callable[[dict[str, Any]], None],
    expected: tuple[str, ...],
) -> None:
    change(default_config)
    with pytest.raises(ConfigError) as excinfo:
        validate_config(default_config, schemas)
    message = str(excinfo.value)
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert excinfo.value.provider_wide


def test_invalid_config_lists_every_problem(default_config: dict[str, Any], schemas: Schemas) -> None:
    default_config["rules"][0]["mode"] = "never"
    default_config["providers"]["audio"]["espeak"]["timeout_s"] = -5
    with pytest.raises(ConfigError) as excinfo:
        validate_config(default_config, schemas)
    assert "rules[0].mode" in str(excinfo.value)
    assert "providers.audio.espeak.timeout_s" in str(excinfo.value)


def test_missing_required_top_level_keys(schemas: Schemas) -> None:
    with pytest.raises(ConfigError, match="'providers' is a required property") as excinfo:
        validate_config({"rules": []}, schemas)
    assert "(top level)" in str(excinfo.value)


def _rules(*note_types: str) -> list[Rule]:
    return parse_rules(
        {
            "rules": [
                {"note_type": t, "source_field": f"src-{t}", "audio_field": "Audio", "audio_providers": ["espeak"]}
                for t in note_types
            ]
        }
    )


def test_rule_for_note_type_prefers_exact_name_over_wildcard() -> None:
    rules = _rules("*", "Basic", "Spanish")
    assert rule_for_note_type(rules, "Basic") is rules[1]
    assert rule_for_note_type(rules, "Spanish") is rules[2]
    assert rule_for_note_type(rules, "Cloze") is rules[0]
    assert rule_for_note_type(rules, "basic") is rules[0], "note type names are matched exactly"


def test_rule_for_note_type_without_wildcard() -> None:
    rules = _rules("Basic")
    assert rule_for_note_type(rules, "Basic") is rules[0]
    assert rule_for_note_type(rules, "Other") is None
    assert rule_for_note_type([], "Basic") is None


def test_parse_rules_fills_in_defaults() -> None:
    (rule,) = parse_rules({"rules": [{"note_type": "Basic", "source_field": "Front", "image_field": "Back"}]})
    assert rule.mode is FillMode.SKIP
    (target,) = rule.targets
    assert (target.field, target.kind, target.source, target.prompt) == ("Back", MediaKind.IMAGE, "{Front}", "{text}")
    assert rule.targets_of(MediaKind.AUDIO) == ()


def test_a_target_takes_what_it_does_not_say_from_its_rule() -> None:
    config = {
        "image_max_px": 640,
        "rules": [
            {
                "note_type": "Vocab",
                "language": "es",
                "mode": "skip",
                "attribution_field": "Credit",
                "cloze": "answers",
                "text_rules": [{"find": "sth.", "replace": ""}],
                "targets": [
                    {"field": "Audio", "kind": "audio", "source": "{Word}", "providers": ["espeak"]},
                    {
                        "field": "SentenceAudio",
                        "kind": "audio",
                        "source": "{Sentence}",
                        "providers": ["google_tts"],
                        "language": "es-MX",
                        "mode": "overwrite",
                        "cloze": "full",
                        "voice": {"google_tts": "es-US-Neural2-A", "espeak": " "},
                        "text_rules": [{"find": "\\(.*?\\)", "regex": True}],
                        "max_chars": 120,
                    },
                    {
                        "field": "Picture",
                        "kind": "image",
                        "source": "{Word}",
                        "providers": ["openverse"],
                        "image_format": "webp",
                    },
                ],
            }
        ],
    }
    (rule,) = parse_rules(config)
    word, sentence, picture = rule.targets
    assert (word.language, word.mode, word.cloze, word.max_chars) == ("es", FillMode.SKIP, "answers", 300)
    assert word.attribution_field == "", "a sound has no credit"
    assert [r.find for r in word.text_rules] == ["sth."]
    assert (sentence.language, sentence.mode, sentence.cloze, sentence.max_chars) == (
        "es-MX",
        FillMode.OVERWRITE,
        "full",
        120,
    )
    assert dict(sentence.voice) == {"google_tts": "es-US-Neural2-A"}, "an empty voice means the provider's own"
    assert [r.find for r in sentence.text_rules] == ["sth.", "\\(.*?\\)"], "the rule's text rules run first"
    assert (picture.attribution_field, picture.max_chars, picture.prompt) == ("Credit", 200, "{text}")
    assert (picture.image_output.max_px, picture.image_output.format) == (640, "webp"), "own format, top-level size"


def test_provider_settings_is_the_providers_own_slice(default_config: dict[str, Any]) -> None:
    settings = provider_settings(default_config, MediaKind.AUDIO, "espeak")
    assert settings["binary"] == "espeak-ng"
    settings["binary"] = "changed"
    assert default_config["providers"]["audio"]["espeak"]["binary"] == "espeak-ng"
    assert provider_settings(default_config, MediaKind.IMAGE, "nothing") == {}


def test_read_config_file_reads_an_object(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"log_level": "DEBUG", "word": "mañana"}', encoding="utf-8")
    assert read_config_file(path) == {"log_level": "DEBUG", "word": "mañana"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param('{"rules": [,]}', "not valid JSON", id="invalid-json"),
        pytest.param("", "not valid JSON", id="empty-file"),
        pytest.param("[1, 2]", "must hold a JSON object, not list", id="list"),
        pytest.param('"rules"', "must hold a JSON object, not str", id="string"),
        pytest.param("null", "must hold a JSON object", id="null"),
    ],
)
def test_read_config_file_rejects_bad_content_naming_the_file(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "my-settings.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        read_config_file(path)
    assert "my-settings.json" in str(excinfo.value)
    assert expected in str(excinfo.value)


def test_read_config_file_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{\n  "rules": [\n    oops\n  ]\n}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="line 3 column 5"):
        read_config_file(path)


def test_read_config_file_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "absent.json"
    with pytest.raises(ConfigError) as excinfo:
        read_config_file(path)
    assert "absent.json" in str(excinfo.value)
    assert "No such file" in str(excinfo.value)


def test_read_config_file_on_a_directory_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as excinfo:
        read_config_file(tmp_path)
    assert str(tmp_path) in str(excinfo.value)


def test_read_config_file_rejects_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"word": "mañana"}'.encode("latin-1"))
    with pytest.raises(ConfigError) as excinfo:
        read_config_file(path)
    assert "latin1.json" in str(excinfo.value)

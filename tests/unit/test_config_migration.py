"""Settings from older versions: each migration, idempotence, and that no key of the input is lost
(every leaf reaches the migrated config, or legacy_settings in the settings window)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from addon.core.base.errors import ConfigError
from addon.core.config.files import config_overrides, load_default_config, merge_config
from addon.core.config.migration import CURRENT_CONFIG_VERSION, migrate_config, set_aside_unknown_keys
from addon.core.config.schema import validate_config
from addon.core.media.types import MediaKind
from addon.core.provider_system.config_loading import catalog_for, load_config

Schemas = dict[MediaKind, dict[str, Mapping[str, Any]]]


@pytest.fixture(scope="module")
def known() -> dict[MediaKind, list[str]]:
    catalog = catalog_for({})
    return {kind: catalog.names(kind) for kind in MediaKind}


def rule(**changes: Any) -> dict[str, Any]:
    return {"note_type": "Basic", "source_field": "Front", "audio_field": "Back", **changes}


def sound(field: str = "Back", providers: tuple[str, ...] = (), source: str = "{Front}") -> dict[str, Any]:
    return {"field": field, "kind": "audio", "source": source, "providers": list(providers)}


def picture(field: str, providers: tuple[str, ...] = (), source: str = "{Front}", **more: Any) -> dict[str, Any]:
    return {"field": field, "kind": "image", "source": source, "providers": list(providers), **more}


def migrated_rule(*targets: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A rule as version 3 writes it: the older keys gone, the targets in their place."""
    return {"note_type": "Basic", **changes, "targets": list(targets)}


# A version-1 config with every old shape at once (and keys no migration knows).
OLD: dict[str, Any] = {
    "openai_api_key": "sk-old-0123456789",
    "providers": {
        "openai": {"model": "dall-e-3", "timeout_s": 90},
        "forvo": {"api_key": "forvo-key-42", "daily_limit": 100},
        "audio": {"espeak": {"speed_wpm": 180}},
        "mystery": {"colour": "blue"},
    },
    "rules": [
        rule(image_field="Picture", image_provider="openai", audio_provider="forvo", lang="es", overwrite=True),
        rule(note_type="Other", audio_provider="espeak", lang="de", overwrite=False, color="red"),
    ],
    "log_level": "DEBUG",
    "theme": "dark",
}


def leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(data, Mapping) and data:
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list) and data:
        for index, value in enumerate(data):
            yield from leaves(value, (*path, index))
    else:
        yield path, data


def leaf_values(data: Any) -> list[Any]:
    return [value for _, value in leaves(data)]


def test_a_provider_stored_without_its_kind_moves_under_its_kind(known: dict[MediaKind, list[str]]) -> None:
    migration = migrate_config(OLD, known=known)
    providers = migration.config["providers"]
    assert providers["image"]["openai"]["model"] == "dall-e-3"
    assert providers["image"]["openai"]["timeout_s"] == 90
    assert providers["audio"]["forvo"] == {"api_key": "forvo-key-42", "daily_limit": 100}
    assert providers["audio"]["espeak"] == {"speed_wpm": 180}
    assert "openai" not in providers and "forvo" not in providers
    assert providers["mystery"] == {"colour": "blue"}, "an unknown provider stays where it is"
    assert any("providers.forvo to providers.audio.forvo" in note for note in migration.notes)
    assert migration.changed


def test_a_moved_slice_does_not_overwrite_values_stored_under_the_kind(known: dict[MediaKind, list[str]]) -> None:
    stored = {"providers": {"espeak": {"pitch": 10, "speed_wpm": 120}, "audio": {"espeak": {"speed_wpm": 200}}}}
    migrated = migrate_config(stored, known=known).config
    assert migrated["providers"]["audio"]["espeak"] == {"speed_wpm": 200, "pitch": 10}
    assert migrated["providers"]["espeak"] == {"speed_wpm": 120}, "the clashing value is kept, not dropped"


def test_the_old_openai_key_goes_to_both_openai_providers_where_empty(known: dict[MediaKind, list[str]]) -> None:
    migration = migrate_config(OLD, known=known)
    providers = migration.config["providers"]
    assert providers["image"]["openai"]["api_key"] == "sk-old-0123456789"
    assert providers["audio"]["openai_tts"]["api_key"] == "sk-old-0123456789"
    assert "openai_api_key" not in migration.config
    assert not any("sk-old" in note for note in migration.notes), "a note never shows the key"

    stored = {"openai_api_key": "sk-old", "providers": {"audio": {"openai_tts": {"api_key": "sk-newer"}}}}
    providers = migrate_config(stored, known=known).config["providers"]
    assert providers["audio"]["openai_tts"]["api_key"] == "sk-newer", "a key already set is not replaced"
    assert providers["image"]["openai"]["api_key"] == "sk-old"

    both_set = {"image": {"openai": {"api_key": "a"}}, "audio": {"openai_tts": {"api_key": "b"}}}
    kept = migrate_config({"openai_api_key": "sk-old", "providers": both_set}, known=known).config
    assert kept["openai_api_key"] == "sk-old", "with nowhere free to go it stays (validation names it)"


def test_rule_keys_get_their_new_names(known: dict[MediaKind, list[str]]) -> None:
    first, second = migrate_config(OLD, known=known).config["rules"]
    assert first == migrated_rule(
        picture("Picture", ("openai",)), sound("Back", ("forvo",)), language="es", mode="overwrite"
    )
    assert second == migrated_rule(
        sound("Back", ("espeak",)), note_type="Other", language="de", mode="skip", color="red"
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (rule(audio_provider="forvo", audio_providers=["espeak"]), migrated_rule(sound(providers=("forvo", "espeak")))),
        (rule(audio_provider="espeak", audio_providers=["espeak"]), migrated_rule(sound(providers=("espeak",)))),
        (rule(image_provider=""), migrated_rule(sound())),
        (rule(lang="es", language="es"), migrated_rule(sound(), language="es")),
        (rule(lang="es", language="de"), migrated_rule(sound(), lang="es", language="de")),  # clash: both kept
        (
            rule(overwrite=True, mode="append"),
            migrated_rule(sound(), overwrite=True, mode="append"),
        ),  # clash: both kept
        (rule(overwrite="yes"), migrated_rule(sound(), overwrite="yes")),  # not a switch: kept for validation
    ],
)
def test_rule_migrations_never_overwrite(
    known: dict[MediaKind, list[str]], old: dict[str, Any], new: dict[str, Any]
) -> None:
    assert migrate_config({"rules": [old]}, known=known).config["rules"] == [new]


def test_the_input_is_not_changed_and_the_version_is_stamped(known: dict[MediaKind, list[str]]) -> None:
    before = copy.deepcopy(OLD)
    migrated = migrate_config(OLD, known=known).config
    assert before == OLD
    assert migrated["config_version"] == CURRENT_CONFIG_VERSION == 3


def test_a_config_with_nothing_old_notes_nothing(known: dict[MediaKind, list[str]]) -> None:
    migration = migrate_config({"log_level": "DEBUG"}, known=known)
    assert migration.config == {"log_level": "DEBUG", "config_version": 3}
    assert (migration.notes, migration.changed) == ([], False)


def test_a_current_or_unreadable_version_is_left_alone(known: dict[MediaKind, list[str]]) -> None:
    current = {"config_version": 3, "rules": [rule(lang="es")]}
    assert migrate_config(current, known=known).config == current
    odd = {"config_version": "two", "rules": [rule(lang="es")]}
    assert migrate_config(odd, known=known).config == odd


@pytest.mark.parametrize("stored", [OLD, {}, {"rules": [rule(lang="es")]}, {"providers": {"openai": {}}}])
def test_migrating_twice_is_migrating_once(known: dict[MediaKind, list[str]], stored: dict[str, Any]) -> None:
    once = migrate_config(stored, known=known)
    twice = migrate_config(once.config, known=known)
    assert twice.config == once.config
    assert (twice.notes, twice.changed) == ([], False)


def test_no_value_of_the_input_is_lost(known: dict[MediaKind, list[str]], schemas: Schemas) -> None:
    migrated = migrate_config(OLD, known=known).config
    defaults = load_default_config()
    config, moved = set_aside_unknown_keys(merge_config(defaults, migrated), schemas)
    found = leaf_values(config)
    # overwrite became mode values; source_field became each target's source template.
    translated = {
        ("rules", 0, "overwrite"),
        ("rules", 1, "overwrite"),
        ("rules", 0, "source_field"),
        ("rules", 1, "source_field"),
    }
    assert "{Front}" in found
    for path, value in leaves(OLD):
        if path not in translated:
            assert value in found, f"{path} = {value!r} was lost"
    assert sorted(moved) == ["providers.mystery", "rules[1].color", "theme"]
    assert config["legacy_settings"] == {
        "providers.mystery": {"colour": "blue"},
        "rules[1].color": "red",
        "theme": "dark",
    }
    validate_config(config, schemas)  # with the unknown keys set aside, the config is valid


def test_setting_aside_twice_keeps_both_values(schemas: Schemas) -> None:
    defaults = load_default_config()
    config = merge_config(defaults, {"theme": "dark", "legacy_settings": {"theme": "light"}})
    config, moved = set_aside_unknown_keys(config, schemas)
    assert moved == ["theme"]
    assert config["legacy_settings"] == {"theme": "light", "theme (2)": "dark"}


def test_a_valid_config_has_nothing_to_set_aside(schemas: Schemas) -> None:
    defaults = load_default_config()
    config, moved = set_aside_unknown_keys(defaults, schemas)
    assert (config, moved) == (defaults, [])


def test_load_config_migrates_what_it_reads_and_still_names_unknown_keys() -> None:
    old_rule = rule(audio_provider="espeak", lang="es", overwrite=True)
    config = load_config({"providers": {"openai": {"model": "dall-e-3"}}, "rules": [old_rule]})
    assert config["providers"]["image"]["openai"]["model"] == "dall-e-3"
    assert config["rules"] == [migrated_rule(sound(providers=("espeak",)), language="es", mode="overwrite")]
    with pytest.raises(ConfigError, match=r"rules\[0\]: unknown key .*color"):
        load_config({"rules": [rule(audio_providers=["espeak"], color="red")]})


def test_config_overrides_keep_only_what_differs() -> None:
    defaults = load_default_config()
    config = copy.deepcopy(defaults)
    config["providers"]["image"]["openai"]["model"] = "dall-e-3"
    config["providers"]["audio"]["yandex_tts"]["voices"] = {"en": "john"}  # a map replaces as a whole
    config["providers"]["audio"]["espeak"]["speed_wpm"] = 150.0  # 150.0 is not the default 150
    config["budget_usd"] = 2
    overrides = config_overrides(defaults, config)
    assert overrides == {
        "providers": {
            "image": {"openai": {"model": "dall-e-3"}},
            "audio": {"yandex_tts": {"voices": {"en": "john"}}, "espeak": {"speed_wpm": 150.0}},
        },
        "budget_usd": 2,
    }
    assert merge_config(defaults, overrides) == config
    assert config_overrides(defaults, defaults) == {}


def test_a_version_2_rule_becomes_targets_with_a_note(known: dict[MediaKind, list[str]]) -> None:
    stored = {
        "config_version": 2,
        "rules": [
            {
                "note_type": "Vocab",
                "source_field": "Word",
                "image_field": "Picture",
                "audio_field": "Audio",
                "image_providers": ["openverse", "openai"],
                "audio_providers": ["openai_tts", "espeak"],
                "image_prompt": "A clear picture of {text}, no text",
                "language": "es",
                "mode": "skip",
                "attribution_field": "Credit",
            },
            {"note_type": "Leave alone", "source_field": "Front", "image_field": "", "audio_field": ""},
            {"note_type": "Half", "source_field": "Front", "audio_field": "", "audio_providers": ["forvo"]},
        ],
    }
    migration = migrate_config(stored, known=known)
    vocab, alone, half = migration.config["rules"]
    assert vocab == {
        "note_type": "Vocab",
        "language": "es",
        "mode": "skip",
        "attribution_field": "Credit",
        "targets": [
            picture("Picture", ("openverse", "openai"), "{Word}", prompt="A clear picture of {text}, no text"),
            sound("Audio", ("openai_tts", "espeak"), "{Word}"),
        ],
    }
    assert alone == {"note_type": "Leave alone", "targets": []}, "a rule that filled nothing still fills nothing"
    assert half == {"note_type": "Half", "targets": []}
    assert migration.config["legacy_settings"] == {"rules[2].audio_providers": ["forvo"]}, "nothing is dropped"
    assert migration.config["config_version"] == 3
    assert any("Rule 1 (Vocab): its fields are now a list of targets" in note for note in migration.notes)
    assert any("Rule 3 (Half): audio_providers named no field" in note for note in migration.notes)


def test_a_migrated_rule_plans_what_the_older_rule_planned(known: dict[MediaKind, list[str]]) -> None:
    from addon.core.config.rules import parse_rules
    from addon.core.engine.planner import plan_notes
    from addon.core.job.plan import SourceNote

    older = {
        "note_type": "Basic",
        "source_field": "Front",
        "image_field": "Picture",
        "audio_field": "Back",
        "image_providers": ["openverse"],
        "audio_providers": ["espeak"],
        "image_prompt": "a photo of {text}",
        "language": "fr",
    }
    note = SourceNote(1, "Basic", {"Front": "<b>la pomme</b>", "Back": "", "Picture": ""})
    migrated = migrate_config({"rules": [older]}, known=known).config

    def requests(config: dict[str, Any]) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
        plan = plan_notes([note], parse_rules(config))
        return [
            (t.field, t.kind.value, t.work.request.text, t.work.request.language, t.work.providers)
            for t in plan.targets
            if t.work is not None
        ]

    assert (
        requests({"rules": [older]})
        == requests(migrated)
        == [
            ("Picture", "image", "a photo of la pomme", "fr", ("openverse",)),
            ("Back", "audio", "la pomme", "fr", ("espeak",)),
        ]
    )

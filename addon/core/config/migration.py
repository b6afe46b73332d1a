"""Settings saved by older versions, brought to the current shape: nothing a user wrote is dropped.

`migrate_config` works on the user's saved overrides (not the merged config) and knows every
change of shape since version 1 (a config without ``config_version``):

* a provider's settings stored directly under ``providers.<name>`` move to ``providers.<kind>.<name>``;
* a rule's single ``image_provider`` / ``audio_provider`` becomes the list ``image_providers`` /
  ``audio_providers``; a rule's ``lang`` becomes ``language``; ``overwrite: true/false`` becomes
  ``mode: "overwrite"/"skip"``;
* (version 3) a rule's one ``source_field`` with its ``image_field`` and ``audio_field`` (and their
  providers and ``image_prompt``) becomes its list of ``targets``: a picture target, then a sound
  target, each reading ``{source_field}``;
* a top-level ``openai_api_key`` moves to the ``api_key`` of the ``openai`` image provider and the
  ``openai_tts`` speech provider (where those are empty).

A key it cannot move without overwriting something (or does not know) stays where it is, so
validation names it: loud, not lost. `set_aside_unknown_keys` is the settings window's next step:
it moves every key the schema does not know under ``legacy_settings``, by its old key path.

Thread safety: pure functions over plain data; call from any thread.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from ..media.types import MediaKind
from .files import same_json
from .schema import SliceSchemas, config_schema, key_path
from .targets import LEGACY_RULE_KEYS, legacy_targets

CURRENT_CONFIG_VERSION = 3
VERSION_KEY = "config_version"
LEGACY_KEY = "legacy_settings"

_OPENAI_KEY_TARGETS = ((MediaKind.IMAGE, "openai"), (MediaKind.AUDIO, "openai_tts"))


@dataclass
class Migration:
    """The migrated config, one sentence per change for the user, and whether anything moved (the
    version stamp alone does not count)."""

    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    changed: bool = False


def stored_version(stored: Mapping[str, Any]) -> int | None:
    """The config's shape version: 1 when it has none, None when the value is not a whole number."""
    version = stored.get(VERSION_KEY, 1)
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def migrate_config(stored: Mapping[str, Any], *, known: Mapping[MediaKind, Collection[str]]) -> Migration:
    """``stored`` (the user's overrides) in the current shape; ``known`` names each kind's
    providers, to tell where a provider's settings stored without a kind belong. The input is not
    changed. Migrating a migrated config changes nothing."""
    config = copy.deepcopy(dict(stored))
    version = stored_version(config)
    if version is None or version >= CURRENT_CONFIG_VERSION:
        return Migration(config)
    notes = _provider_slices_by_kind(config, known) + _openai_api_key(config) + _rules(config) + _targets(config)
    config[VERSION_KEY] = CURRENT_CONFIG_VERSION
    return Migration(config, notes, changed=bool(notes))


def _provider_slices_by_kind(config: dict[str, Any], known: Mapping[MediaKind, Collection[str]]) -> list[str]:
    providers = config.get("providers")
    if not isinstance(providers, dict):
        return []
    kind_names = {kind.value for kind in MediaKind}
    notes = []
    for name in [key for key in providers if key not in kind_names]:
        settings = providers[name]
        kinds = [kind for kind in MediaKind if name in known.get(kind, ())]
        if len(kinds) != 1 or not isinstance(settings, dict):
            continue  # unknown or ambiguous: left for validation to name
        of_kind = providers.setdefault(kinds[0].value, {})
        if not isinstance(of_kind, dict):
            continue
        target = of_kind.setdefault(name, {})
        if not isinstance(target, dict):
            continue
        moved = _move_keys(settings, target)
        if not settings:
            del providers[name]
        if moved:
            where = f"providers.{kinds[0].value}.{name}"
            left = f"; {', '.join(sorted(settings))} stayed, as {where} already has other values" if settings else ""
            notes.append(f"The settings of {name} moved from providers.{name} to {where}{left}.")
        if not target:
            del of_kind[name]
    return notes


def _move_keys(source: dict[str, Any], target: dict[str, Any]) -> list[str]:
    """Move each key of ``source`` whose place in ``target`` is free (or holds the same value)."""
    moved = []
    for key in list(source):
        if key not in target or same_json(target[key], source[key]):
            target[key] = source.pop(key)
            moved.append(key)
    return moved


def _openai_api_key(config: dict[str, Any]) -> list[str]:
    key = config.get("openai_api_key")
    if not isinstance(key, str) or not isinstance(config.setdefault("providers", {}), dict):
        return []
    providers = config["providers"]
    placed = []
    for kind, name in _OPENAI_KEY_TARGETS:
        of_kind = providers.setdefault(kind.value, {})
        target = of_kind.setdefault(name, {}) if isinstance(of_kind, dict) else None
        if not isinstance(target, dict):
            continue
        if not target.get("api_key") or target.get("api_key") == key:
            target["api_key"] = key
            placed.append(f"providers.{kind.value}.{name}.api_key")
    if not placed:
        return []  # both already hold other keys: left for validation to name
    del config["openai_api_key"]
    return [f"Your OpenAI key (openai_api_key) moved to {' and '.join(placed)}."]


def _rules(config: dict[str, Any]) -> list[str]:
    rules = config.get("rules")
    if not isinstance(rules, list):
        return []
    notes = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        label = f"Rule {index + 1}" + (f" ({rule['note_type']})" if isinstance(rule.get("note_type"), str) else "")
        for kind in MediaKind:
            if _single_provider_to_list(rule, kind):
                notes.append(f"{label}: {kind.value}_provider became the list {kind.value}_providers.")
        if "lang" in rule and (rule.get("language", rule["lang"]) == rule["lang"]):
            rule["language"] = rule.pop("lang")
            notes.append(f"{label}: lang is now called language.")
        overwrite = rule.get("overwrite")
        if isinstance(overwrite, bool):
            mode = "overwrite" if overwrite else "skip"
            if rule.get("mode", mode) == mode:
                del rule["overwrite"]
                rule["mode"] = mode
                notes.append(f'{label}: overwrite: {str(overwrite).lower()} became mode "{mode}".')
    return notes


def _targets(config: dict[str, Any]) -> list[str]:
    rules = config.get("rules")
    if not isinstance(rules, list):
        return []
    notes = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or "targets" in rule or not isinstance(rule.get("source_field"), str):
            continue  # already targets, or not a rule this can read: left for validation to name
        if not all(isinstance(rule.get(f"{kind.value}_field", ""), str) for kind in MediaKind):
            continue
        targets = legacy_targets(rule)
        label = f"Rule {index + 1}" + (f" ({rule['note_type']})" if isinstance(rule.get("note_type"), str) else "")
        unused = _unused_legacy_values(rule, targets)
        if unused:  # providers chosen for a kind with no field: kept, by their old key path
            legacy = config.setdefault(LEGACY_KEY, {})
            for key, value in unused.items():
                legacy[_free_name(legacy, f"rules[{index}].{key}")] = value
            notes.append(f"{label}: {', '.join(unused)} named no field to fill; kept under {LEGACY_KEY}.")
        for key in LEGACY_RULE_KEYS:
            rule.pop(key, None)
        rule["targets"] = targets
        made = " and ".join(f"a {MediaKind(t['kind']).word} into {t['field']}" for t in targets) or "nothing"
        source = f" from {targets[0]['source']}" if targets else ""
        notes.append(f"{label}: its fields are now a list of targets ({made}{source}); each can have its own source.")
    return notes


def _unused_legacy_values(rule: Mapping[str, Any], targets: list[dict[str, Any]]) -> dict[str, Any]:
    """The older keys with a value no target carries (empty values and the default prompt aside)."""
    made = {target["kind"] for target in targets}
    unused = {}
    for kind in MediaKind:
        if kind.value not in made and rule.get(f"{kind.value}_providers"):
            unused[f"{kind.value}_providers"] = rule[f"{kind.value}_providers"]
    if MediaKind.IMAGE.value not in made and rule.get("image_prompt", "{text}") not in ("", "{text}"):
        unused["image_prompt"] = rule["image_prompt"]
    return unused


def _single_provider_to_list(rule: dict[str, Any], kind: MediaKind) -> bool:
    old, new = f"{kind.value}_provider", f"{kind.value}_providers"
    if old not in rule:
        return False
    value = rule[old]
    if value is None or value == "":
        names: list[str] = []
    elif isinstance(value, str):
        names = [value]
    elif isinstance(value, list) and all(isinstance(n, str) for n in value):
        names = value
    else:
        return False  # not a provider name: left for validation to name
    current = rule.get(new)
    if current is None:
        rule[new] = list(names)
    elif isinstance(current, list):
        rule[new] = [n for n in names if n not in current] + current
    else:
        return False
    del rule[old]
    return True


def set_aside_unknown_keys(config: Mapping[str, Any], slice_schemas: SliceSchemas) -> tuple[dict[str, Any], list[str]]:
    """``config`` with every key its schema does not know moved under ``legacy_settings``, keyed by
    its old key path (``"rules[0].color"``), and those key paths. Nothing is dropped: a path that
    ``legacy_settings`` holds already gets a number. Values the schema refuses for other reasons
    stay (validation names them)."""
    result = copy.deepcopy(dict(config))
    legacy = result.setdefault(LEGACY_KEY, {})
    if not isinstance(legacy, dict):
        return result, []
    validator = jsonschema.Draft7Validator(config_schema(slice_schemas))
    moved = []
    for err in list(validator.iter_errors(result)):
        if err.validator != "additionalProperties" or err.validator_value is not False:
            continue
        holder = _at(result, list(err.absolute_path))
        if not isinstance(holder, MutableMapping):
            continue
        allowed = set(err.schema.get("properties", {}))
        patterns = list(err.schema.get("patternProperties", {}))
        for key in [k for k in holder if k not in allowed and not any(re.search(p, k) for p in patterns)]:
            path = key_path([*err.absolute_path, key])
            legacy[_free_name(legacy, path)] = holder.pop(key)
            moved.append(path)
    if not legacy and LEGACY_KEY not in config:
        del result[LEGACY_KEY]
    return result, moved


def _at(data: Any, path: list[Any]) -> Any:
    for part in path:
        data = data[part]
    return data


def _free_name(taken: Mapping[str, Any], name: str) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate

"""The config as files: the shipped defaults (``config.json``), reading a user's file, deep-merging
overrides over the defaults (a user who changes one key of one provider keeps every other default),
the overrides worth saving, and typed reads of a provider's slice.

``config.json`` is the one source of defaults. Inside Anki it sits in the add-on folder; in a source
checkout it sits at the top of the repository, one level above the package.

Thread safety: pure functions over plain data (reads a file when asked); call from any thread.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..base.errors import ConfigError
from ..media.types import MediaKind

CONFIG_FILE_NAME = "config.json"


def package_dir() -> Path:
    """The add-on package folder (``addon/`` in a checkout, the add-on folder inside Anki)."""
    return Path(__file__).resolve().parents[2]


def default_config_path() -> Path:
    """Where the shipped ``config.json`` is: beside the package when installed, else the checkout's top."""
    for candidate in (package_dir() / CONFIG_FILE_NAME, package_dir().parent / CONFIG_FILE_NAME):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"the default {CONFIG_FILE_NAME} is missing from {package_dir()}; reinstall the add-on")


def load_default_config() -> dict[str, Any]:
    return read_config_file(default_config_path())


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a JSON config file; any problem becomes a `ConfigError` naming the file."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: Windows editors add a byte-order mark
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object, not {type(data).__name__}")
    return data


def _is_provider_setting(path: Sequence[str]) -> bool:
    """``providers.<kind>.<name>.<key>``: one setting of one provider, which is replaced as a whole
    (a ``voices`` map the user saved is the whole map, so an entry can also be taken out)."""
    return len(path) == 4 and path[0] == "providers"


def merge_config(defaults: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Deep-merge ``overrides`` onto ``defaults``: objects merge key by key, anything else replaces;
    a provider's setting (``providers.<kind>.<name>.<key>``) replaces its default as a whole, even
    when it is an object."""
    return _merge(defaults, overrides or {}, ())


def _merge(defaults: Mapping[str, Any], overrides: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(defaults))
    for key, value in overrides.items():
        base = merged.get(key)
        where = (*path, str(key))
        if isinstance(base, Mapping) and isinstance(value, Mapping) and not _is_provider_setting(where):
            merged[key] = _merge(base, value, where)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def config_overrides(defaults: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """What ``config`` changes from ``defaults``: the smallest overrides for which
    ``merge_config(defaults, overrides) == config`` (a key that ``config`` lacks cannot be taken
    out of the defaults by an overlay, so it is not looked at). Saving only these lets a later
    update's new defaults reach the user."""
    return _overrides(defaults, config, ())


def _overrides(defaults: Mapping[str, Any], config: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for key, value in config.items():
        where = (*path, str(key))
        if key not in defaults:
            changed[key] = copy.deepcopy(value)
            continue
        base = defaults[key]
        if isinstance(base, Mapping) and isinstance(value, Mapping) and not _is_provider_setting(where):
            inner = _overrides(base, value, where)
            if inner:
                changed[key] = inner
        elif not same_json(base, value):
            changed[key] = copy.deepcopy(value)
    return changed


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values, types included: ``True`` is not ``1`` and ``1`` is not ``1.0``."""
    if type(a) is not type(b):
        return False
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def media_cap_bytes(config: Mapping[str, Any]) -> int:
    """The largest media file a job takes, in bytes (the config's ``max_media_mb``, 20 by default)."""
    return int(float(config.get("max_media_mb", 20)) * 1024 * 1024)


def provider_settings(config: Mapping[str, Any], kind: MediaKind, name: str) -> dict[str, Any]:
    """One provider's own slice of the config (empty when the config does not mention it)."""
    return copy.deepcopy(dict(config.get("providers", {}).get(kind.value, {}).get(name, {})))

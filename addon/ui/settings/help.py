"""Tooltips for the settings window, read from the tables of ``config.md`` (the same words the
add-on manager shows beside its JSON editor), so each setting is explained in one place. A
provider's setting is explained with an example for that provider (`ConfigHelp.provider_example`).

Thread safety: `ConfigHelp` is immutable once read; `read_config_help` reads a file (main thread is
fine: the file is small).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...core.config.files import package_dir
from ...core.provider_system.info import ProviderInfo

HELP_FILE_NAME = "config.md"
COMMON = "providers"  # the section with the settings every provider shares
GENERAL = "general"

_PROVIDER_HEADING = re.compile(r"^### `([a-z][a-z0-9_]*)`")
_SECTION_HEADING = re.compile(r"^## (?:`([a-z_]+)`|(\w+))")
_ROW = re.compile(r"^\|\s*((?:`[^`]+`\s*(?:/\s*)?)+)\|\s*([^|]*?)\s*\|")
_KEY = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class ConfigHelp:
    """{section: {key: meaning}}; sections are provider names, ``providers`` and ``general``."""

    sections: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def for_provider(self, provider: str, key: str) -> str:
        """What ``key`` of ``provider`` means ("" when config.md does not say)."""
        return self.sections.get(provider, {}).get(key) or self.sections.get(COMMON, {}).get(key, "")

    def provider_example(self, info: ProviderInfo, key: str) -> str:
        """What ``key`` means for the provider of ``info``, with an example for that provider: the
        one its own row of config.md gives, else (for a key every provider shares, or a row
        without one) its default value, or an environment variable name for ``api_key_env``.
        Keys (secrets) and switches get none."""
        own = self.sections.get(info.name, {}).get(key, "")
        meaning = own or self.sections.get(COMMON, {}).get(key, "")
        if "e.g." in own:
            return meaning
        example = ""
        if key == "api_key_env":
            example = f"For {info.title}, e.g. {info.name.upper()}_API_KEY."
        elif not key.endswith("api_key"):
            default = info.default_settings.get(key)
            if default not in (None, "", {}, []) and not isinstance(default, bool):
                shown = default if isinstance(default, str) else json.dumps(default, ensure_ascii=False)
                example = f"For {info.title}, e.g. {shown} (its default)."
        return f"{meaning.rstrip()} {example}".strip() if example else meaning

    def for_general(self, key: str) -> str:
        return self.sections.get(GENERAL, {}).get(key, "")


def parse_config_help(text: str) -> ConfigHelp:
    """The meanings in config.md's tables, by section; markdown backticks are dropped."""
    sections: dict[str, dict[str, str]] = {}
    section = ""
    for line in text.splitlines():
        provider = _PROVIDER_HEADING.match(line)
        heading = _SECTION_HEADING.match(line)
        if provider:
            section = provider.group(1)
        elif heading:
            section = (heading.group(1) or heading.group(2) or "").lower()
        row = _ROW.match(line)
        if row and section and row.group(2) and row.group(2) != "meaning":
            meaning = row.group(2).replace("`", "")
            for key in _KEY.findall(row.group(1)):
                sections.setdefault(section, {}).setdefault(key, meaning)
    return ConfigHelp(sections)


def read_config_help() -> ConfigHelp:
    """config.md beside the package (installed) or at the checkout's top; empty help when missing."""
    for candidate in (package_dir() / HELP_FILE_NAME, package_dir().parent / HELP_FILE_NAME):
        try:
            return parse_config_help(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return ConfigHelp()

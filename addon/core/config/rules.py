"""Rules: per note type, which field is read and which fields are filled, by which providers.

Thread safety: immutable data and pure functions; call from any thread.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..media.image_output import ImageOutput
from ..media.types import MediaKind

# A rule's language: a code like en, es, pt-BR or zh_Hant, or empty for the provider's default.
LANGUAGE_PATTERN = r"^([A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*)?$"


WILDCARD_NOTE_TYPE = "*"


class FillMode(str, enum.Enum):
    """What to do with a target field.

    SKIP leaves a field that already holds media of its kind alone (other text in it is kept and the
    media appended); OVERWRITE replaces the field with the new media; APPEND adds the new media
    after whatever the field holds.
    """

    SKIP = "skip"
    OVERWRITE = "overwrite"
    APPEND = "append"


@dataclass(frozen=True)
class Rule:
    """How to fill notes of one note type (``*`` matches any note type)."""

    note_type: str
    source_field: str
    image_field: str
    audio_field: str
    image_providers: tuple[str, ...]
    audio_providers: tuple[str, ...]
    language: str
    image_prompt: str
    mode: FillMode
    # Where a found image's credit goes: a field's name, or "" for an HTML comment after the image.
    attribution_field: str = ""
    # How its pictures are stored (the config's top-level ``image_max_px``, ``image_format`` and
    # ``image_quality``, which a rule's own setting may one day override).
    image_output: ImageOutput = field(default_factory=ImageOutput)

    def target_field(self, kind: MediaKind) -> str:
        return self.image_field if kind is MediaKind.IMAGE else self.audio_field

    def providers_for(self, kind: MediaKind) -> tuple[str, ...]:
        return self.image_providers if kind is MediaKind.IMAGE else self.audio_providers


def parse_rules(config: Mapping[str, Any]) -> list[Rule]:
    """Typed rules from a validated config (its top-level picture settings go to every rule)."""
    image_output = ImageOutput.from_config(config)
    return [
        Rule(
            note_type=raw["note_type"],
            source_field=raw["source_field"],
            image_field=raw.get("image_field", ""),
            audio_field=raw.get("audio_field", ""),
            image_providers=tuple(raw.get("image_providers", ())),
            audio_providers=tuple(raw.get("audio_providers", ())),
            language=raw.get("language", ""),
            image_prompt=raw.get("image_prompt", "{text}"),
            mode=FillMode(raw.get("mode", FillMode.SKIP.value)),
            attribution_field=raw.get("attribution_field", ""),
            image_output=image_output,
        )
        for raw in config.get("rules", [])
    ]


def rule_for_note_type(rules: Sequence[Rule], note_type: str) -> Rule | None:
    """The rule for a note type: the first naming it exactly, else the first wildcard rule."""
    exact = next((r for r in rules if r.note_type == note_type), None)
    return exact or next((r for r in rules if r.note_type == WILDCARD_NOTE_TYPE), None)

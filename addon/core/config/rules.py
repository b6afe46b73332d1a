"""Rules: per note type, the targets to fill (each one field, from a source template, by its
providers in fallback order) and the defaults its targets fall back to.

Thread safety: immutable data and pure functions; call from any thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..media.image_output import ImageOutput
from ..media.types import MediaKind
from .rule_schema import LANGUAGE_PATTERN
from .targets import FieldTarget, FillMode, parse_target, raw_targets

__all__ = [
    "LANGUAGE_PATTERN",
    "WILDCARD_NOTE_TYPE",
    "FieldTarget",
    "FillMode",
    "Rule",
    "parse_rules",
    "rule_for_note_type",
]


WILDCARD_NOTE_TYPE = "*"


@dataclass(frozen=True)
class Rule:
    """How to fill notes of one note type (``*`` matches any note type): its targets, and the
    defaults they were read with (``language``, ``mode``, ``attribution_field``)."""

    note_type: str
    targets: tuple[FieldTarget, ...] = ()
    language: str = ""
    mode: FillMode = FillMode.SKIP
    attribution_field: str = ""

    def targets_of(self, kind: MediaKind) -> tuple[FieldTarget, ...]:
        return tuple(t for t in self.targets if t.kind is kind)

    def target_for(self, field_name: str) -> FieldTarget | None:
        """The target that fills ``field_name``, or None."""
        return next((t for t in self.targets if t.field == field_name), None)


def parse_rules(config: Mapping[str, Any]) -> list[Rule]:
    """Typed rules from a validated config (its top-level picture settings go to every picture
    target that does not set its own)."""
    image_output = ImageOutput.from_config(config)
    return [parse_rule(raw, image_output=image_output) for raw in config.get("rules", [])]


def parse_rule(raw: Mapping[str, Any], *, image_output: ImageOutput | None = None) -> Rule:
    output = image_output or ImageOutput()
    return Rule(
        note_type=raw["note_type"],
        targets=tuple(parse_target(t, raw, image_output=output) for t in raw_targets(raw)),
        language=raw.get("language", ""),
        mode=FillMode(raw.get("mode", FillMode.SKIP.value)),
        attribution_field=raw.get("attribution_field", ""),
    )


def rule_for_note_type(rules: Sequence[Rule], note_type: str) -> Rule | None:
    """The rule for a note type: the first naming it exactly, else the first wildcard rule."""
    exact = next((r for r in rules if r.note_type == note_type), None)
    return exact or next((r for r in rules if r.note_type == WILDCARD_NOTE_TYPE), None)

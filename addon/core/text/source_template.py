"""A target's source: a template over field names (``"{Word}"``, ``"{Word} – {Sentence}"``),
each ``{Field}`` replaced by the field's value, the result cleaned as one text (HTML, entities,
cloze markup, furigana readings and sound tags removed; block elements read as sentence breaks).

With ``cloze="answers"`` a field holding clozes gives only their answers, joined with ", "; a field
without clozes gives its whole text. A name the note has no field for stays as written.

Thread safety: pure functions; call from any thread.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .cleaning import clean_source_text, cloze_answers

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def substituted(template: str, fields: Mapping[str, str], *, cloze: str = "full") -> str:
    """The template with each known ``{Field}`` replaced by its raw value (one pass: braces in a
    value are left alone)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fields:
            return match.group(0)
        raw = fields[name]
        if cloze == "answers":
            answers = cloze_answers(raw)
            if answers:
                return ", ".join(answers)
        return raw

    return _PLACEHOLDER.sub(value, template)


def render_source(template: str, fields: Mapping[str, str], *, cloze: str = "full") -> str:
    """The plain text a target is made from (see the module's docstring); "" when nothing is left."""
    return clean_source_text(substituted(template, fields, cloze=cloze), pauses=True)

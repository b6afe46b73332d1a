"""From source notes and rules to the plan of a job: which field of which note gets what, and which
targets are skipped and why (what the source field holds instead of text: only a picture, only
math…); what text is sent (`TextOptions` per kind: math dropped, block elements read as sentence
breaks, sound over ``max_chars`` skipped, picture queries cut at a word); and, once the plan is made, the work no provider of its rule can do
(every provider has a setup problem: off, no key, a program missing), which refuses the job.

Thread safety: pure functions over immutable data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..config.rules import FillMode, Rule, rule_for_note_type
from ..job.plan import Plan, SourceNote, Target, WorkItem
from ..media.types import MediaKind, MediaRequest
from ..text.cleaning import clean_source_text, field_has_image, field_has_sound
from ..text.reading import PICTURE_MAX_CHARS, TextOptions, cut_at_word, is_fragment, math_as_set, what_else_it_holds
from ..text.spoken import spoken_text

# What is sent when no setting says otherwise: math dropped, sound up to 300 characters, picture
# queries cut at 200.
DEFAULT_TEXT_OPTIONS: Mapping[MediaKind, TextOptions] = {
    MediaKind.AUDIO: TextOptions(),
    MediaKind.IMAGE: TextOptions(max_chars=PICTURE_MAX_CHARS),
}


def field_already_filled(kind: MediaKind, value: str) -> bool:
    return field_has_image(value) if kind is MediaKind.IMAGE else field_has_sound(value)


def plan_notes(
    notes: Iterable[SourceNote],
    rules: Sequence[Rule],
    *,
    kinds: Iterable[MediaKind] = tuple(MediaKind),
    text_options: Mapping[MediaKind, TextOptions] | None = None,
) -> Plan:
    """Apply each note type's rule to each note; ``text_options`` say, per kind, what of the source
    text is sent (`DEFAULT_TEXT_OPTIONS` for a kind they leave out)."""
    wanted = tuple(kinds)
    plan = Plan()
    for note in notes:
        rule = rule_for_note_type(rules, note.note_type)
        if rule is None:
            reason = f"no rule for note type {note.note_type!r}"
            plan.targets.append(Target(note.note_id, "", wanted[0], FillMode.SKIP, skip_reason=reason))
            continue
        for kind in wanted:
            if target_field := rule.target_field(kind):
                options = (text_options or {}).get(kind) or DEFAULT_TEXT_OPTIONS[kind]
                plan.targets.append(_plan_target(note, rule, kind, target_field, options))
    return plan


def _plan_target(note: SourceNote, rule: Rule, kind: MediaKind, target_field: str, options: TextOptions) -> Target:
    def skip(reason: str) -> Target:
        return Target(note.note_id, target_field, kind, rule.mode, skip_reason=reason)

    source = rule.source_field
    for name in (source, target_field):
        if name not in note.fields:
            return skip(f"note type {note.note_type!r} has no field {name!r}")
    if rule.mode is FillMode.SKIP and field_already_filled(kind, note.fields[target_field]):
        return skip(f"{target_field} already has a {kind.word}")
    # Block elements read as sentence breaks: "…case of EM</li><li>EM is harder" is not "EM EM".
    source_text = clean_source_text(note.fields[source], pauses=True)
    if not source_text:
        held = what_else_it_holds(note.fields[source])
        return skip(f"{source} holds only {held}" if held else f"{source} is empty")
    text, formulas = math_as_set(source_text, options.math)
    if text != source_text and is_fragment(text):
        sent = "read aloud" if kind is MediaKind.AUDIO else "sent for a picture"
        return skip(f"{source} holds only math, which is not {sent}; write in words what to {_verb(kind)}")
    if kind is MediaKind.IMAGE:
        text = cut_at_word(text, options.max_chars, formulas=formulas)
        if not text:
            return skip(f"{source} starts with math too long for a picture query; set math to drop")
        text = _render_prompt(rule.image_prompt, text, note.fields, options)
    else:  # speech: here, so the request's cache key (and reuse) follows what is said
        text = spoken_text(text)
        if not text:
            return skip(f"{source} holds only emoji or symbols, which are not spoken; write the word there")
        if len(text) > options.max_chars:
            return skip(
                f"{source} is too long for a card's sound (over {options.max_chars:,} characters); "
                "put the part to say in a field of its own"
            )
    # A picture's output settings are options: they change what is stored, so they are in the
    # cache key and the reuse key, and the job's picture step reads them from the request.
    output = rule.image_output.options() if kind is MediaKind.IMAGE else {}
    request = MediaRequest(kind=kind, text=text, language=rule.language, options=output)
    work = WorkItem(request, rule.providers_for(kind))
    return Target(
        note.note_id,
        target_field,
        kind,
        rule.mode,
        work=work,
        source_field=source,
        source_text=source_text,
        attribution_field=rule.attribution_field if kind is MediaKind.IMAGE else "",
    )


def _verb(kind: MediaKind) -> str:
    return "say" if kind is MediaKind.AUDIO else "picture"


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _render_prompt(template: str, text: str, fields: Mapping[str, str], options: TextOptions) -> str:
    """Fill ``{text}`` and ``{FieldName}`` in one pass, so braces inside the values are left alone;
    unknown placeholders stay as written. A field's value is made ready as ``text`` was."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "text":
            return text
        if name not in fields:
            return match.group(0)
        cleaned, formulas = math_as_set(clean_source_text(fields[name], pauses=True), options.math)
        return cut_at_word(cleaned, options.max_chars, formulas=formulas)

    return _PLACEHOLDER.sub(value, template)


SetupProblem = Callable[[MediaKind, str], "str | None"]


def work_no_provider_can_do(work: Iterable[WorkItem], setup_problem: SetupProblem) -> list[str]:
    """One sentence per rule's provider list (of a kind) whose every provider has a setup problem,
    naming each provider's problem and fix; empty when every request has a provider that can run.
    Each provider is asked once."""
    problems: dict[tuple[MediaKind, str], str | None] = {}
    blocked: dict[tuple[MediaKind, tuple[str, ...]], int] = {}
    for item in work:
        kind = item.request.kind
        for name in item.providers:
            if (kind, name) not in problems:
                problems[kind, name] = setup_problem(kind, name)
        if all(problems[kind, name] is not None for name in item.providers):
            blocked[kind, item.providers] = blocked.get((kind, item.providers), 0) + 1
    messages = []
    for (kind, names), count in blocked.items():
        requests = f"{count} {kind.word} request{'s' if count != 1 else ''}"
        if not names:
            messages.append(
                f"no {kind.word} provider is chosen for {requests}; add one to the rule's {kind.value}_providers"
            )
            continue
        why = "; ".join(f"{name} {problems[kind, name]}" for name in names)
        messages.append(f"no {kind.word} provider of the rule can make its {requests}: {why}")
    return messages

"""From source notes and rules to the plan of a job: which field of which note gets what, and which
targets are skipped and why; and, once the plan is made, the work no provider of its rule can do
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
from ..text.spoken import spoken_text


def field_already_filled(kind: MediaKind, value: str) -> bool:
    return field_has_image(value) if kind is MediaKind.IMAGE else field_has_sound(value)


def plan_notes(
    notes: Iterable[SourceNote], rules: Sequence[Rule], *, kinds: Iterable[MediaKind] = tuple(MediaKind)
) -> Plan:
    """Apply each note type's rule to each note."""
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
                plan.targets.append(_plan_target(note, rule, kind, target_field))
    return plan


def _plan_target(note: SourceNote, rule: Rule, kind: MediaKind, target_field: str) -> Target:
    def skip(reason: str) -> Target:
        return Target(note.note_id, target_field, kind, rule.mode, skip_reason=reason)

    for name in (rule.source_field, target_field):
        if name not in note.fields:
            return skip(f"note type {note.note_type!r} has no field {name!r}")
    if rule.mode is FillMode.SKIP and field_already_filled(kind, note.fields[target_field]):
        return skip(f"{target_field} already has a {kind.word}")
    text = source_text = clean_source_text(note.fields[rule.source_field])
    if not text:
        return skip(f"{rule.source_field} is empty")
    if kind is MediaKind.IMAGE:
        text = _render_prompt(rule.image_prompt, text, note.fields)
    else:  # speech: here, so the request's cache key (and reuse) follows what is said
        text = spoken_text(text)
        if not text:
            return skip(f"{rule.source_field} holds only emoji or symbols, which are not spoken; write the word there")
    # A picture's output settings are options: they change what is stored, so they are in the
    # cache key and the reuse key, and the job's picture step reads them from the request.
    options = rule.image_output.options() if kind is MediaKind.IMAGE else {}
    request = MediaRequest(kind=kind, text=text, language=rule.language, options=options)
    work = WorkItem(request, rule.providers_for(kind))
    return Target(
        note.note_id,
        target_field,
        kind,
        rule.mode,
        work=work,
        source_field=rule.source_field,
        source_text=source_text,
        attribution_field=rule.attribution_field if kind is MediaKind.IMAGE else "",
    )


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _render_prompt(template: str, text: str, fields: Mapping[str, str]) -> str:
    """Fill ``{text}`` and ``{FieldName}`` in one pass, so braces inside the values are left alone;
    unknown placeholders stay as written."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "text":
            return text
        return clean_source_text(fields[name]) if name in fields else match.group(0)

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

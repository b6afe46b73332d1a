"""From source notes and rules to the plan of a job: which target field of which note gets what,
and which targets are skipped and why (what the source holds instead of text: only a picture, only
math…); what text is sent (per target: the source template rendered and cleaned, its cloze reading,
its text rules, math dropped, block elements read as sentence breaks, sound over ``max_chars``
skipped, picture queries cut at a word); and, once the plan is made, the work no provider of its
rule can do (every provider has a setup problem: off, no key, a program missing), which refuses the
job.

Thread safety: pure functions over immutable data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..config.rules import FieldTarget, FillMode, Rule, rule_for_note_type
from ..config.targets import apply_text_rules
from ..job.plan import Plan, SourceNote, Target, WorkItem
from ..media.types import MediaKind, MediaRequest
from ..text.cleaning import clean_source_text, field_has_image, field_has_sound
from ..text.reading import cut_at_word, is_fragment, math_as_set, what_else_it_holds
from ..text.source_template import render_source
from ..text.spoken import spoken_text
from .sound_sources import SoundFiles, first_sound
from .voice_turns import VoiceTurns


def field_already_filled(kind: MediaKind, value: str) -> bool:
    """Whether a field holds what a target of ``kind`` makes (a transcript: any text)."""
    if kind is MediaKind.TEXT:
        return bool(clean_source_text(value))
    return field_has_image(value) if kind is MediaKind.IMAGE else field_has_sound(value)


def plan_notes(
    notes: Iterable[SourceNote],
    rules: Sequence[Rule],
    *,
    kinds: Iterable[MediaKind] = tuple(MediaKind),
    turns: VoiceTurns | None = None,
    sounds: SoundFiles | None = None,
) -> Plan:
    """Apply each note type's rule to each note: one `Target` per rule target of a wanted kind.
    ``turns`` carries the voices' turns over a job planned in parts (a new one for None);
    ``sounds`` is the media folder transcript targets hear their sounds from (None: no folder,
    so each transcript target with a sound fails)."""
    wanted = tuple(kinds)
    turns = turns if turns is not None else VoiceTurns()
    plan = Plan()
    for note in notes:
        rule = rule_for_note_type(rules, note.note_type)
        if rule is None:
            reason = f"no rule for note type {note.note_type!r}"
            plan.targets.append(Target(note.note_id, "", wanted[0], FillMode.SKIP, skip_reason=reason))
            continue
        for spec in rule.targets:
            if spec.kind in wanted:
                plan.targets.append(plan_target(note, spec, turns=turns, sounds=sounds))
    return plan


@dataclass(frozen=True)
class Reading:
    """What a target would send for one note: the cleaned source (``source_text``, before text
    rules), the text sent (``text``: after the rules, as the request carries it; a picture's prompt
    filled in), or why nothing is sent (``skip_reason``)."""

    source_text: str = ""
    text: str = ""
    skip_reason: str | None = None


def what_will_be_read(fields: Mapping[str, str], target: FieldTarget) -> tuple[str, str | None]:
    """The text ``target`` would send for a note with ``fields`` ("" and the reason when it would
    skip the note): the rule editor's "what will be read" sample. Whether the target field is
    already filled is not looked at. A transcript target "reads" the sound its field plays."""
    if target.kind is MediaKind.TEXT:
        names = target.source_fields
        if len(names) != 1 or names[0] not in fields:
            return "", f"the note has no field {names[0] if names else target.source!r} to hear a sound from"
        sound = first_sound(fields[names[0]])
        return (f"the sound {sound}", None) if sound else ("", f"{names[0]} has no sound to transcribe")
    reading = read_source(fields, target)
    return reading.text, reading.skip_reason


def read_source(fields: Mapping[str, str], target: FieldTarget) -> Reading:
    """See `Reading`."""
    names = target.source_fields
    missing = [name for name in names if name not in fields]
    if missing:
        return Reading(skip_reason=f"the note has no field {missing[0]!r}, which the source of {target.field} names")
    source = _source_label(names)
    source_text = render_source(target.source, fields, cloze=target.cloze)
    if not source_text or (
        not _is_one_field(target.source, names) and not any(clean_source_text(fields[n]) for n in names)
    ):
        held = [what_else_it_holds(fields[n]) for n in names]
        what = next((h for h in held if h), "")
        holds = "hold" if len(names) > 1 else "holds"
        return Reading(skip_reason=f"{source} {holds} only {what}" if what else f"{source} {_is_are(names)} empty")
    kind = target.kind
    ruled = apply_text_rules(source_text, target.text_rules)
    if not ruled:
        return Reading(source_text, skip_reason=f"nothing of {source} is left after the text rules of {target.field}")
    text, formulas = math_as_set(ruled, target.math)
    if text != ruled and is_fragment(text):
        sent = "read aloud" if kind is MediaKind.AUDIO else "sent for a picture"
        return Reading(
            source_text,
            skip_reason=f"{source} holds only math, which is not {sent}; write in words what to {_verb(kind)}",
        )
    if kind is MediaKind.IMAGE:
        text = cut_at_word(text, target.max_chars, formulas=formulas)
        if not text:
            return Reading(
                source_text, skip_reason=f"{source} starts with math too long for a picture query; set math to drop"
            )
        return Reading(source_text, _render_prompt(target.prompt, text, fields, target))
    text = spoken_text(text)  # here, so the request's cache key (and reuse) follows what is said
    if not text:
        return Reading(
            source_text, skip_reason=f"{source} holds only emoji or symbols, which are not spoken; write the word there"
        )
    if len(text) > target.max_chars:
        return Reading(
            source_text,
            skip_reason=f"{source} is too long for a card's sound (over {target.max_chars:,} characters); "
            f"put the part to say in a field of its own, or raise max_chars of {target.field}",
        )
    return Reading(source_text, text)


def plan_target(
    note: SourceNote, spec: FieldTarget, *, turns: VoiceTurns | None = None, sounds: SoundFiles | None = None
) -> Target:
    """One target of one note: its work, or why it is skipped. A target with several voices takes
    its turn in ``turns`` (see `voice_turns`) whether or not the note is skipped; a transcript
    target hears its sound in ``sounds`` (see `plan_notes`)."""
    voices = (turns or VoiceTurns()).voices(spec, note_type=note.note_type, note_id=note.note_id)

    def skip(reason: str) -> Target:
        return Target(note.note_id, spec.field, spec.kind, spec.mode, skip_reason=reason)

    if note.damage is not None:
        return skip(note.damage)
    for name in (*spec.source_fields, spec.field):
        if name not in note.fields:
            return skip(f"note type {note.note_type!r} has no field {name!r}")
    if spec.mode is FillMode.SKIP and field_already_filled(spec.kind, note.fields[spec.field]):
        return skip(f"{spec.field} already has a {spec.kind.word}")
    if spec.kind is MediaKind.TEXT:
        heard = _heard(note, spec, sounds)
        if isinstance(heard, Target):
            return heard
        request, source_text = heard
    else:
        reading = read_source(note.fields, spec)
        if reading.skip_reason is not None:
            return skip(reading.skip_reason)
        options = _request_options(spec, voices)
        request = MediaRequest(kind=spec.kind, text=reading.text, language=spec.language, options=options)
        source_text = reading.source_text
    return Target(
        note.note_id,
        spec.field,
        spec.kind,
        spec.mode,
        work=WorkItem(request, spec.providers, check=spec.check),
        source=spec.source,
        source_text=source_text,
        cloze=spec.cloze,
        attribution_field=spec.attribution_field,
    )


def _heard(note: SourceNote, spec: FieldTarget, sounds: SoundFiles | None) -> tuple[MediaRequest, str] | Target:
    """A transcript target's request for one note and the sound it hears (the store step leaves
    the note alone if its field plays another by then), from the first sound of its source field;
    or the target skipped when the field plays no sound, failed when its file is not there."""
    (field,) = spec.source_fields
    name = first_sound(note.fields[field])
    if not name:
        reason = f"{field} has no sound to transcribe"
        return Target(note.note_id, spec.field, spec.kind, spec.mode, skip_reason=reason)
    audio = sounds.audio(name) if sounds is not None else None
    if audio is None:
        failure = (
            f"{field} plays {name}, which is not in the media folder; put the file back in the media folder "
            f"(Tools → Check Media lists missing files) or remove the sound from {field}"
        )
        return Target(note.note_id, spec.field, spec.kind, spec.mode, source=spec.source, failure=failure)
    options = {"audio_sha1": audio.sha1}
    return MediaRequest(kind=MediaKind.TEXT, text="", language=spec.language, options=options, audio=audio), name


def _request_options(spec: FieldTarget, voices: Mapping[str, str]) -> dict[str, object]:
    """What else changes the output, so it is in the cache key and the reuse key: a picture's
    output settings (the job's picture step reads them from the request), a sound's voices."""
    if spec.kind is MediaKind.IMAGE:
        return dict(spec.image_output.options())
    return {"voice": dict(voices)} if voices else {}


def _is_one_field(template: str, names: Sequence[str]) -> bool:
    return len(names) == 1 and template == "{" + names[0] + "}"


def _source_label(names: Sequence[str]) -> str:
    if not names:
        return "the source"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _is_are(names: Sequence[str]) -> str:
    return "are" if len(names) > 1 else "is"


def _verb(kind: MediaKind) -> str:
    return "say" if kind is MediaKind.AUDIO else "picture"


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _render_prompt(template: str, text: str, fields: Mapping[str, str], target: FieldTarget) -> str:
    """Fill ``{text}`` and ``{FieldName}`` in one pass, so braces inside the values are left alone;
    unknown placeholders stay as written. A field's value is made ready as ``text`` was."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "text":
            return text
        if name not in fields:
            return match.group(0)
        cleaned, formulas = math_as_set(clean_source_text(fields[name], pauses=True), target.math)
        return cut_at_word(cleaned, target.max_chars, formulas=formulas)

    return _PLACEHOLDER.sub(value, template)


SetupProblem = Callable[[MediaKind, str], "str | None"]


def work_no_provider_can_do(work: Iterable[WorkItem], setup_problem: SetupProblem) -> list[str]:
    """One sentence per rule's provider list (of a kind) whose every provider has a setup problem,
    naming each provider's problem and fix; empty when every request has a provider that can run.
    Each provider is asked once."""
    problems: Problems = {}
    return blocked_messages(blocked_work(work, setup_problem, problems=problems), problems)


# Each provider's setup problem (None: it can run), asked once per provider.
Problems = dict[tuple[MediaKind, str], "str | None"]
Blocked = Counter[tuple[MediaKind, tuple[str, ...]]]


def blocked_work(work: Iterable[WorkItem], setup_problem: SetupProblem, *, problems: Problems) -> Blocked:
    """How many of ``work``'s requests each provider list can make with none of its providers;
    ``problems`` keeps each provider's answer (pass the same one for several parts of a job)."""
    blocked: Blocked = Counter()
    for item in work:
        kind = item.request.kind
        for name in item.providers:
            if (kind, name) not in problems:
                problems[kind, name] = setup_problem(kind, name)
        if all(problems[kind, name] is not None for name in item.providers):
            blocked[kind, item.providers] += 1
    return blocked


def blocked_messages(blocked: Blocked, problems: Problems) -> list[str]:
    """The sentences of `work_no_provider_can_do` for counts made by `blocked_work`."""
    messages = []
    for (kind, names), count in blocked.items():
        requests = f"{count} {kind.word} request{'s' if count != 1 else ''}"
        if not names:
            messages.append(f"no {kind.word} provider is chosen for {requests}; add one to the providers of its target")
            continue
        why = "; ".join(f"{name} {problems[kind, name]}" for name in names)
        messages.append(f"no {kind.word} provider of the rule can make its {requests}: {why}")
    return messages

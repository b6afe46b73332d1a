"""From note jobs and rules to the plan of a job: which field of which note gets what, and which
targets are skipped and why.

Thread safety: pure functions over immutable data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .config import FillMode, Rule, rule_for_note_type
from .media import Attribution, MediaKind, MediaRequest
from .text import clean_source_text, field_has_image, field_has_sound


@dataclass(frozen=True)
class NoteJob:
    """One note as a data provider hands it over: id, note type name, and field values."""

    note_id: int
    note_type: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class WorkItem:
    """One unique request with the providers to try, in order."""

    request: MediaRequest
    providers: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.request.cache_key + "|" + ",".join(self.providers)


@dataclass(frozen=True)
class Target:
    """One field of one note to fill (``work`` set) or to leave alone (``skip_reason`` set)."""

    note_id: int
    field: str
    kind: MediaKind
    mode: FillMode
    work: WorkItem | None = None
    skip_reason: str | None = None
    # The cleaned source text the request was made from, so the store step can tell when the
    # source field was edited while the job ran.
    source_field: str = ""
    source_text: str = ""
    # Where a found image's credit goes (see `Rule.attribution_field`).
    attribution_field: str = ""


@dataclass(frozen=True)
class ReadyMedia:
    """Media already in the media folder for a work item: made by an earlier job (``source``
    "index") or by an earlier run of this job (``source`` "journal")."""

    file_name: str
    provider: str
    source: str
    attribution: Attribution | None = None


@dataclass(frozen=True)
class CarriedFailure:
    """A failure recorded by an earlier run of this job, kept as it was when the job is resumed."""

    provider: str
    message: str


@dataclass(frozen=True)
class CostEstimate:
    """What a plan would cost if each request is answered by its first provider."""

    requests: Mapping[str, int]
    usd: Mapping[str, float]

    @property
    def total_usd(self) -> float:
        return sum(self.usd.values())


@dataclass
class Plan:
    targets: list[Target] = field(default_factory=list)
    # Work items that need no request, by `WorkItem.key`: their media is ready, or their failure
    # is carried over from an earlier run of the job.
    ready: dict[str, ReadyMedia] = field(default_factory=dict)
    carried_failures: dict[str, CarriedFailure] = field(default_factory=dict)

    @property
    def to_generate(self) -> list[Target]:
        return [t for t in self.targets if t.work is not None]

    def targets_by_key(self) -> dict[str, list[Target]]:
        by_key: dict[str, list[Target]] = {}
        for target in self.to_generate:
            assert target.work is not None
            by_key.setdefault(target.work.key, []).append(target)
        return by_key

    def requests_to_make(self) -> list[WorkItem]:
        """The unique work that needs a provider: neither ready nor carried over."""
        return [w for w in self.unique_work() if w.key not in self.ready and w.key not in self.carried_failures]

    def estimate(self, price_of: Callable[[MediaKind, str], float]) -> CostEstimate:
        """Requests and dollars per provider, counting each request at its first provider."""
        requests: Counter[str] = Counter()
        usd: dict[str, float] = {}
        for item in self.requests_to_make():
            if not item.providers:
                continue
            name = item.providers[0]
            requests[name] += 1
            usd[name] = usd.get(name, 0.0) + price_of(item.request.kind, name)
        return CostEstimate(requests=dict(requests), usd=usd)

    @property
    def skipped(self) -> list[Target]:
        return [t for t in self.targets if t.work is None]

    def unique_work(self) -> list[WorkItem]:
        """Each distinct request once, in plan order: identical requests are made once and shared."""
        seen: dict[str, WorkItem] = {}
        for target in self.to_generate:
            assert target.work is not None
            seen.setdefault(target.work.key, target.work)
        return list(seen.values())

    def skip_reasons(self) -> Counter[str]:
        return Counter(t.skip_reason or "" for t in self.skipped)


def field_already_filled(kind: MediaKind, value: str) -> bool:
    return field_has_image(value) if kind is MediaKind.IMAGE else field_has_sound(value)


def plan_notes(
    notes: Iterable[NoteJob], rules: Sequence[Rule], *, kinds: Iterable[MediaKind] = tuple(MediaKind)
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


def _plan_target(note: NoteJob, rule: Rule, kind: MediaKind, target_field: str) -> Target:
    def skip(reason: str) -> Target:
        return Target(note.note_id, target_field, kind, rule.mode, skip_reason=reason)

    for name in (rule.source_field, target_field):
        if name not in note.fields:
            return skip(f"note type {note.note_type!r} has no field {name!r}")
    if rule.mode is FillMode.SKIP and field_already_filled(kind, note.fields[target_field]):
        return skip(f"{target_field} already has {kind.value}")
    text = source_text = clean_source_text(note.fields[rule.source_field])
    if not text:
        return skip(f"{rule.source_field} is empty")
    if kind is MediaKind.IMAGE:
        text = _render_prompt(rule.image_prompt, text, note.fields)
    request = MediaRequest(kind=kind, text=text, language=rule.language)
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

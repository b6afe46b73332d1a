"""The plan of a job as data: the source notes a data provider hands over, the targets (one field of
one note, filled or skipped and why), the unique work items, and what is ready or carried over.

The planner (`engine.planner`) builds a `Plan`; the generation step works its `WorkItem`s; the sync
provider stores by its `Target`s.

Thread safety: frozen dataclasses, except `Plan`, which its builder fills on one thread before
handing it on.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..config.sound_check import SoundCheck, spoken_seconds
from ..config.targets import FillMode
from ..media.types import Attribution, MediaKind, MediaRequest
from ..state.journal_records import FailedEntry


@dataclass(frozen=True)
class SourceNote:
    """One note as a data provider hands it over: id, note type name, and field values; ``damage``
    says why the note cannot be filled as it is stored (its targets are skipped with it)."""

    note_id: int
    note_type: str
    fields: Mapping[str, str]
    damage: str | None = None


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One unique request with the providers to try, in order; ``key`` is made once (a big job
    holds hundreds of thousands). ``check``: each sound made is heard and compared with its text
    (a checked sound, part of the key)."""

    request: MediaRequest
    providers: tuple[str, ...]
    check: SoundCheck | None = None
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = self.request.cache_key + "|" + ",".join(self.providers)
        object.__setattr__(self, "key", key if self.check is None else key + "|" + self.check.key())


@dataclass(frozen=True, slots=True)
class Target:
    """One field of one note to fill (``work`` set), to leave alone (``skip_reason`` set), or that
    fails before any request (``failure`` set: a transcript's sound file is not in the media folder)."""

    note_id: int
    field: str
    kind: MediaKind
    mode: FillMode
    work: WorkItem | None = None
    skip_reason: str | None = None
    # The target's source template and the cleaned text it gave (`render_source`, before text
    # rules), so the store step can tell when a source field was edited while the job ran.
    source: str = ""
    source_text: str = ""
    cloze: str = "full"
    # Where a found image's credit goes (see `Rule.attribution_field`).
    attribution_field: str = ""
    failure: str | None = None


@dataclass(frozen=True)
class ReadyMedia:
    """Media already in the media folder for a work item: made by an earlier job (``source``
    "index") or by an earlier run of this job (``source`` "journal")."""

    file_name: str
    provider: str
    source: str
    attribution: Attribution | None = None


@dataclass(frozen=True)
class CostEstimate:
    """What a plan would cost if each request is answered by its first provider."""

    requests: Mapping[str, int]
    usd: Mapping[str, float]

    @property
    def total_usd(self) -> float:
        return sum(self.usd.values())


Price = Callable[[MediaKind, str], float]


def transcription_price(*, price_per_minute: float, duration_s: float | None) -> float:
    """The price of transcribing a sound of ``duration_s`` seconds (whole minutes are not rounded
    up: services bill by the second or by short increments); a sound of unknown length counts as
    one minute."""
    if duration_s is None or math.isnan(duration_s):
        return price_per_minute
    return price_per_minute * max(duration_s, 0.0) / 60.0


def estimate_work(
    work: Iterable[WorkItem],
    price_of: Price,
    *,
    usable: Callable[[MediaKind, str], bool] | None = None,
    per_minute: Price | None = None,
) -> CostEstimate:
    """`Plan.estimate` over ``work`` (unique requests). A request that hears a sound (a
    transcript) also costs ``per_minute`` (the provider's price per minute) for each minute of its
    sound (`transcription_price`: one minute when its length is not known). A checked
    sound (``check``) also costs one transcription of a sound as long as its text takes to say
    (`spoken_seconds`), by the check's provider."""
    requests: Counter[str] = Counter()
    usd: dict[str, float] = {}
    known: dict[tuple[MediaKind, str], bool] = {}
    # A provider's price holds for the whole estimate: asked once, not once per request.
    price_of = functools.cache(price_of)
    per_minute = functools.cache(per_minute) if per_minute is not None else None

    def can_run(kind: MediaKind, name: str) -> bool:
        if usable is None:
            return True
        if (kind, name) not in known:
            known[kind, name] = usable(kind, name)
        return known[kind, name]

    for item in work:
        kind = item.request.kind
        name = next((n for n in item.providers if can_run(kind, n)), None)
        if name is None:
            continue
        requests[name] += 1
        usd[name] = usd.get(name, 0.0) + price_of(item.request.kind, name)
        audio = item.request.audio
        if per_minute is not None and audio is not None:
            usd[name] += transcription_price(price_per_minute=per_minute(kind, name), duration_s=audio.duration_s)
        check = item.check
        if check is not None and can_run(MediaKind.TEXT, check.provider):  # the sound is heard once
            heard = check.provider
            requests[heard] += 1
            usd[heard] = usd.get(heard, 0.0) + price_of(MediaKind.TEXT, heard)
            if per_minute is not None:
                seconds = spoken_seconds(item.request.text)
                usd[heard] += transcription_price(
                    price_per_minute=per_minute(MediaKind.TEXT, heard), duration_s=seconds
                )
    return CostEstimate(requests=dict(requests), usd=usd)


@dataclass
class Plan:
    targets: list[Target] = field(default_factory=list)
    # Work items that need no request, by `WorkItem.key`: their media is ready, or their failure
    # is carried over from an earlier run of the job (its journal entry, kept as it was).
    ready: dict[str, ReadyMedia] = field(default_factory=dict)
    carried_failures: dict[str, FailedEntry] = field(default_factory=dict)

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

    def estimate(
        self,
        price_of: Price,
        *,
        usable: Callable[[MediaKind, str], bool] | None = None,
        per_minute: Price | None = None,
    ) -> CostEstimate:
        """Requests and dollars per provider, counting each request at its first provider that is
        ``usable`` (set up: the job skips the others); a request no provider can make is left out.
        See `estimate_work` for ``per_minute``."""
        return estimate_work(self.requests_to_make(), price_of, usable=usable, per_minute=per_minute)

    @property
    def skipped(self) -> list[Target]:
        return [t for t in self.targets if t.work is None and t.failure is None]

    @property
    def failing(self) -> list[Target]:
        """The targets that fail before any request (see `Target.failure`)."""
        return [t for t in self.targets if t.failure is not None]

    def unique_work(self) -> list[WorkItem]:
        """Each distinct request once, in plan order: identical requests are made once and shared."""
        seen: dict[str, WorkItem] = {}
        for target in self.to_generate:
            assert target.work is not None
            seen.setdefault(target.work.key, target.work)
        return list(seen.values())

    def skip_reasons(self) -> Counter[str]:
        return Counter(t.skip_reason or "" for t in self.skipped)

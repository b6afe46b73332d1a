"""What a job did, for the tooltip, the CLI and its ``--json`` output.

The JSON keys ``filled``, ``skipped``, ``reused``, ``failed`` and ``errors`` (each error with
``note_id``, ``field``, ``provider``, ``message``) are a public contract: add keys, never rename.

A job whose every request fails must not hold every failure in memory: the report keeps exact
counts (``failed``, each reason's count) but the details of the first `REPORT_FAILURE_LIMIT`
failures only, and counts the rest in ``errors_left_out``; the job's journal (``journal_path``)
lists them all, and Retry failed reads it, so it retries them all.

Thread safety: plain data; build it on one thread.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..media.types import HeardSound

# The failures a report holds in full; the rest are counted (the job's journal lists them all).
REPORT_FAILURE_LIMIT = 2_000
# Past this many distinct failure reasons, a new one is counted under `OTHER_REASONS`.
REPORT_REASON_LIMIT = 2_000
OTHER_REASONS = "other reasons"


@dataclass(frozen=True)
class TargetError:
    note_id: int
    field: str
    provider: str
    message: str


@dataclass(frozen=True)
class DoubtfulSound:
    """A checked sound stored without a match: heard saying something else (``checked`` True,
    on_mismatch keep), or not heard at all (``checked`` False, ``reason`` says why)."""

    note_id: int
    field: str
    provider: str
    expected: str
    heard: str
    score: float
    checker: str
    checked: bool = True
    reason: str = ""

    def line(self) -> str:
        """``"Audio: 'perro' heard as 'gato' (openai_tts; openai_stt, similarity 0.22)"``."""
        if not self.checked:
            return f"{self.field}: {self.expected!r} not checked ({self.provider}; {self.checker}: {self.reason})"
        heard = repr(self.heard) if self.heard else "silence"
        return (
            f"{self.field}: {self.expected!r} heard as {heard} "
            f"({self.provider}; {self.checker}, similarity {self.score:.2f})"
        )


@dataclass
class JobReport:
    filled: int = 0
    skipped: int = 0
    reused: int = 0
    failed: int = 0
    not_started: int = 0
    cancelled: bool = False
    # The first REPORT_FAILURE_LIMIT failures, in order; `add_failure` counts the rest.
    errors: list[TargetError] = field(default_factory=list)
    errors_left_out: int = 0
    # Failures per "provider: message" (exact, for every failure), most frequent first on demand.
    failure_reasons: Counter[str] = field(default_factory=Counter)
    # The notes with a failure, each once, in the order they failed (every one, not only those kept).
    failed_note_ids: list[int] = field(default_factory=list)
    journal_path: str = ""
    skip_reasons: Counter[str] = field(default_factory=Counter)
    # The first REPORT_FAILURE_LIMIT media files written, in order; `media_written` counts them all.
    media_files: list[str] = field(default_factory=list)
    media_written: int = 0
    # The media files each voice made, {provider: {voice: files}}, for sounds whose target named a voice.
    voices: dict[str, Counter[str]] = field(default_factory=dict)
    notes_changed: int = 0
    provider_problems: dict[str, str] = field(default_factory=dict)
    trace_id: str = ""
    job_id: str = ""
    budget_reached: bool = False
    spent_usd: float = 0.0
    estimated_usd: float = 0.0
    rate_cuts: dict[str, int] = field(default_factory=dict)
    # The notes that got media (filled or reused), each once, in the order they got it.
    filled_note_ids: list[int] = field(default_factory=list)
    # Checked sounds (verify_with): how many were heard and matched, and the first
    # REPORT_FAILURE_LIMIT stored doubtful or not checked (`doubtful_count` counts them all).
    sounds_matched: int = 0
    doubtful: list[DoubtfulSound] = field(default_factory=list)
    doubtful_count: int = 0
    _failed_seen: set[int] = field(default_factory=set, repr=False, compare=False)

    def add_failure(self, error: TargetError) -> None:
        """Count one failed target; keep its details while fewer than `REPORT_FAILURE_LIMIT` are kept."""
        self.failed += 1
        reason = f"{error.provider}: {error.message}" if error.provider else error.message
        if reason in self.failure_reasons or len(self.failure_reasons) < REPORT_REASON_LIMIT:
            self.failure_reasons[reason] += 1
        else:
            self.failure_reasons[OTHER_REASONS] += 1
        if error.note_id not in self._failed_seen:
            self._failed_seen.add(error.note_id)
            self.failed_note_ids.append(error.note_id)
        if len(self.errors) < REPORT_FAILURE_LIMIT:
            self.errors.append(error)
        else:
            self.errors_left_out += 1

    def add_media_file(self, name: str, *, provider: str = "", voice: str | None = None) -> None:
        """Count one media file written (by ``voice`` of ``provider`` when the request named one);
        keep its name while fewer than `REPORT_FAILURE_LIMIT` are kept (a job of 100,000 notes writes
        300,000; the journal names them all)."""
        self.media_written += 1
        if voice:
            self.voices.setdefault(provider, Counter())[voice] += 1
        if len(self.media_files) < REPORT_FAILURE_LIMIT:
            self.media_files.append(name)

    def add_doubtful(self, sound: DoubtfulSound) -> None:
        """Count one checked sound stored without a match; keep it while fewer than
        `REPORT_FAILURE_LIMIT` are kept."""
        self.doubtful_count += 1
        if len(self.doubtful) < REPORT_FAILURE_LIMIT:
            self.doubtful.append(sound)

    def add_heard(self, heard: HeardSound, *, note_id: int, field: str, provider: str) -> None:
        """Count a checked sound stored in ``field`` of a note: matched, or listed as doubtful or
        not checked."""
        if heard.status == "matched":
            self.sounds_matched += 1
            return
        self.add_doubtful(
            DoubtfulSound(
                note_id=note_id,
                field=field,
                provider=provider,
                expected=heard.expected,
                heard=heard.heard,
                score=heard.score,
                checker=heard.checker,
                checked=heard.status == "doubtful",
                reason=heard.reason,
            )
        )

    def left_out_sentence(self) -> str:
        """``"… and 18000 more failures, not listed here; the journal <path> lists them all."``;
        empty when every failure is listed."""
        if not self.errors_left_out:
            return ""
        noun = "failure" if self.errors_left_out == 1 else "failures"
        where = f"the journal {self.journal_path} lists" if self.journal_path else "the job's journal lists"
        return f"… and {self.errors_left_out} more {noun}, not listed here; {where} them all."

    def counts(self) -> dict[str, int]:
        """The target counts, for the journal's end record."""
        return {
            "filled": self.filled,
            "skipped": self.skipped,
            "reused": self.reused,
            "failed": self.failed,
            "not_started": self.not_started,
        }

    @property
    def exit_code(self) -> int:
        """0 when every target was filled, skipped or reused; 1 otherwise."""
        return 0 if not self.failed and not self.not_started else 1

    def to_json(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "errors": [
                {"note_id": e.note_id, "field": e.field, "provider": e.provider, "message": e.message}
                for e in self.errors
            ],
            "errors_left_out": self.errors_left_out,
            "failure_reasons": dict(self.failure_reasons),
            "journal": self.journal_path,
            "cancelled": self.cancelled,
            "notes_changed": self.notes_changed,
            "skip_reasons": dict(self.skip_reasons),
            "media_files": list(self.media_files),
            "media_written": self.media_written,
            "voices": {provider: dict(counts) for provider, counts in self.voices.items()},
            "provider_problems": dict(self.provider_problems),
            "trace_id": self.trace_id,
            "job_id": self.job_id,
            "budget_reached": self.budget_reached,
            "spent_usd": round(self.spent_usd, 6),
            "estimated_usd": round(self.estimated_usd, 6),
            "rate_cuts": dict(self.rate_cuts),
            "sounds_matched": self.sounds_matched,
            "doubtful_count": self.doubtful_count,
            "doubtful_sounds": [
                {
                    "note_id": d.note_id,
                    "field": d.field,
                    "provider": d.provider,
                    "expected": d.expected,
                    "heard": d.heard,
                    "score": d.score,
                    "checked_by": d.checker,
                    "checked": d.checked,
                    "reason": d.reason,
                }
                for d in self.doubtful
            ],
        }

    def headline(self) -> str:
        """How the job ended, in a few words: stopped at its budget, cancelled, failed (nothing
        was filled or reused and something failed), partly failed, or done."""
        if self.budget_reached:
            return f"Fill Media stopped at its budget (${self.spent_usd:.2f} spent)"
        if self.cancelled:
            return "Fill Media cancelled"
        if self.failed:
            return "Fill Media partly failed" if self.filled or self.reused else "Fill Media failed"
        return "Fill Media done"

    def summary(self) -> str:
        """One line for a tooltip or a terminal."""
        parts = [f"{self.filled} filled", f"{self.reused} reused", f"{self.skipped} skipped", f"{self.failed} failed"]
        if self.not_started:
            parts.append(f"{self.not_started} not started")
        return f"{self.headline()}: " + ", ".join(parts)

    def details(self, *, limit: int = 5) -> list[str]:
        """The most common skip reasons and distinct error messages, most frequent first."""
        lines = [f"not used — {name}: {problem}" for name, problem in self.provider_problems.items()]
        lines += [f"skipped {n}× — {reason}" for reason, n in self.skip_reasons.most_common(limit)]
        reasons = self.failure_reasons or Counter(
            f"{e.provider}: {e.message}" if e.provider else e.message for e in self.errors
        )
        lines += [f"failed {n}× — {message}" for message, n in reasons.most_common(limit)]
        if self.voices:
            lines.append(f"voices — {self.voices_line()}")
        lines += [f"{'doubtful' if d.checked else 'not checked'} — note {d.note_id} {d.line()}" for d in self.doubtful]
        return lines

    def voices_line(self) -> str:
        """Which voice made how many sounds: ``"openai_tts: nova 2, alloy 1"`` ("" when no target
        named a voice)."""
        return "; ".join(
            f"{provider}: " + ", ".join(f"{voice} {n}" for voice, n in counts.most_common())
            for provider, counts in sorted(self.voices.items())
        )

"""The job report as text: the headline, the counts, the money line, one line per failure, and the
whole report for Copy report (`report_text`), as the report window shows them.

Thread safety: pure functions; they may run anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.job.report import JobReport, TargetError
from ...core.text.cleaning import fold_whitespace

__all__ = [
    "count_line",
    "doubtful_lines",
    "failure_count",
    "failure_line",
    "headline",
    "money_line",
    "note_label",
    "report_text",
    "usd",
]


def headline(report: JobReport) -> str:
    """How the job ended (`JobReport.headline`: failed, partly failed, done…), as
    `JobReport.summary` starts."""
    return report.headline()


def note_label(note_id: int, note_labels: Mapping[int, str]) -> str:
    """The note's short text (its source word), or ``"note <id>"`` when unknown or empty."""
    return fold_whitespace(note_labels.get(note_id, "")) or f"note {note_id}"


def usd(amount: float) -> str:
    """``"$0.12"``; amounts under a cent read ``"less than $0.01"``."""
    if 0 < amount < 0.005:
        return "less than $0.01"
    return f"${amount:.2f}"


def money_line(report: JobReport) -> str:
    """``"Spent $0.12 of an estimated $0.30"``; empty when both are zero."""
    if not report.spent_usd and not report.estimated_usd:
        return ""
    if not report.estimated_usd:
        return f"Spent {usd(report.spent_usd)}"
    return f"Spent {usd(report.spent_usd)} of an estimated {usd(report.estimated_usd)}"


def count_line(report: JobReport) -> str:
    parts = [
        f"{report.filled} filled",
        f"{report.skipped} skipped",
        f"{report.reused} reused",
        f"{report.failed} failed",
    ]
    if report.not_started:
        parts.append(f"{report.not_started} not started")
    return " · ".join(parts)


def failure_line(error: TargetError, *, note_labels: Mapping[int, str]) -> str:
    """``"apple (1234) · Picture · openai · reason"`` on one line."""
    provider = error.provider or "no provider"
    label = note_label(error.note_id, note_labels)
    return f"{label} ({error.note_id}) · {error.field} · {provider} · {fold_whitespace(error.message)}"


def failure_count(report: JobReport) -> int:
    """Every failure: those the report lists and those it only counts."""
    return len(report.errors) + report.errors_left_out


def doubtful_lines(report: JobReport, *, note_labels: Mapping[int, str], limit: int | None = None) -> list[str]:
    """The checked sounds stored without a match, one line each: ``"perro (12) · Audio: 'perro'
    heard as 'gato' (openai_tts; openai_stt, similarity 0.22)"``; ``limit`` lines at most, then a
    line counting the rest."""
    shown = report.doubtful if limit is None else report.doubtful[:limit]
    lines = [f"{note_label(d.note_id, note_labels)} ({d.note_id}) · {fold_whitespace(d.line())}" for d in shown]
    if (rest := report.doubtful_count - len(shown)) > 0:
        lines.append(f"… and {rest} more (Copy report lists the first {len(report.doubtful)})")
    return lines


def report_text(report: JobReport, *, note_labels: Mapping[int, str]) -> str:
    """The whole report as plain text (for Copy report): headline, counts, cost, providers not used,
    skip reasons, and EVERY failure as 'note label (id) · field · provider · reason'."""
    lines = [headline(report), count_line(report)]
    if money := money_line(report):
        lines.append(money)
    if report.notes_changed:
        lines.append(f"Notes changed: {report.notes_changed}")
    if report.provider_problems:
        lines += ["", "Providers not used:"]
        lines += [f"  {name}: {fold_whitespace(problem)}" for name, problem in report.provider_problems.items()]
    if report.skip_reasons:
        lines += ["", "Skipped:"]
        lines += [f"  {n}× {fold_whitespace(reason)}" for reason, n in report.skip_reasons.most_common()]
    if report.voices:
        lines += ["", f"Voices (sounds made): {report.voices_line()}"]
    if report.sounds_matched or report.doubtful_count:
        lines += ["", f"Checked sounds: {report.sounds_matched} said their text, {report.doubtful_count} doubtful"]
        lines += [f"  {line}" for line in doubtful_lines(report, note_labels=note_labels)]
    if report.rate_cuts:
        lines += ["", "Slowed down after rate limits:"]
        lines += [f"  {name}: {n}×" for name, n in sorted(report.rate_cuts.items())]
    if report.errors or report.errors_left_out:
        lines += ["", f"Failures ({failure_count(report)}):"]
        lines += [f"  {failure_line(error, note_labels=note_labels)}" for error in report.errors]
        if left_out := report.left_out_sentence():
            lines.append(f"  {left_out}")
    ids = [f"job {report.job_id}" if report.job_id else "", f"trace {report.trace_id}" if report.trace_id else ""]
    if any(ids):
        lines += ["", " · ".join(part for part in ids if part)]
    return "\n".join(lines) + "\n"

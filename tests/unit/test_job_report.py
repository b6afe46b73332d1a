"""The job report's failures: exact counts for every one, details for the first
`REPORT_FAILURE_LIMIT` only, and the rest counted with a sentence saying where they are listed."""

from __future__ import annotations

import pytest

from addon.core.job import report as report_module
from addon.core.job.report import OTHER_REASONS, REPORT_FAILURE_LIMIT, JobReport, TargetError
from addon.ui.fill.report_text import report_text


def failures(count: int) -> list[TargetError]:
    return [
        TargetError(n, "Audio" if n % 2 else "Picture", "openai" if n % 3 else "forvo", f"refused {n % 4}")
        for n in range(1, count + 1)
    ]


def test_the_report_keeps_the_first_failures_and_counts_every_one() -> None:
    report = JobReport(journal_path="/state/jobs/job-1.jsonl")
    made = failures(REPORT_FAILURE_LIMIT + 500)
    for error in made:
        report.add_failure(error)

    assert report.failed == len(made)
    assert report.errors == made[:REPORT_FAILURE_LIMIT], "the first failures, in the order they came"
    assert report.errors_left_out == 500
    assert report.failed_note_ids == list(range(1, len(made) + 1))
    expected = {f"{e.provider}: {e.message}" for e in made}
    assert set(report.failure_reasons) == expected
    assert sum(report.failure_reasons.values()) == len(made)
    assert report.failure_reasons["openai: refused 1"] == sum(
        1 for e in made if e.provider == "openai" and e.message == "refused 1"
    )
    assert report.left_out_sentence() == (
        "… and 500 more failures, not listed here; the journal /state/jobs/job-1.jsonl lists them all."
    )
    data = report.to_json()
    assert (len(data["errors"]), data["errors_left_out"], data["failed"]) == (REPORT_FAILURE_LIMIT, 500, len(made))
    assert data["journal"] == "/state/jobs/job-1.jsonl"
    assert sum(data["failure_reasons"].values()) == len(made)


def test_details_count_reasons_beyond_the_kept_failures() -> None:
    report = JobReport()
    for n in range(REPORT_FAILURE_LIMIT * 3):
        report.add_failure(TargetError(n, "Audio", "openai_tts", "the key was refused"))
    assert report.details() == [f"failed {REPORT_FAILURE_LIMIT * 3}× — openai_tts: the key was refused"]


def test_a_small_limit_read_when_failures_are_added(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "REPORT_FAILURE_LIMIT", 5)
    report = JobReport()
    for error in failures(20):
        report.add_failure(error)
    assert (report.failed, len(report.errors), report.errors_left_out) == (20, 5, 15)
    assert report.left_out_sentence() == "… and 15 more failures, not listed here; the job's journal lists them all."


def test_nothing_left_out_says_nothing_and_one_left_out_is_singular(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "REPORT_FAILURE_LIMIT", 3)
    report = JobReport()
    for error in failures(3):
        report.add_failure(error)
    assert report.left_out_sentence() == ""
    report.add_failure(failures(4)[-1])
    assert report.left_out_sentence().startswith("… and 1 more failure, not listed here;")


def test_distinct_reasons_past_their_limit_are_counted_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "REPORT_REASON_LIMIT", 2)
    report = JobReport()
    for n in range(10):
        report.add_failure(TargetError(n, "Audio", "forvo", f"no word {n}"))
    assert len(report.failure_reasons) == 3
    assert report.failure_reasons[OTHER_REASONS] == 8
    assert sum(report.failure_reasons.values()) == 10


def test_the_report_names_the_first_media_files_and_counts_every_one() -> None:
    report = JobReport()
    for number in range(REPORT_FAILURE_LIMIT + 5):
        report.add_media_file(f"file{number}.mp3")

    assert report.media_written == REPORT_FAILURE_LIMIT + 5
    assert report.media_files == [f"file{number}.mp3" for number in range(REPORT_FAILURE_LIMIT)]
    assert report.to_json()["media_written"] == REPORT_FAILURE_LIMIT + 5


def test_the_report_says_which_voice_made_how_many_sounds() -> None:
    report = JobReport()
    report.add_media_file("a.mp3", provider="openai_tts", voice="nova")
    report.add_media_file("b.mp3", provider="openai_tts", voice="alloy")
    report.add_media_file("c.mp3", provider="openai_tts", voice="nova")
    report.add_media_file("d.png", provider="openverse")
    assert report.to_json()["voices"] == {"openai_tts": {"nova": 2, "alloy": 1}}
    assert report.voices_line() == "openai_tts: nova 2, alloy 1"
    assert "Voices (sounds made): openai_tts: nova 2, alloy 1" in report_text(report, note_labels={})

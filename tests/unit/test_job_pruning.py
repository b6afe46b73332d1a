"""Finished jobs' journals are pruned beyond the newest ones kept (fill on add starts a job per added
note); interrupted and running jobs are always kept."""

from __future__ import annotations

from pathlib import Path

from addon.core.state.job_ids import journal_path, recent_jobs
from addon.core.state.job_list import prune_finished_jobs
from addon.core.state.journal_records import JobHeader
from addon.core.state.journal_writer import JobJournal


def _job(state: Path, number: int, *, ended: bool, keep_open: bool = False) -> JobJournal | None:
    header = JobHeader(
        job_id=f"20261206-1000{number:02d}-ab{number:02d}",
        created=float(number),
        note_ids=[1],
        rules=[],
        kinds=["audio"],
        fresh=False,
        collection="/c.anki2",
    )
    journal = JobJournal.create(state, header)
    if ended:
        journal.record_end(cancelled=False, counts={"filled": 1})
    if keep_open:
        return journal
    journal.close()
    return None


def test_finished_journals_beyond_the_newest_are_deleted_and_interrupted_ones_kept(tmp_path: Path) -> None:
    for number in range(6):
        _job(tmp_path, number, ended=number != 1)  # job 1 was interrupted
    running = _job(tmp_path, 6, ended=False, keep_open=True)
    newest_first = recent_jobs(tmp_path, limit=100)
    assert len(newest_first) == 7

    deleted = prune_finished_jobs(tmp_path, keep=2)

    assert sorted(deleted) == sorted(f"20261206-1000{n:02d}-ab{n:02d}" for n in (0, 2, 3, 4))
    left = recent_jobs(tmp_path, limit=100)
    assert left == [newest_first[0], newest_first[1], "20261206-100001-ab01"]
    assert not journal_path(tmp_path, "20261206-100000-ab00").with_suffix(".lock").exists()
    assert prune_finished_jobs(tmp_path, keep=2) == [], "pruning twice deletes nothing more"
    assert running is not None
    running.close()


def test_nothing_is_pruned_while_there_are_fewer_jobs_than_kept(tmp_path: Path) -> None:
    for number in range(3):
        _job(tmp_path, number, ended=True)
    assert prune_finished_jobs(tmp_path, keep=3) == []
    assert prune_finished_jobs(tmp_path / "absent") == []

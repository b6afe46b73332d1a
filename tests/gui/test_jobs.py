"""Jobs you can come back to, in the real Anki: a Fill Media job on the profile's collection is
killed with SIGKILL mid-way (``python -m addon fill`` in a subprocess, with Anki's profile closed,
against the loopback OpenAI speech fake), then the profile opens again. The notice offers the job
(it does not block Anki), Resume finishes it through the job runner without asking the fake again
for any word whose sound the journal says was stored; Tools → Media Fill → Jobs… lists it with its
counts; Discard stops the offer for good.

Thread safety: the test thread is Anki's main thread; the CLI and the fake run beside it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aqt.qt import QAction, QFrame

from tests.fakes.openai_tts_fake import TEST_KEY, serve_openai_tts
from tests.support.cli_runner import REPO
from tests.support.harness import ADDON, pump, set_addon_config
from tests.support.notes_helpers import add_basic

NOTICE_OBJECT_NAME = "media_fill_interrupted_notice"  # addon/ui/jobs/notice.py
WORDS = [f"word{i:02d}" for i in range(24)]
RULE = {
    "note_type": "Basic",
    "language": "en",
    "mode": "skip",
    "targets": [{"field": "Back", "kind": "audio", "source": "{Front}", "providers": ["openai_tts"]}],
}


@pytest.fixture
def speech() -> Iterator[Any]:
    with serve_openai_tts() as fake:
        fake.latency_s = 0.08  # slow enough for the job to be killed mid-way
        yield fake


def _config(speech: Any) -> dict[str, Any]:
    fast = {"requests_per_minute": 100000, "retry_attempts": 0}
    return {
        "rules": [RULE],
        "providers": {"audio": {"openai_tts": {"enabled": True, "api_key": TEST_KEY, "base_url": speech.url, **fast}}},
    }


def _texts(requests: list[Any]) -> list[str]:
    return [str(r.json()["input"]) for r in requests if r.path.endswith("/audio/speech")]


def _reopen_profile(app: Any, mw: Any) -> None:
    mw.loadProfile()
    pump(app, lambda: mw.col is not None, what="the profile to open again")


def _kill_a_job_mid_way(app: Any, mw: Any, addon: Any, speech: Any, tmp_path: Path) -> tuple[str, set[str], Path]:
    """Fill WORDS' notes on the profile's collection with the CLI and SIGKILL it after some sounds
    are stored, with the profile closed as Anki would be after a crash; then open the profile again.
    Returns the job id, the words whose sound the journal says was stored, and the state folder."""
    col = mw.col
    col.remove_notes(col.find_notes(""))
    for leftover in Path(col.media.dir()).iterdir():
        if leftover.is_file():
            leftover.unlink()
    add_basic(col, *WORDS)
    set_addon_config(mw, _config(speech))
    state = Path(mw.addonManager.addonsFolder(ADDON)) / "user_files"
    before = set((state / "jobs").glob("*.jsonl"))
    collection = os.path.abspath(col.path)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(_config(speech)), encoding="utf-8")
    closed: list[bool] = []
    mw.unloadProfile(lambda: closed.append(True))
    pump(app, lambda: bool(closed) and mw.col is None, what="the profile to close")
    command = ["fill", "--collection", collection, "--search", "note:Basic", "--config", str(config_file)]
    command += ["--state-dir", str(state), "--log-file", str(tmp_path / "cli.log"), "--json"]
    process = subprocess.Popen(
        [sys.executable, "-m", "addon", *command],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            journals = set((state / "jobs").glob("*.jsonl")) - before
            data = next(iter(journals)).read_bytes() if journals else b""
            if data.count(b'"t":"targets"') >= 1 and data.count(b'"t":"stored"') >= 6:
                break
            assert process.poll() is None, f"the job ended before the kill: {process.communicate()}"
            assert time.monotonic() < deadline, "no stored records within 60 s"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    (journal,) = set((state / "jobs").glob("*.jsonl")) - before
    records = [json.loads(line) for line in journal.read_bytes().split(b"\n")[:-1] if line.endswith(b"}")]
    assert not any(r["t"] == "end" for r in records), "killed before its end"
    stored_files = [r["file"] for r in records if r["t"] == "stored"]
    stored = {word for word in WORDS if any(word in name for name in stored_files)}
    assert len(stored) == len(stored_files) < len(WORDS), (stored_files, stored)
    _reopen_profile(app, mw)
    return journal.stem, stored, state


def _notice(mw: Any) -> Any:
    # A notice closed earlier may linger hidden until Qt deletes it: only a shown one counts.
    shown = [frame for frame in mw.findChildren(QFrame, NOTICE_OBJECT_NAME) if frame.isVisible()]
    assert len(shown) <= 1, "one notice at a time"
    return shown[0] if shown else None


def test_a_killed_job_is_offered_at_profile_open_and_resume_finishes_it_asking_nothing_twice(
    anki_app: Any, mw: Any, addon: Any, speech: Any, tmp_path: Path
) -> None:
    requests_before = len(speech.requests)
    job_id, stored, _state = _kill_a_job_mid_way(anki_app, mw, addon, speech, tmp_path)
    asked_by_killed_job = len(speech.requests) - requests_before

    pump(anki_app, lambda: _notice(mw) is not None, what="the interrupted-job notice")
    notice = _notice(mw)
    assert notice.job.job_id == job_id
    text = notice.label.text()
    assert text.startswith("A Fill Media job was interrupted (") and f" of {len(WORDS)} done)" in text, text
    assert mw.isEnabled() and not anki_app.activeModalWidget(), "the offer blocks nothing"

    asked_after = len(speech.requests)
    controller = addon.controller
    controller.report_window = None  # an earlier test's window is deleted: wait for this job's own
    notice.resume_button.click()
    pump(anki_app, lambda: controller.last_job is not None and controller.last_job.session.job_id == job_id)
    pump(anki_app, lambda: controller.job is None and controller.report_window is not None, what="the resumed job")
    assert _notice(mw) is None
    report = controller.last_job.report
    assert report is not None and report.job_id == job_id and not report.failed and not report.cancelled
    resumed_texts = _texts(list(speech.requests)[asked_after:])
    assert resumed_texts and not set(resumed_texts) & stored, "nothing stored before the kill is asked again"
    assert len(resumed_texts) == len(set(resumed_texts)), "no word asked twice by the resume"
    assert len(resumed_texts) <= len(WORDS) - len(stored) and asked_by_killed_job >= len(stored)
    col = mw.col
    backs = [col.get_note(nid)["Back"] for nid in col.find_notes("note:Basic")]
    assert len(backs) == len(WORDS) and all(back.count("[sound:") == 1 for back in backs), backs
    controller.report_window.close()

    # Tools → Media Fill → Jobs… lists it, finished, with its counts.
    action = mw.findChild(QAction, "media_fill_jobs_action")
    assert action is not None
    action.trigger()
    window = controller.jobs.window
    pump(anki_app, lambda: bool(window.jobs), what="the jobs list")
    job = window.jobs[0]
    assert (job.job_id, job.done, job.total, job.failed, job.ended) == (job_id, len(WORDS), len(WORDS), 0, True)
    assert window.table.item(0, 5).text() == "Finished" and window.table.item(0, 2).text() == str(len(WORDS))
    assert not window.resume_button.isEnabled() and window.open_report_button.isEnabled()
    window.open_report_button.click()
    rebuilt = controller.jobs.report_window
    assert rebuilt is not None and rebuilt.isVisible() and rebuilt.report.counts() == report.counts()
    rebuilt.close()
    window.close()
    set_addon_config(mw, {})


def test_discard_stops_the_offer_and_the_jobs_window_still_lists_the_job(
    anki_app: Any, mw: Any, addon: Any, speech: Any, tmp_path: Path
) -> None:
    job_id, _stored, _state = _kill_a_job_mid_way(anki_app, mw, addon, speech, tmp_path)
    pump(anki_app, lambda: _notice(mw) is not None and _notice(mw).job.job_id == job_id, what="the notice")
    _notice(mw).discard_button.click()
    assert _notice(mw) is None

    closed: list[bool] = []
    mw.unloadProfile(lambda: closed.append(True))
    pump(anki_app, lambda: bool(closed) and mw.col is None, what="the profile to close")
    _reopen_profile(anki_app, mw)
    controller = addon.controller
    window = controller.jobs.open_window()
    pump(anki_app, lambda: bool(window.jobs), what="the jobs list")
    listed = [job for job in window.jobs if job.job_id == job_id]
    assert _notice(mw) is None, "a discarded job is not offered again"
    (job,) = listed
    assert job.interrupted and job.discarded and job.done >= 1 and job.total == len(WORDS)
    row = window.jobs.index(job)
    assert window.table.item(row, 5).text() == "Interrupted, discarded"
    window.table.selectRow(row)
    assert window.resume_button.isEnabled(), "a discarded job can still be resumed from the Jobs window"
    window.close()
    set_addon_config(mw, {})

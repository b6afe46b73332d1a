"""A job whose every request fails, on a real temporary collection against a loopback speech
server: the report keeps exact counts but the details of the first failures only (the limit is
made small here), says how many it left out and where the journal lists them all, and Retry failed
retries every failure from the journal, not only those the report kept.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection

from addon.collection.fill import JobOptions, run_headless
from addon.core.job import report as report_module
from addon.core.provider_system.config_loading import load_config
from addon.core.state.journal_records import read_journal
from tests.support.fake_http import serve
from tests.support.notes_helpers import add_basic
from tests.support.streaming_fakes import STREAMING_MODULES, SpeechServer, mp3_for

KEY = "mf-failure-cap-key-7a3c"
LIMIT = 5
WORDS = [f"w{n:02d}" for n in range(20)]


def echo_config(url: str) -> dict[str, Any]:
    echo = {"base_url": url, "api_key": KEY, "requests_per_minute": 100000, "retry_attempts": 0}
    rule = {
        "note_type": "Basic",
        "source_field": "Front",
        "audio_field": "Back",
        "audio_providers": ["echo_speech"],
        "language": "en",
        "mode": "skip",
    }
    return load_config(
        {"provider_modules": STREAMING_MODULES, "rules": [rule], "providers": {"audio": {"echo_speech": echo}}}
    )


def test_every_failure_counted_the_first_kept_and_retry_failed_retries_them_all(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_module, "REPORT_FAILURE_LIMIT", LIMIT)
    state = tmp_path / "state"
    handler = SpeechServer(key=KEY, failing=set(WORDS))
    with serve(handler) as server:
        config = echo_config(server.url)
        ids = add_basic(col, *WORDS)

        first = run_headless(col, ids, config, state_dir=state)

        assert (first.filled, first.failed, first.not_started) == (0, len(WORDS), 0)
        assert len(first.errors) == LIMIT and {error.note_id for error in first.errors} <= set(ids)
        assert first.errors_left_out == len(WORDS) - LIMIT
        assert sum(first.failure_reasons.values()) == len(WORDS), "every failure counted by its reason"
        assert sorted(first.failed_note_ids) == sorted(ids), "Show in Browser reaches every failed note"
        journal = read_journal(state, first.job_id)
        assert len(journal.failed) == len(WORDS), "the journal keeps every failure"
        assert Path(first.journal_path).is_file()
        assert first.left_out_sentence() == (
            f"… and 15 more failures, not listed here; the journal {first.journal_path} lists them all."
        )
        as_json = json.loads(json.dumps(first.to_json()))
        assert (len(as_json["errors"]), as_json["errors_left_out"], as_json["failed"]) == (LIMIT, 15, 20)
        assert as_json["journal"] == first.journal_path
        asked = handler.snapshot()

        handler.failing.clear()
        retry = run_headless(col, None, config, state_dir=state, options=JobOptions(retry_failed=first.job_id))

    assert handler.snapshot() - asked == Counter(WORDS), "every failure is asked for again, not only those kept"
    assert (retry.filled, retry.failed, retry.skipped) == (len(WORDS), 0, 0)
    for word, note_id in zip(WORDS, ids, strict=True):
        value = col.get_note(note_id)["Back"]  # type: ignore[arg-type]
        name = value[len("[sound:") : -1]
        assert (Path(col.media.dir()) / name).read_bytes() == mp3_for(word, "anna"), word

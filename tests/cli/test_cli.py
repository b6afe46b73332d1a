"""``python -m addon fill`` as a real subprocess against a real sample collection."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection

from addon.core.media.checks import sniff_audio
from devtools.sample_deck import DEMO_RULES, build_sample_collection
from tests.support.cli_runner import run_cli

TOTAL_NOTES = 25  # 12 English + 13 Spanish, one of them with audio already


def fill(collection: Path, *extra: str | Path, search: str = "deck:*") -> subprocess.CompletedProcess[str]:
    return run_cli("fill", "--collection", collection, "--search", search, *extra)


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    path = tmp_path / "profile" / "collection.anki2"
    ids = build_sample_collection(path)
    assert sum(map(len, ids.values())) == TOTAL_NOTES
    return path


@pytest.fixture
def demo_config(tmp_path: Path) -> Path:
    return write_json(tmp_path / "demo-config.json", {"rules": DEMO_RULES})


def media_dir(collection: Path) -> Path:
    return collection.with_suffix(".media")


def snapshot(collection: Path) -> tuple[dict[int, list[str]], dict[str, int]]:
    """Every note's fields and the media folder's files (name -> size)."""
    col = Collection(str(collection))
    try:
        notes = {int(nid): list(col.get_note(nid).fields) for nid in col.find_notes("")}
    finally:
        col.close()
    media = {p.name: p.stat().st_size for p in media_dir(collection).iterdir()}
    return notes, media


def test_fill_json_then_second_run_skips_everything(collection: Path, demo_config: Path) -> None:
    first = fill(collection, "--config", demo_config, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert {"filled", "skipped", "reused", "failed", "errors"} <= set(report)
    assert (report["filled"], report["skipped"], report["reused"], report["failed"]) == (24, 1, 0, 0)
    assert report["errors"] == []
    assert report["media_dir"] == str(media_dir(collection))
    assert len(report["media_files"]) == 24

    notes, media = snapshot(collection)
    assert set(media) == set(report["media_files"])
    for name in media:
        assert sniff_audio((media_dir(collection) / name).read_bytes()) == "mp3"
    audio_fields = sorted(fields[-1] for fields in notes.values())
    assert audio_fields.count("[sound:casa_grabada.mp3]") == 1
    assert sorted(f"[sound:{name}]" for name in media) == [v for v in audio_fields if v != "[sound:casa_grabada.mp3]"]

    second = fill(collection, "--config", demo_config, "--json")
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert (again["filled"], again["skipped"], again["reused"], again["failed"]) == (0, TOTAL_NOTES, 0, 0)
    assert again["media_files"] == []
    assert snapshot(collection) == (notes, media)


def test_what_anki_prints_on_stdout_goes_to_stderr_so_json_stays_one_object(
    collection: Path,
    demo_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Anki 25.07 and 25.09 print "blocked main thread for …ms:" and a stack on stdout when a backend
    call on the main thread takes over 200 ms (a big job's note update does). Here every note update
    prints that line, as those versions would on a slow one."""
    from addon.cli import main

    update_notes = Collection.update_notes

    def slow_update_notes(self: Collection, notes: Any, **kwargs: Any) -> Any:
        print("blocked main thread for 250ms:")  # Anki's own words, on sys.stdout as Anki prints them
        return update_notes(self, notes, **kwargs)

    monkeypatch.setattr(Collection, "update_notes", slow_update_notes)
    argv = ["fill", "--collection", str(collection), "--search", "deck:*", "--config", str(demo_config), "--json"]
    code = main([*argv, "--state-dir", str(tmp_path / "state"), "--log-file", str(tmp_path / "media_fill.log")])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["filled"] == 24
    assert "blocked main thread for 250ms:" in err, "Anki's line is still shown, on stderr"


def test_fill_prints_a_summary_without_json(collection: Path, demo_config: Path) -> None:
    completed = fill(collection, "--config", demo_config, search="note:*English*")
    assert completed.returncode == 0, completed.stderr
    assert "Fill Media done: 12 filled, 0 reused, 0 skipped, 0 failed" in completed.stdout
    assert f"12 new media files in {media_dir(collection)}" in completed.stdout


def test_default_config_fills_notes_with_a_front_field(collection: Path) -> None:
    completed = fill(collection, "--json")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    # The shipped "*" rule reads Front: the English notes have it, the Spanish ones do not.
    assert (report["filled"], report["skipped"], report["failed"]) == (12, 13, 0)
    assert report["skip_reasons"] == {"note type 'Media Fill Sample (Spanish)' has no field 'Front'": 13}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param('{"rules": [', ("bad.json", "not valid JSON"), id="invalid-json"),
        pytest.param("[1, 2]", ("bad.json", "must hold a JSON object"), id="not-an-object"),
        pytest.param('{"colour": "red"}', ("invalid config", "unknown key", "'colour'"), id="unknown-key"),
        pytest.param(
            '{"providers": {"audio": {"espeak": {"speed": 3}}}}',
            ("providers.audio.espeak", "unknown key", "'speed'"),
            id="unknown-provider-key",
        ),
        pytest.param('{"rules": "all"}', ("rules:", "not of type 'array'"), id="wrong-type"),
        pytest.param(
            '{"providers": {"audio": {"espeak": {"timeout_s": -1}}}}',
            ("providers.audio.espeak.timeout_s",),
            id="negative-timeout",
        ),
        pytest.param(
            '{"rules": [{"note_type": "*", "source_field": "Front", "audio_field": "Audio", '
            '"audio_providers": ["polly"]}]}',
            ("rules[0].targets[0].providers", "'polly'"),
            id="unknown-provider",
        ),
    ],
)
def test_bad_config_exits_2_and_changes_nothing(
    collection: Path, tmp_path: Path, content: str, expected: tuple[str, ...]
) -> None:
    config = tmp_path / "bad.json"
    config.write_text(content, encoding="utf-8")
    before = snapshot(collection)
    completed = fill(collection, "--config", config, "--json")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.startswith("media-fill: ")
    for part in expected:
        assert part in completed.stderr, completed.stderr
    assert snapshot(collection) == before


def test_missing_config_file_exits_2(collection: Path, tmp_path: Path) -> None:
    before = snapshot(collection)
    completed = fill(collection, "--config", tmp_path / "absent.json")
    assert completed.returncode == 2
    assert "absent.json" in completed.stderr
    assert snapshot(collection) == before


def test_non_utf8_config_exits_2_without_a_traceback(collection: Path, tmp_path: Path) -> None:
    config = tmp_path / "latin1.json"
    config.write_bytes('{"rules": [{"note_type": "Español", "source_field": "Palabra"}]}'.encode("latin-1"))
    completed = fill(collection, "--config", config)
    assert completed.returncode == 2
    assert "latin1.json" in completed.stderr


def test_nonexistent_collection_exits_2_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "collection.anki2"
    completed = fill(missing, "--json")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "no collection at" in completed.stderr
    assert str(missing) in completed.stderr
    assert not missing.exists()
    assert not missing.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_collection_path_that_is_a_folder_exits_2(tmp_path: Path) -> None:
    completed = fill(tmp_path, "--json")
    assert completed.returncode == 2
    assert "no collection at" in completed.stderr


def test_file_that_is_not_a_collection_exits_2_and_is_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.anki2"
    path.write_text("these are my notes, not a database\n", encoding="utf-8")
    completed = fill(path, "--json")
    assert completed.returncode == 2
    assert "not an Anki collection" in completed.stderr
    assert path.read_text(encoding="utf-8") == "these are my notes, not a database\n"


def test_empty_file_is_not_turned_into_a_new_collection(tmp_path: Path) -> None:
    path = tmp_path / "collection.anki2"
    path.touch()
    completed = fill(path, "--json")
    assert completed.returncode == 2
    assert path.stat().st_size == 0
    assert not media_dir(path).exists()


@pytest.fixture
def held_open(collection: Path) -> Iterator[Collection]:
    col = Collection(str(collection))
    try:
        yield col
    finally:
        col.close()


def test_collection_open_elsewhere_exits_2_saying_anki_has_it(collection: Path, held_open: Collection) -> None:
    note_count = held_open.note_count()
    completed = fill(collection, "--json")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "is open in Anki" in completed.stderr
    assert "close Anki" in completed.stderr
    assert held_open.note_count() == note_count
    assert list(media_dir(collection).iterdir()) == []


@pytest.mark.parametrize("search", ["(", "prop:", "is:nonsense", "rated:x"])
def test_bad_search_exits_2(collection: Path, search: str) -> None:
    before = snapshot(collection)
    completed = fill(collection, "--json", search=search)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "bad search" in completed.stderr
    assert repr(search) in completed.stderr
    assert snapshot(collection) == before


def test_search_that_finds_nothing_is_fine(collection: Path) -> None:
    completed = fill(collection, "--json", search="deck:NoSuchDeck")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert (report["filled"], report["skipped"], report["failed"]) == (0, 0, 0)


def test_failures_exit_1_with_errors_in_json(collection: Path, tmp_path: Path) -> None:
    broken = tmp_path / "espeak-ng"  # found, so the job runs; every call fails
    broken.write_text("#!/bin/sh\necho 'espeak-ng: broken install' >&2\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    config = write_json(
        tmp_path / "broken.json", {"rules": DEMO_RULES, "providers": {"audio": {"espeak": {"binary": str(broken)}}}}
    )
    before = snapshot(collection)
    completed = fill(collection, "--config", config, "--json")
    assert completed.returncode == 1
    report = json.loads(completed.stdout)
    assert (report["filled"], report["skipped"], report["reused"], report["failed"]) == (0, 1, 0, 24)
    assert len(report["errors"]) == 24
    note_ids = set(before[0])
    for error in report["errors"]:
        assert error["note_id"] in note_ids
        assert error["field"] == "Audio"
        assert error["provider"] == "espeak"
        assert "failed (exit 3): espeak-ng: broken install" in error["message"] or "paused after" in error["message"]
    assert any("broken install" in error["message"] for error in report["errors"])
    assert len({e["note_id"] for e in report["errors"]}) == 24
    assert report["job_id"], "a job that ran has a journal"
    assert snapshot(collection) == before


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((), id="no-command"),
        pytest.param(("fill",), id="no-collection"),
        pytest.param(("fill", "--collection", "x.anki2"), id="no-search"),
        pytest.param(("frobnicate",), id="unknown-command"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    completed = run_cli(*args)
    assert completed.returncode == 2
    assert "usage:" in completed.stderr

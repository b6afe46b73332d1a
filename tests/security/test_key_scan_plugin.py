"""The ``key_scan`` plugin (tests/support/key_scan.py): which keys it looks for, what it reads, and
that a key left anywhere in a session's artifacts fails that session.

The end-to-end tests run a small pytest session of their own in a subprocess (so its plugin state
and base temporary directory are its own), with one test that leaves a key somewhere, and check the
session's exit status and summary. The planted key is not a ``…KEY`` constant of this module, so the
outer session, which scans the inner one's files too, does not look for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.key_scan import MIN_KEY_LENGTH, NOT_SECRETS, ScanKey, Scanner, discover_test_keys

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
SUPPORT = TESTS / "support"
PLANTED = "mf-planted-7c41e09ab2d3/+x"  # has characters that URL-encoding and JSON change
PLANTED_PLAIN = "mf-planted-5e0d9b13c6a8"  # the inner sessions' key (also fit for a file name)

# --- which keys --------------------------------------------------------------------------------


def test_the_suites_keys_are_found_by_their_constants() -> None:
    keys = {key.origin: key.value for key in discover_test_keys(TESTS)}
    from tests.fakes.elevenlabs_fake import TEST_KEY as ELEVENLABS_KEY
    from tests.fakes.yandex_tts_fake import TEST_IAM_TOKEN

    assert keys["fakes/elevenlabs_fake.py:TEST_KEY"] == ELEVENLABS_KEY
    assert keys["fakes/yandex_tts_fake.py:TEST_IAM_TOKEN"] == TEST_IAM_TOKEN
    for origin in (
        "cli/test_cli_providers.py:TEST_KEY",
        "cli/test_cli_providers.py:ENV_KEY",
        "providers/test_openai.py:WRONG_KEY",
    ):
        assert origin in keys
    assert all(len(value) >= MIN_KEY_LENGTH for value in keys.values())
    assert not any(origin.startswith("security/test_key_scan_plugin.py") for origin in keys)
    assert all(f"{path}:{name}" not in keys for path, name in NOT_SECRETS), "a cache key is not a credential"


def test_only_long_enough_module_level_strings_with_key_names_count(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text(
        textwrap.dedent(
            """
            API_KEY = "abcdefghijkl"
            SHORT_KEY = "sk"
            LIMIT_KEYS = ("requests_per_minute",)
            MONKEY_BUSINESS = "not-a-key-at-all"
            SESSION_TOKEN: str = "tok-0123456789"
            CLIENT_SECRET = "sec-0123456789"
            KEY = "0123456789abcdef"

            def f():
                LOCAL_KEY = "local-0123456789"
            """
        ),
        encoding="utf-8",
    )
    found = {key.origin: key.value for key in discover_test_keys(tmp_path)}
    assert found == {
        "test_x.py:API_KEY": "abcdefghijkl",
        "test_x.py:SESSION_TOKEN": "tok-0123456789",
        "test_x.py:CLIENT_SECRET": "sec-0123456789",
        "test_x.py:KEY": "0123456789abcdef",
    }


# --- what is read ------------------------------------------------------------------------------


def _scan(root: Path) -> list[str]:
    scanner = Scanner([ScanKey(PLANTED, "here:PLANTED")])
    scanner.scan_tree(root)
    return [finding.where for finding in scanner.result.findings]


@pytest.mark.parametrize(
    "form",
    [PLANTED, quote(PLANTED, safe=""), json.dumps(PLANTED)[1:-1]],
    ids=["as is", "url-encoded", "json-escaped"],
)
def test_a_key_in_a_files_contents_is_found_in_any_of_its_written_forms(tmp_path: Path, form: str) -> None:
    (tmp_path / "state" / "jobs").mkdir(parents=True)
    (tmp_path / "state" / "jobs" / "20260101-093000-a1b2.jsonl").write_text(f'{{"message": "{form}"}}\n')
    assert _scan(tmp_path) == [f"contents of {tmp_path / 'state' / 'jobs' / '20260101-093000-a1b2.jsonl'}"]


def test_binary_files_and_names_are_read_too(tmp_path: Path) -> None:
    (tmp_path / "collection.media").mkdir()
    (tmp_path / "collection.media" / "x.mp3").write_bytes(b"\xff\xfb\x90\x00" + PLANTED.encode() + b"\x00")
    (tmp_path / f"dir-{PLANTED.replace('/', '_')}").mkdir()
    found = _scan(tmp_path)
    assert f"contents of {tmp_path / 'collection.media' / 'x.mp3'}" in found
    # "/" cannot be in a name; the key's first part is what the scan sees there
    assert not any(where.startswith("the name of") for where in found)
    scanner = Scanner([ScanKey("mf-planted-7c41e09ab2d3", "here:X")])
    scanner.scan_tree(tmp_path)
    assert [f.where for f in scanner.result.findings if f.where.startswith("the name of")] == [
        f"the name of {tmp_path / 'dir-mf-p…_+x'}"  # masked in the report too
    ]


def test_test_inputs_are_skipped_by_exact_name_only(tmp_path: Path) -> None:
    for name in ("config.json", "meta.json", "my-config.json", "config.json.bak", "report.json"):
        (tmp_path / name).write_text(json.dumps({"api_key": PLANTED}))
    assert sorted(_scan(tmp_path)) == [
        f"contents of {tmp_path / name}" for name in ("config.json.bak", "my-config.json", "report.json")
    ]


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "media_fill.log").write_text(PLANTED)
    scanned = tmp_path / "scanned"
    scanned.mkdir()
    os.symlink(outside, scanned / "linked-folder")
    os.symlink(outside / "media_fill.log", scanned / "linked.log")
    assert _scan(scanned) == []


# --- a whole session ---------------------------------------------------------------------------

PLANTINGS = {
    "in the log file": 'log = tmp_path / "user_files" / "media_fill.log"\n'
    "log.parent.mkdir()\n"
    'log.write_text(f"2026-01-01 10:00:00 ERROR [a1b2c3d4] media_fill: refused key {PLANTED_KEY}\\n")',
    "in a media file name": '(tmp_path / f"apple-{PLANTED_KEY}.mp3").write_bytes(b"ID3")',
    "in a JSON report, escaped": '(tmp_path / "report.json").write_text(json.dumps({"error": PLANTED_KEY}))',
    "in what a CLI printed": 'key_scan.keep_output("the stderr of `python -m addon fill`", f"key: {PLANTED_KEY}")',
}


def _run_session(tmp_path: Path, planting: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["key_scan"]\n', encoding="utf-8")
    tests = tmp_path / "tests"
    tests.mkdir()
    body = textwrap.indent(planting, "    ")
    (tests / "test_planted.py").write_text(
        f"import json\n\nimport key_scan\n\nPLANTED_KEY = {PLANTED_PLAIN!r}\n\n\ndef test_plant(tmp_path):\n{body}\n",
        encoding="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "basetemp"), "tests"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(SUPPORT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("planting", PLANTINGS.values(), ids=PLANTINGS.keys())
def test_a_key_left_anywhere_fails_the_session(tmp_path: Path, planting: str) -> None:
    done = _run_session(tmp_path, planting)
    output = done.stdout + done.stderr
    assert "1 passed" in output, output
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, output
    assert "key scan: test key 'mf-p…' (test_planted.py:PLANTED_KEY) found in " in output, output
    assert "1 found" in output, output
    assert PLANTED_PLAIN not in output, "the key itself is never printed"


def test_a_clean_session_passes_and_says_what_it_scanned(tmp_path: Path) -> None:
    done = _run_session(tmp_path, '(tmp_path / "config.json").write_text(json.dumps({"api_key": PLANTED_KEY}))')
    output = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.OK, output
    assert "key scan: 0 artifacts (0 bytes) scanned for 1 test keys: none found" in output, output

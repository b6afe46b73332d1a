"""``python -m addon …`` as a real subprocess from the repository, with ``tests/support`` importable
(so configs may name the test providers in ``provider_modules``). Every run's stdout and stderr, and
the state folder and log file it made, are handed to ``key_scan`` for its scan at the end of the
session."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tests.support.key_scan import keep_output, keep_path

REPO = Path(__file__).resolve().parents[2]


def _fresh_folder(prefix: str) -> str:
    """A new temporary folder, scanned by ``key_scan`` at the end of the session."""
    folder = tempfile.mkdtemp(prefix=prefix)
    keep_path(Path(folder))
    return folder


def run_cli(*args: str | Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI; a Python traceback on stderr fails the test (errors must be explained). A
    ``fill`` or ``import`` without ``--state-dir`` gets a fresh one, so no test reads another's
    journals; every command without ``--log-file`` logs to a fresh file (none writes into the
    checkout's user_files)."""
    argv = list(map(str, args))
    for option in ("--state-dir", "--log-file"):  # given by the test: scanned (if outside tmp_path)
        if option in argv[:-1]:
            keep_path(Path(argv[argv.index(option) + 1]))
    if argv[:1] in (["fill"], ["import"]) and "--state-dir" not in argv:
        argv += ["--state-dir", _fresh_folder("media-fill-state-")]
    if (
        argv[:1] in (["fill"], ["import"], ["providers"], ["check"], ["remove"], ["voices"])
        and "--log-file" not in argv
        and "-h" not in argv
    ):
        argv += ["--log-file", str(Path(_fresh_folder("media-fill-log-")) / "media_fill.log")]
    completed = subprocess.run(
        [sys.executable, "-m", "addon", *argv],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    command = f"`python -m addon {argv[0] if argv else ''}`"
    keep_output(f"the stdout of {command}", completed.stdout)
    keep_output(f"the stderr of {command}", completed.stderr)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed

"""``python -m addon …`` as a real subprocess from the repository, with ``tests/support`` importable
(so configs may name the test providers in ``provider_modules``)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str | Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI; a Python traceback on stderr fails the test (errors must be explained). A
    ``fill`` or ``import`` without ``--state-dir`` gets a fresh one, so no test reads another's
    journals; every command without ``--log-file`` logs to a fresh file (none writes into the
    checkout's user_files)."""
    argv = list(map(str, args))
    if argv[:1] in (["fill"], ["import"]) and "--state-dir" not in argv:
        argv += ["--state-dir", tempfile.mkdtemp(prefix="media-fill-state-")]
    if argv[:1] in (["fill"], ["import"], ["providers"], ["check"]) and "--log-file" not in argv and "-h" not in argv:
        argv += ["--log-file", str(Path(tempfile.mkdtemp(prefix="media-fill-log-")) / "media_fill.log")]
    completed = subprocess.run(
        [sys.executable, "-m", "addon", *argv],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'tests' / 'support'}", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed

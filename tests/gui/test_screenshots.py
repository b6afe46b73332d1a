"""`make screenshots` keeps working: it starts its own headless Anki (a separate process), drives
the add-on against the fakes and saves the pictures the README shows."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

from devtools.paths import REPO

PICTURES = (
    "fill_dialog.png",
    "job_window.png",
    "report.png",
    "settings.png",
    "first_run.png",
    "import.png",
    "ready_note_type.png",
    "editor.png",
    "choose.png",
    "review.png",
    "voices.png",
)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_make_screenshots_saves_every_window_the_readme_shows(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "ANKI_SINGLE_INSTANCE_KEY"}
    # Anything but the loopback fakes would go through a proxy that refuses: it must not be tried.
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost")
    completed = subprocess.run(
        [sys.executable, "-m", "devtools.screenshots", "--out", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    for name in PICTURES:
        width, height = png_size((tmp_path / name).read_bytes())
        assert width >= 300 and height >= 100, f"{name} is {width}×{height}"
    assert "cannot reach" not in completed.stderr + completed.stdout, "something beyond the fakes was called"

"""`make package` builds an .ankiaddon that the real Anki installs and loads."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from devtools.package import build, manifest_problems

PROBE = Path(__file__).with_name("install_probe.py")


def run_probe(*args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, str(PROBE), *args], capture_output=True, text=True, timeout=180, check=False
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("PROBE-RESULT ")]
    assert completed.returncode == 0 and lines, f"probe failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("PROBE-RESULT "))
    return result


def test_package_contents(tmp_path: Path) -> None:
    package = build(tmp_path / "media_fill.ankiaddon")
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert "__init__.py" in names and "config.json" in names and "config.md" in names
    assert manifest["package"] == "media_fill" and manifest["name"] == "Media Fill"
    assert manifest["human_version"] and manifest["min_point_version"] == 250700
    assert manifest_problems(manifest) == []
    assert not [n for n in names if n.endswith((".pyc", ".pyo")) or "__pycache__" in n or n.startswith("tests")]
    assert not [n for n in names if n.rsplit("/", 1)[-1] == "meta.json" or n.startswith("user_files/")]
    assert not [n for n in names if n.startswith("/") or ".." in n.split("/")]


def test_a_manifest_anki_web_would_refuse_is_named() -> None:
    assert manifest_problems({"package": "media_fill", "name": "Media Fill", "min_point_version": "25.07"}) == [
        "manifest.json has no 'human_version'",
        "manifest.json's min_point_version must be a whole number such as 250700",
    ]


def test_package_installs_and_loads_in_real_anki(tmp_path: Path) -> None:
    package = build(tmp_path / "media_fill.ankiaddon")
    base = tmp_path / "base"

    installed = run_probe("install", str(base), str(package))
    assert installed["outcome"] == "InstallOk", installed["detail"]
    assert (base / "addons21" / "media_fill" / "__init__.py").is_file()

    loaded = run_probe("check", str(base))
    assert loaded["loaded"], loaded
    assert loaded["action"] == "Fill Media…" and loaded["in_notes_menu"]
    assert "media_fill" in loaded["addons"]

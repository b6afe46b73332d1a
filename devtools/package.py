"""`make package`: build dist/media_fill.ankiaddon, a zip with the add-on's ``__init__.py`` at its
root plus manifest.json, config.json and config.md from the top of the repository. No tests,
caches, compiled files, user files or ``meta.json`` (AnkiWeb refuses a package with any of them),
and a manifest with the fields AnkiWeb reads; the size is printed."""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

from .paths import ADDON_SOURCE, REPO, TOP_LEVEL_ADDON_FILES

_EXCLUDED_DIRS = {"__pycache__", "user_files", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_EXCLUDED_SUFFIXES = {".pyc", ".pyo"}
_EXCLUDED_NAMES = {"meta.json", ".DS_Store"}
# What AnkiWeb and Anki's add-on manager read from manifest.json.
MANIFEST_FIELDS = ("package", "name", "human_version", "min_point_version")


def addon_files() -> list[tuple[Path, str]]:
    """(source path, name inside the zip) for every file that ships."""
    files = []
    for path in sorted(ADDON_SOURCE.rglob("*")):
        relative = path.relative_to(ADDON_SOURCE)
        if (
            path.is_dir()
            or _EXCLUDED_DIRS.intersection(relative.parts)
            or path.suffix in _EXCLUDED_SUFFIXES
            or path.name in _EXCLUDED_NAMES
        ):
            continue
        files.append((path, relative.as_posix()))
    files += [(REPO / name, name) for name in TOP_LEVEL_ADDON_FILES]
    return files


def manifest_problems(manifest: dict[str, object]) -> list[str]:
    """What AnkiWeb would find wrong with ``manifest`` (an empty list when nothing)."""
    problems = [f"manifest.json has no {field!r}" for field in MANIFEST_FIELDS if not manifest.get(field)]
    if not isinstance(manifest.get("min_point_version"), int):
        problems.append("manifest.json's min_point_version must be a whole number such as 250700")
    return problems


def build(out: Path) -> Path:
    problems = manifest_problems(json.loads((REPO / "manifest.json").read_text(encoding="utf-8")))
    if problems:
        raise SystemExit("make package: " + "; ".join(problems) + ". Fix manifest.json and run it again.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source, name in addon_files():
            archive.write(source, name)
    tmp.replace(out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "dist" / "media_fill.ankiaddon")
    args = parser.parse_args()
    path = build(args.out)
    with zipfile.ZipFile(path) as archive:
        count = len(archive.namelist())
    print(
        f"Built {path} ({count} files, {path.stat().st_size / 1024:.0f} KiB). Install: double-click it, or "
        "Anki → Tools → Add-ons → Install from file; upload it at https://ankiweb.net/shared/addons."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

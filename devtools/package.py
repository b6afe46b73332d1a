"""`make package`: build dist/media_fill.ankiaddon, a zip with the add-on's ``__init__.py`` at its
root plus manifest.json, config.json and config.md from the top of the repository. No tests,
caches, compiled files or user files."""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

from .paths import ADDON_SOURCE, REPO, TOP_LEVEL_ADDON_FILES

_EXCLUDED_DIRS = {"__pycache__", "user_files", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_EXCLUDED_SUFFIXES = {".pyc", ".pyo"}


def addon_files() -> list[tuple[Path, str]]:
    """(source path, name inside the zip) for every file that ships."""
    files = []
    for path in sorted(ADDON_SOURCE.rglob("*")):
        relative = path.relative_to(ADDON_SOURCE)
        if path.is_dir() or _EXCLUDED_DIRS.intersection(relative.parts) or path.suffix in _EXCLUDED_SUFFIXES:
            continue
        files.append((path, relative.as_posix()))
    files += [(REPO / name, name) for name in TOP_LEVEL_ADDON_FILES]
    return files


def build(out: Path) -> Path:
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
        f"Built {path} ({count} files, {path.stat().st_size // 1024} KiB). Install: double-click it, or Anki → Tools → Add-ons → Install from file."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

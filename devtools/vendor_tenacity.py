"""Vendor tenacity (Apache-2.0) into ``addon/vendor/tenacity/``.

Usage::

    .venv/bin/python -m devtools.vendor_tenacity [WHEEL]

WHEEL is the ``tenacity-9.2.1-py3-none-any.whl`` file; without it the wheel is fetched with
``pip download tenacity==9.2.1 --no-deps`` into a temporary folder.

Inside Anki the add-on's package is called ``media_fill`` (or an AnkiWeb number) and nothing
named ``tenacity`` is importable, so every absolute import of tenacity in the vendored code is made
relative; nothing else is changed. With ``depth`` the number of folders below ``tenacity/``
(0 for ``tenacity/wait.py``, 1 for ``tenacity/asyncio/retry.py``) and ``dots = "." * (depth + 1)``:

* ``from tenacity import X``      → ``from {dots} import X``      (``from . import X``, ``from .. import X``)
* ``from tenacity.foo import X``  → ``from {dots}foo import X``   (``from .foo import X``, ``from ..foo import X``)
* ``import tenacity [as Y]``      → ``from {dots}. import tenacity [as Y]`` (``from ... import tenacity`` in
  ``asyncio/__init__.py``). That module is imported from the bottom of ``tenacity/__init__.py`` while
  the latter is still running; ``from <parent> import tenacity`` then finds the half-initialised
  module in ``sys.modules``, exactly as ``import tenacity`` did, and ``tenacity`` is only looked into
  for names defined above that point.

Any other import of tenacity (``import tenacity.foo``, ``import os, tenacity``, a statement head
broken over lines with a backslash) stops the script, as does a wheel whose SHA-256 is not the pinned
one. The licence (``licenses/LICENSE`` in the wheel's dist-info) is copied to
``addon/vendor/tenacity/LICENSE``. The destination is rebuilt from scratch on every run, so running
it twice gives the same tree.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from .paths import ADDON_SOURCE

PACKAGE = "tenacity"
VERSION = "9.2.1"
WHEEL_NAME = f"{PACKAGE}-{VERSION}-py3-none-any.whl"
# sha256 of the wheel on PyPI (https://pypi.org/project/tenacity/9.2.1/#files).
WHEEL_SHA256 = "9e56f17539296baab7beabb08b92f6ee3d7be92d8be72d763360677c2ad6580e"
DEST = ADDON_SOURCE / "vendor" / PACKAGE

_FROM_HEAD = re.compile(rf"from[ \t]+{PACKAGE}(?P<sub>(?:\.\w+)*)[ \t]+import\b")


class VendorError(Exception):
    """The wheel or its code is not what this script expects."""


def is_absolute_tenacity_import(node: ast.AST) -> bool:
    """An ``import tenacity…`` or ``from tenacity… import`` statement (not a relative one)."""
    if isinstance(node, ast.Import):
        return any(alias.name == PACKAGE or alias.name.startswith(f"{PACKAGE}.") for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return node.level == 0 and (module == PACKAGE or module.startswith(f"{PACKAGE}."))
    return False


def rewrite_imports(source: str, depth: int) -> str:
    """``source`` with every absolute tenacity import made relative, for a module ``depth`` folders
    below ``tenacity/``. Already relative code comes back unchanged."""
    dots = "." * (depth + 1)
    lines = source.splitlines(keepends=True)
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Import | ast.ImportFrom) or not is_absolute_tenacity_import(node):
            continue
        index = node.lineno - 1
        line = lines[index]
        head = line[node.col_offset :]
        if isinstance(node, ast.ImportFrom):
            match = _FROM_HEAD.match(head)
            if match is None:
                raise VendorError(f"line {node.lineno}: cannot rewrite {head.strip()!r}")
            relative = f"from {dots}{match['sub'].removeprefix('.')} import"
            lines[index] = line[: node.col_offset] + relative + head[match.end() :]
            continue
        alias = node.names[0]
        if len(node.names) != 1 or alias.name != PACKAGE or node.end_lineno != node.lineno:
            raise VendorError(f"line {node.lineno}: unsupported import {head.strip()!r}")
        end = node.end_col_offset
        assert end is not None
        renamed = f" as {alias.asname}" if alias.asname else ""
        lines[index] = f"{line[: node.col_offset]}from {dots}. import {PACKAGE}{renamed}{line[end:]}"
    rewritten = "".join(lines)
    leftovers = [
        n.lineno
        for n in ast.walk(ast.parse(rewritten))
        if isinstance(n, ast.Import | ast.ImportFrom) and is_absolute_tenacity_import(n)
    ]
    if leftovers:
        raise VendorError(f"absolute tenacity imports left on lines {leftovers}")
    return rewritten


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download_wheel(folder: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            f"{PACKAGE}=={VERSION}",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--dest",
            str(folder),
        ],
        check=True,
    )
    wheel = folder / WHEEL_NAME
    if not wheel.is_file():
        raise VendorError(f"pip did not produce {WHEEL_NAME} in {folder}")
    return wheel


def vendor(wheel: Path, dest: Path = DEST) -> list[Path]:
    """Rebuild ``dest`` from ``wheel``; returns the files written, relative to ``dest``."""
    digest = sha256(wheel)
    if digest != WHEEL_SHA256:
        raise VendorError(f"{wheel}: sha256 {digest}, expected {WHEEL_SHA256} (tenacity {VERSION})")
    licence_name = f"{PACKAGE}-{VERSION}.dist-info/licenses/LICENSE"
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / PACKAGE
        written: list[Path] = []
        with zipfile.ZipFile(wheel) as archive:
            for name in sorted(archive.namelist()):
                member = PurePosixPath(name)
                if member.parts[0] != PACKAGE or name.endswith("/"):
                    continue
                if ".." in member.parts:
                    raise VendorError(f"unsafe path in wheel: {name}")
                relative = Path(*member.parts[1:])
                data = archive.read(name)
                if member.suffix == ".py":
                    text = data.decode("utf-8")
                    data = rewrite_imports(text, depth=len(relative.parts) - 1).encode("utf-8")
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                written.append(relative)
            (staging / "LICENSE").write_bytes(archive.read(licence_name))
            written.append(Path("LICENSE"))
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(staging, dest)
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", nargs="?", type=Path, help=f"{WHEEL_NAME} (default: pip download it)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel: Path = args.wheel if args.wheel is not None else download_wheel(Path(tmp))
        try:
            files = vendor(wheel)
        except VendorError as exc:
            print(f"vendor_tenacity: {exc}", file=sys.stderr)
            return 1
    print(f"Vendored tenacity {VERSION} into {DEST} ({len(files)} files).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

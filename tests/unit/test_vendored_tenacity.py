"""The vendored tenacity (addon/vendor/tenacity, made by devtools/vendor_tenacity.py): only relative
imports, importable under any top-level package name without a ``tenacity`` module appearing, usable
with an injected sleep, and shipped in the .ankiaddon with its licence."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from devtools.package import build
from devtools.vendor_tenacity import VERSION, VendorError, rewrite_imports

# The vendored package is imported inside the tests that use it, so that a broken import fails them
# rather than hiding the import scan behind a collection error.
REPO = Path(__file__).resolve().parents[2]
VENDOR = REPO / "addon" / "vendor"
TENACITY = VENDOR / "tenacity"

# Blocks any top-level ``tenacity`` (in case one is ever installed), then imports the vendored package
# and every submodule but tornadoweb (it needs tornado) and reports what got loaded.
IMPORT_PROBE = """
import importlib, importlib.abc, json, sys
sys.path.insert(0, {path!r})

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "tenacity":
            raise ImportError(f"blocked import of {{name}}")
        return None

sys.meta_path.insert(0, Blocker())
package = importlib.import_module("{package}.vendor.tenacity")
for sub in ("asyncio", "asyncio.retry", "after", "before", "before_sleep", "nap", "retry", "stop", "wait", "_utils"):
    importlib.import_module(f"{package}.vendor.tenacity.{{sub}}")
waits = []
attempts = []
def flaky():
    attempts.append(1)
    if len(attempts) < 3:
        raise OSError("down")
    return "ok"
result = package.Retrying(sleep=waits.append, stop=package.stop_after_attempt(5), wait=package.wait_fixed(7))(flaky)
print(json.dumps({{
    "tenacity_modules": sorted(m for m in sys.modules if m.split(".")[0] == "tenacity"),
    "top_levels": sorted({{m.split(".")[0] for m in sys.modules if ".vendor" in m}}),
    "module_name": package.__name__,
    "retrying_module": package.Retrying.__module__,
    "async_retrying_module": package.AsyncRetrying.__module__,
    "result": result,
    "waits": waits,
}}))
"""


def absolute_tenacity_imports(root: Path) -> list[str]:
    """``path:line: statement`` for every ``import tenacity…`` / ``from tenacity… import`` under
    ``root`` (written independently of the vendoring script's own check)."""
    offenders = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] == "tenacity" for name in names):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    return offenders


def run_probe(path: Path, package: str) -> dict[str, object]:
    # -I: no PYTHONPATH, no user site, no current folder on sys.path; the probe adds only ``path``.
    completed = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_PROBE.format(path=str(path), package=package)],
        cwd=path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    outcome: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return outcome


def test_vendored_files_are_all_there() -> None:
    names = {path.relative_to(TENACITY).as_posix() for path in TENACITY.rglob("*") if "__pycache__" not in path.parts}
    assert {"__init__.py", "asyncio/__init__.py", "asyncio/retry.py", "retry.py", "stop.py", "wait.py"} <= names
    assert "LICENSE" in names and "Apache License" in (TENACITY / "LICENSE").read_text(encoding="utf-8")
    assert (VENDOR / "__init__.py").is_file()
    from addon.vendor.tenacity._version import __version__

    assert __version__ == VERSION


def test_the_readme_lists_what_is_vendored() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert f"| tenacity | {VERSION}" in readme
    assert "Apache-2.0" in readme and f"https://pypi.org/project/tenacity/{VERSION}/" in readme
    assert "imports made relative by `devtools/vendor_tenacity.py`; no other change" in readme


def test_no_absolute_tenacity_import_in_the_vendored_code() -> None:
    assert len(list(TENACITY.rglob("*.py"))) >= 13
    assert absolute_tenacity_imports(TENACITY) == []


@pytest.mark.parametrize(
    "statement",
    [
        "import tenacity",
        "from tenacity import retry",
        "from tenacity.wait import wait_fixed",
        "import os, tenacity.stop",
    ],
)
def test_the_scan_finds_an_absolute_import(tmp_path: Path, statement: str) -> None:
    copy = tmp_path / "tenacity"
    shutil.copytree(TENACITY, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = set(absolute_tenacity_imports(copy))
    target = copy / "asyncio" / "retry.py"
    target.write_text(target.read_text(encoding="utf-8") + f"\nif False:\n    {statement}\n", encoding="utf-8")
    added = set(absolute_tenacity_imports(copy)) - before
    assert len(added) == 1 and next(iter(added)).startswith("asyncio/retry.py:")


def test_imports_with_no_top_level_tenacity() -> None:
    outcome = run_probe(REPO, "addon")
    assert outcome["tenacity_modules"] == []
    assert outcome["module_name"] == "addon.vendor.tenacity"
    assert outcome["result"] == "ok" and outcome["waits"] == [7, 7]


def test_imports_under_another_package_name(tmp_path: Path) -> None:
    """Inside Anki the add-on is ``media_fill`` (or an AnkiWeb number), so nothing may say ``addon``."""
    package = tmp_path / "media_fill_probe"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    shutil.copytree(VENDOR, package / "vendor", ignore=shutil.ignore_patterns("__pycache__"))
    outcome = run_probe(tmp_path, "media_fill_probe")
    assert outcome["tenacity_modules"] == []
    assert outcome["top_levels"] == ["media_fill_probe"]
    assert outcome["retrying_module"] == "media_fill_probe.vendor.tenacity"
    assert outcome["async_retrying_module"] == "media_fill_probe.vendor.tenacity.asyncio"
    assert outcome["result"] == "ok" and outcome["waits"] == [7, 7]


def _no_real_sleep(seconds: float) -> None:
    raise AssertionError(f"time.sleep({seconds}) called")


def test_retrying_uses_the_injected_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    from addon.vendor.tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_fixed

    monkeypatch.setattr(time, "sleep", _no_real_sleep)
    waits: list[float] = []
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            raise ConnectionError("down")
        return "ok"

    retrying = Retrying(
        sleep=waits.append,
        stop=stop_after_attempt(5),
        wait=wait_fixed(30),
        retry=retry_if_exception_type(ConnectionError),
    )
    started = time.monotonic()
    assert retrying(flaky) == "ok"
    assert attempts == [1, 2, 3]
    assert waits == [30, 30]
    assert retrying.statistics["attempt_number"] == 3
    assert time.monotonic() - started < 5


def test_retrying_gives_up_after_the_last_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    from addon.vendor.tenacity import RetryError, Retrying, stop_after_attempt, wait_fixed

    monkeypatch.setattr(time, "sleep", _no_real_sleep)
    waits: list[float] = []

    def always_down() -> None:
        raise ConnectionError("down")

    with pytest.raises(RetryError) as raised:
        Retrying(sleep=waits.append, stop=stop_after_attempt(3), wait=wait_fixed(2))(always_down)
    assert waits == [2, 2]
    assert raised.value.last_attempt.attempt_number == 3
    assert isinstance(raised.value.last_attempt.exception(), ConnectionError)


REWRITES = [
    ("from tenacity import _utils\n", 0, "from . import _utils\n"),
    ("from tenacity import _utils\n", 1, "from .. import _utils\n"),
    ("from tenacity._utils import override\n", 0, "from ._utils import override\n"),
    ("from tenacity._utils import override\n", 1, "from .._utils import override\n"),
    ("if X:\n    from tenacity.retry import A as B\n", 1, "if X:\n    from ..retry import A as B\n"),
    ("from tenacity import (\n    A,\n    B,\n)\n", 1, "from .. import (\n    A,\n    B,\n)\n"),
    ("from tenacity.asyncio import R  # noqa: E402\n", 0, "from .asyncio import R  # noqa: E402\n"),
    ("import tenacity\n", 1, "from ... import tenacity\n"),
    ("import tenacity as t\n", 0, "from .. import tenacity as t\n"),
    ('"""from tenacity import x"""\nimport tenacityx\n', 0, '"""from tenacity import x"""\nimport tenacityx\n'),
]


@pytest.mark.parametrize(("source", "depth", "expected"), REWRITES)
def test_the_import_rewrite(source: str, depth: int, expected: str) -> None:
    assert rewrite_imports(source, depth) == expected
    assert rewrite_imports(expected, depth) == expected


@pytest.mark.parametrize("source", ["import tenacity.wait\n", "import os, tenacity\n"])
def test_the_rewrite_refuses_what_it_cannot_handle(source: str) -> None:
    with pytest.raises(VendorError):
        rewrite_imports(source, 0)


def test_the_package_ships_the_vendored_code_and_licence(tmp_path: Path) -> None:
    with zipfile.ZipFile(build(tmp_path / "media_fill.ankiaddon")) as archive:
        names = set(archive.namelist())
    vendored = {
        "vendor/__init__.py",
        "vendor/README.md",
        "vendor/tenacity/LICENSE",
        "vendor/tenacity/__init__.py",
        "vendor/tenacity/asyncio/__init__.py",
        "vendor/tenacity/asyncio/retry.py",
    }
    assert vendored <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

"""The house stays readable: `addon/core` is packages, not a heap of modules at its root, and no
module of the add-on (vendored code aside) grows past 450 lines without being split by concern."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAX_LINES = 450
MAX_CORE_ROOT_MODULES = 6


def _addon_modules() -> list[Path]:
    return [p for p in sorted((REPO / "addon").rglob("*.py")) if "vendor" not in p.relative_to(REPO).parts]


def test_core_is_packages() -> None:
    root_modules = sorted(p.name for p in (REPO / "addon" / "core").glob("*.py"))
    packages = sorted(p.name for p in (REPO / "addon" / "core").iterdir() if (p / "__init__.py").is_file())
    assert len(root_modules) <= MAX_CORE_ROOT_MODULES, root_modules
    assert len(packages) >= 6, packages


def test_no_module_is_longer_than_the_limit() -> None:
    modules = _addon_modules()
    assert len(modules) > 50  # the walk found the add-on
    long = {
        str(p.relative_to(REPO)): n
        for p in modules
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}

"""core/ and providers/ never import anki or aqt: every module there imports in a Python where both
are blocked, while a collection module (which needs anki) fails in the same setup."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ("addon/core", "addon/providers")

BLOCKER = """
import importlib.abc, json, sys

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("anki", "aqt"):
            raise ImportError(f"blocked import of {name}")
        return None

sys.meta_path.insert(0, Blocker())
assert "anki" not in sys.modules and "aqt" not in sys.modules
"""


def _pure_modules() -> list[str]:
    modules = []
    for package in PURE_PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def _run_blocked(body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + body],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_walk_finds_the_modules() -> None:
    modules = _pure_modules()
    assert "addon.core.config.schema" in modules
    assert "addon.core.engine.generation" in modules
    assert "addon.providers.audio.espeak" in modules
    assert len(modules) >= 15


def test_core_and_providers_import_without_anki_or_aqt() -> None:
    modules = _pure_modules()
    body = f"""
import importlib
failures = {{}}
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failures[name] = f"{{type(exc).__name__}}: {{exc}}"
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("anki", "aqt"))
print(json.dumps({{"failures": failures, "loaded": loaded}}))
"""
    completed = _run_blocked(body)
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome == {"failures": {}, "loaded": []}


def test_the_blocker_works_a_collection_module_cannot_import() -> None:
    body = """
try:
    import addon.collection.sync
except ImportError as exc:
    print(json.dumps({"blocked": str(exc)}))
else:
    print(json.dumps({"blocked": None}))
"""
    completed = _run_blocked(body)
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["blocked"] is not None
    assert "blocked import of anki" in outcome["blocked"]


def test_the_addon_package_itself_imports_without_anki() -> None:
    completed = _run_blocked("import addon, addon.cli\nprint('ok')")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"


def test_the_addon_imports_itself_only_relatively() -> None:
    """Inside Anki the package is named media_fill (or an AnkiWeb number), never "addon"."""
    offenders = []
    for path in sorted((REPO / "addon").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("from addon", "import addon")):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {stripped}")
    assert offenders == []

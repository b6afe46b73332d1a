"""The layers of the add-on: core/ and providers/ never import anki or aqt (every module there
imports in a Python where both are blocked, while a collection module, which needs anki, fails in the
same setup); every import in addon/ (module level, in functions, under TYPE_CHECKING) goes to the
same layer or a lower one of `LAYERS`; and no import cycle joins addon modules."""

from __future__ import annotations

import ast
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


# The layers of the add-on, lowest first. A module may import modules of its own layer or of a lower
# one, never of a higher one; a module's layer is that of the longest prefix listed here.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("addon.vendor",),
    ("addon.core.base",),
    ("addon.core.media",),
    ("addon.core.text",),
    ("addon.core.config",),
    ("addon.core.resilience",),
    ("addon.core.state",),
    ("addon.core.job",),
    ("addon.core.provider_system",),
    ("addon.core.engine", "addon.core"),
    ("addon.providers.http",),
    ("addon.providers",),
    ("addon.api",),
    ("addon.pictures",),
    ("addon.collection",),
    ("addon.cli", "addon.cli_commands", "addon.__main__"),
    ("addon.ui",),
    ("addon",),
)
# Whole parts that must never see each other, however the table above is edited.
FORBIDDEN = {
    "addon.core": ("addon.providers", "addon.collection", "addon.ui", "addon.cli", "addon.api"),
    "addon.providers": ("addon.collection", "addon.ui", "addon.cli", "addon.api"),
    "addon.collection": ("addon.ui", "addon.cli"),
    "addon.pictures": ("addon.collection", "addon.ui", "addon.cli"),
}


def _module_files() -> dict[str, Path]:
    """Every module of the add-on (vendored code aside) by its dotted name."""
    files = {}
    for path in sorted((REPO / "addon").rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        if "vendor" in parts:
            continue
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The add-on modules ``name`` imports anywhere: at module level, in functions and under
    TYPE_CHECKING alike (``from . import x`` counts as importing the module x)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "addon")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "addon":
                continue
            for alias in node.names:
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module)
    return {m for m in found if not m.startswith("addon.vendor.")} | {
        "addon.vendor" for m in found if m.startswith("addon.vendor.")
    }


def _layer(module: str) -> int:
    best, best_length = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    assert best >= 0, f"{module} is in no layer: add it to LAYERS"
    return best


def _graph() -> dict[str, set[str]]:
    files = _module_files()
    known = set(files)
    return {name: _imports(name, path, known) for name, path in files.items()}


def test_the_import_walk_sees_every_kind_of_import() -> None:
    graph = _graph()
    # module level, relative
    assert "addon.core.base.errors" in graph["addon.core.media.types"]
    # inside a function (the CLI imports the collection lazily)
    assert "addon.collection.fill" in graph["addon.cli"]
    # vendored code counts as one module
    assert "addon.vendor" in graph["addon.core.resilience.retry_policy"]
    assert len(graph) >= 80


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in sorted(_graph().items())
        for target in sorted(targets)
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_forbidden_parts_never_meet() -> None:
    offenders = [
        f"{module} imports {target}"
        for module, targets in sorted(_graph().items())
        for part, banned in FORBIDDEN.items()
        if module.startswith(part + ".") or module == part
        for target in sorted(targets)
        if any(target == b or target.startswith(b + ".") for b in banned)
    ]
    assert offenders == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_addon_modules() -> None:
    graph = {m: {t for t in targets if t != m} for m, targets in _graph().items()}
    assert _cycles(graph) == []

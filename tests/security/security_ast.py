"""Reading the add-on's source for the static security tests: every ``.py`` file under ``addon/``,
the vendored code included (it runs inside the add-on with the same rights), parsed with `ast`.

`resolved_name` turns the function of a call into the dotted name it refers to, through the
module's imports (``import subprocess as sp`` → ``sp.run`` is ``subprocess.run``; ``from os import
system`` → ``system`` is ``os.system``). It is deliberately simple: a name rebound at run time is not
followed, which the tests make up for by also banning the dangerous names outright.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ADDON = REPO / "addon"


@dataclass(frozen=True)
class Finding:
    where: str  # "addon/core/x.py:12"
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def addon_files() -> list[Path]:
    return sorted(path for path in ADDON.rglob("*.py") if "__pycache__" not in path.parts)


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def where(path: Path | str, node: ast.AST) -> str:
    return f"{relative(path) if isinstance(path, Path) else path}:{getattr(node, 'lineno', 0)}"


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name → the dotted name it was imported as, for every import anywhere in ``tree``."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def resolved_name(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The dotted name ``node`` refers to, with its first part resolved through ``aliases``."""
    name = dotted(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    head = aliases.get(head, head)
    return f"{head}.{rest}" if rest else head


def calls(tree: ast.Module) -> Iterator[tuple[ast.Call, str | None]]:
    """Every call in ``tree`` with the resolved name of what it calls (None when not a name)."""
    aliases = import_aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, resolved_name(node.func, aliases)


def imported_modules(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """Every module an import statement of ``tree`` names (``from . import x`` gives ``.``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node, "." * node.level + (node.module or "")

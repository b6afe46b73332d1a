"""Where a command's results go: stdout holds them and nothing else, so ``--json`` stays one JSON
object however chatty the libraries underneath are.

Anki 25.07 and 25.09 print their own diagnostics on stdout: a backend call that keeps the main
thread over 200 ms prints "blocked main thread for …ms:" and a stack (a big fill or remove does
that). While a command runs under `results_only_on_stdout`, ``sys.stdout`` is stderr, where such
lines are harmless, and the command writes its results with `say`, to the stdout it was started
with. Messages to the user (errors, progress) go to stderr as before.

Thread safety: main thread only (the command line runs there); ``contextlib.redirect_stdout``
swaps the process-wide ``sys.stdout``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

_results: list[TextIO] = []


@contextlib.contextmanager
def results_only_on_stdout() -> Iterator[None]:
    """Send anything printed to stdout to stderr until the block ends; `say` still writes to stdout."""
    _results.append(sys.stdout)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        _results.pop()


def say(*values: object, end: str = "\n") -> None:
    """Print a result of the command on its stdout (as ``print`` does outside `results_only_on_stdout`)."""
    print(*values, end=end, file=_results[-1] if _results else sys.stdout, flush=True)

"""The figures of the reliability suites, gathered while they run and written out at the end.

The fault matrix records each cell (`record_cell`), the crash runs their counts (`count`), and the
outcomes of the hostile-input, security and fault tests are counted as they run. At the end of the
session the matrix and the figures are printed; when
``MEDIA_FILL_RELIABILITY_DOC`` names a file (``make faults`` sets it to docs/reliability.md) the
matrix and every figure are written there, from this run only.

Thread safety: tests record from the test thread; the hooks run after the tests.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Protocol

import pytest


class Cell(Protocol):
    target: str
    fault: str
    expected: str
    outcome: str
    problems: list[str]
    applicable: bool
    note: str
    messages: list[str]

    def cell_text(self) -> str: ...


CELLS: list[Cell] = []
_COUNTERS: dict[str, Counter[str]] = defaultdict(Counter)


def record_cell(cell: Cell) -> None:
    CELLS.append(cell)


def count(name: str, key: str, amount: int = 1) -> None:
    """Add to a tally kept under ``name`` (e.g. hostile cases per stage)."""
    _COUNTERS[name][key] += amount


def figures() -> dict[str, dict[str, int]]:
    """Every tally kept with `count`, by name, in the order they were first counted."""
    return {name: dict(tally) for name, tally in _COUNTERS.items()}


def matrix_markdown() -> str:
    """The provider × fault table of the recorded cells, in the faults' order."""
    from tests.faults.fault_catalogue import FAULTS

    faults = [fault for fault in FAULTS if any(cell.fault == fault.key for cell in CELLS)]
    targets = list(dict.fromkeys(cell.target for cell in CELLS))
    by_key = {(cell.target, cell.fault): cell for cell in CELLS}
    lines = [
        "| provider | " + " | ".join(f.key for f in faults) + " |",
        "|---|" + "---|" * len(faults),
    ]
    for target in targets:
        cells = [by_key[(target, f.key)].cell_text() if (target, f.key) in by_key else "–" for f in faults]
        lines.append(f"| {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_counts() -> dict[str, int]:
    applicable = [cell for cell in CELLS if cell.applicable]
    return {
        "cells": len(CELLS),
        "applicable": len(applicable),
        "as_expected": sum(1 for cell in applicable if not cell.problems),
        "not_applicable": len(CELLS) - len(applicable),
        "providers": len({cell.target for cell in CELLS}),
        "faults": len({cell.fault for cell in CELLS}),
    }


_SUITES = {"hostile": "hostile input tests", "security": "security tests", "faults": "fault matrix tests"}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the passed and failed tests of the reliability suites (their "call" phase)."""
    if report.when != "call":
        return
    parts = report.nodeid.split("/")
    if len(parts) > 2 and parts[0] == "tests" and parts[1] in _SUITES:
        count(_SUITES[parts[1]], report.outcome)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if CELLS:
        counts = summary_counts()
        terminalreporter.section("fault matrix")
        terminalreporter.write_line(matrix_markdown())
        terminalreporter.write_line(
            f"{counts['providers']} providers × {counts['faults']} faults: {counts['applicable']} cells run, "
            f"{counts['as_expected']} as expected, {counts['not_applicable']} not applicable"
        )
    for name, value in figures().items():
        terminalreporter.write_line(f"{name}: {value}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("MEDIA_FILL_RELIABILITY_DOC")
    if not target or not CELLS:
        return
    found: dict[str, Any] = dict(figures())
    key_scan = sys.modules.get("tests.support.key_scan")
    scan = key_scan.scan_result(session.config) if key_scan is not None else None
    if scan is not None:
        found["key scan"] = scan.summary().removeprefix("key scan: ")
    from tests.support.reliability_doc import render_document

    text = render_document(
        matrix=matrix_markdown(),
        counts=summary_counts(),
        figures=found,
        cells=list(CELLS),
        run={
            "date": datetime.date.today().isoformat(),
            "python": platform.python_version(),
            "machine": f"{os.cpu_count()} cores",
            "exit_status": int(exitstatus),
        },
    )
    Path(target).write_text(text, encoding="utf-8")

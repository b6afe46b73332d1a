"""The pytest side of the contract checks: every test of tests/providers and tests/contracts is a contract test.

Around the call of each such test a `checker.ContractLog` is active, so the fakes check every
exchange they serve (the provider's request, and the fake's answer) against the vendor's document;
when the test's own body passed and a violation was logged, the test fails with the list of
violations (when the body failed, the violations are shown in a section of its report). A test whose provider or fake breaks a spec on purpose says so with
``@pytest.mark.contract_exempt("why")``: its violations are then reported, not failed.

At the end of the session the terminal summary counts the exchanges checked and lists, grouped,
what the documents did not cover (paths outside the vendors' APIs, undocumented statuses, exempt
answers), so that nothing passes silently as "checked".

Thread safety: pytest's hooks run on the main thread; the fakes log from their server threads into
the active log (see `checker`), and the session's tally is only touched from the main thread.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Generator
from pathlib import Path

import pytest

from tests.contracts import checker

_CHECKED_DIRS = (Path(__file__).parent.parent / "providers", Path(__file__).parent)
_SESSION: dict[str, Counter[str]] = {"exchanges": Counter(), "notes": Counter(), "exempt": Counter()}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "contract_exempt(reason): the test breaks a vendor's spec on purpose; its contract violations are reported, "
        "not failed",
    )


def _checked(item: pytest.Item) -> bool:
    path = Path(str(item.path))
    return any(path.is_relative_to(directory) for directory in _CHECKED_DIRS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    if not _checked(item):
        return (yield)
    with checker.recording() as log:
        try:
            result = yield
        except BaseException:  # the test failed on its own: the violations are shown beside its failure
            if log.violations():
                item.add_report_section("call", "contract violations", "\n".join(log.violations()))
            raise
    for checked in log.results():
        _SESSION["exchanges"][checked.api] += 1
        for note in checked.notes:
            _SESSION["notes"][f"{checked.api}: {_general(checked.exchange)}: {note}"] += 1
    violations = log.violations()
    exempt = item.get_closest_marker("contract_exempt")
    if violations and exempt is not None:
        reason = exempt.args[0] if exempt.args else "no reason given"
        _SESSION["exempt"][f"{item.nodeid} ({reason})"] += len(violations)
        return result
    if violations:
        listed = "\n".join(f"- {violation}" for violation in violations)
        pytest.fail(
            f"{len(violations)} exchange(s) broke the vendor's specification (tests/contracts/specs):\n{listed}",
            pytrace=False,
        )
    return result


def _general(exchange: str) -> str:
    """``POST /v1/text-to-speech/abc -> 200`` without the IDs that differ from test to test."""
    exchange = re.sub(r"/(files|previews)/[^ ]+", r"/\1/…", exchange)
    return re.sub(r"/(text-to-speech|voices|models)/[^ /]+", r"/\1/{id}", exchange)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    exchanges = _SESSION["exchanges"]
    if not exchanges:
        return
    counts = ", ".join(f"{api} {count}" for api, count in sorted(exchanges.items()))
    terminalreporter.write_sep("-", "contract checks (tests/contracts/specs)")
    terminalreporter.write_line(f"exchanges checked against the vendors' specifications: {counts}")
    if _SESSION["notes"]:
        terminalreporter.write_line("not covered by the specifications (not checked; times seen):")
        for note, count in sorted(_SESSION["notes"].items()):
            terminalreporter.write_line(f"  {count:5d}  {note}")
    for test, count in sorted(_SESSION["exempt"].items()):
        terminalreporter.write_line(f"exempt on purpose: {test}: {count} violation(s) reported, not failed")

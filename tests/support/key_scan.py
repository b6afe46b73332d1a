"""A pytest plugin: at the end of every test session, scan what the add-on wrote for the test keys.

Issue 9 says a key never appears in a log, a report, a file name or an exception text. Each test
checks its own outputs; this plugin checks everything the whole session left behind, so a leak in a
place no test looked at still fails the run. It is registered in ``tests/conftest.py``
(``pytest_plugins = ["key_scan"]``), so ``make test`` and every plain ``pytest`` run use it.

**The keys.** Every module-level ``str`` constant of at least `MIN_KEY_LENGTH` characters whose
name ends in ``KEY``, ``TOKEN`` or ``SECRET`` (``TEST_KEY``, ``WRONG_KEY``, ``ENV_KEY``,
``TEST_IAM_TOKEN``, …), in any ``.py`` file under the session's ``tests/`` folder (fakes, support
modules and test modules alike), found by reading the files' syntax trees (nothing is imported).
Shorter strings are left out because they would match ordinary text (``"sk"``). `NOT_SECRETS` lists
the few such constants that are not credentials, each with its reason.

**The artifacts.** Everything under the session's base temporary directory (the root of every
``tmp_path`` and ``tmp_path_factory.mktemp``; taken from the public ``tmp_path_factory`` fixture by
an autouse session fixture), plus what `keep_output` and `keep_path` were given: the stdout and
stderr of every CLI run by ``cli_runner.run_cli``, and the state folders and log files it made
outside the base directory. Every file and folder *name* is checked, and the *contents* of every
regular file (logs and their rotations, job journals, the reuse index and its ``-wal``, JSON reports,
media folders, Anki profiles and collections, …), each as bytes, for the key as written, URL-encoded
and JSON-escaped. Symlinks are not followed (the GUI tests link the add-on's source into their
Anki profile); their names are checked.

**Test inputs, not scanned.** The contents of a file the tests themselves wrote on purpose with a
key in it are not the add-on's doing. The rule is by exact file name and nothing else
(`INPUT_FILE_NAMES`):

* ``config.json``: the settings file a CLI test hands to ``--config``. The add-on never writes a
  file of that name (its own ``config.json`` holds the shipped defaults, has no key, and reaches
  the GUI tests' profile as a symlink, which is not followed anyway).
* ``meta.json``: Anki's store of an add-on's config inside a profile (``addons21/<addon>/meta.json``),
  written by the GUI tests' setup and by the settings dialog through Anki's
  ``addonManager.writeConfig``: the one place where the user's keys are meant to live.

Their names are still checked, and every other file is scanned in full, whatever it is, Anki
collections included (the add-on writes notes into them; no test puts a key into a note). Nothing
else is excluded: a survey of a whole run without these two exclusions found test keys in
``config.json`` files only.

**A finding** fails the session: ``session.exitstatus`` becomes ``TESTS_FAILED`` and the terminal
summary names each key, masked to its first four characters and "…", with where it came from and
the file (or CLI output) it was found in (with any key in that path masked too). Without findings
the summary has one line::

    key scan: N artifacts (M bytes) scanned for K test keys: none found

where N counts the files whose contents were read plus the kept CLI outputs, M their bytes, and K
the distinct key values.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

MIN_KEY_LENGTH = 12
KEY_NAME = re.compile(r"^[A-Z0-9_]*(?:KEY|TOKEN|SECRET)$")

NOT_SECRETS: dict[tuple[str, str], str] = {
    ("unit/test_naming.py", "KEY"): "a media cache key (a SHA-1 in hex), part of file names by design",
}
"""(file under tests/, constant name) → why that constant is not a credential."""

INPUT_FILE_NAMES = frozenset({"config.json", "meta.json"})
"""Files whose contents are a test's input, not the add-on's output (see the module docstring)."""


def is_test_input(name: str) -> bool:
    return name in INPUT_FILE_NAMES


# --- the keys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanKey:
    value: str
    origin: str  # "cli/test_cli_providers.py:TEST_KEY"

    @property
    def masked(self) -> str:
        return f"{self.value[:4]}…"


def _module_constants(tree: ast.Module) -> Iterator[tuple[str, str]]:
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [target.id for target in node.targets if isinstance(target, ast.Name)]
            value = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            targets, value = [node.target.id], node.value
        else:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for name in targets:
                yield name, value.value


def discover_test_keys(tests_root: Path) -> list[ScanKey]:
    """The keys the test suite under ``tests_root`` defines (see the module docstring), one per value."""
    found: dict[str, ScanKey] = {}
    for path in sorted(tests_root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(tests_root).as_posix()
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (OSError, SyntaxError, ValueError):
            continue
        for name, value in _module_constants(tree):
            if KEY_NAME.match(name) and len(value) >= MIN_KEY_LENGTH and (relative, name) not in NOT_SECRETS:
                found.setdefault(value, ScanKey(value, f"{relative}:{name}"))
    return list(found.values())


def _forms(value: str) -> set[bytes]:
    """The key as it may be written: as is, URL-encoded, JSON-escaped (all UTF-8)."""
    texts = {value, quote(value, safe=""), quote(value), quote_plus(value), json.dumps(value)[1:-1]}
    return {text.encode("utf-8") for text in texts}


# --- the scan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    key: ScanKey
    where: str  # "contents of /tmp/…/media_fill.log", "the name of /tmp/…", "the stdout of `python -m addon fill`"

    def __str__(self) -> str:
        return f"test key {self.key.masked!r} ({self.key.origin}) found in {self.where}"


@dataclass
class ScanResult:
    keys: int = 0
    artifacts: int = 0
    bytes: int = 0
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        found = "none found" if not self.findings else f"{len(self.findings)} found"
        return f"key scan: {self.artifacts} artifacts ({self.bytes} bytes) scanned for {self.keys} test keys: {found}"


class Scanner:
    """Finds any form of any of ``keys`` in names, texts and files; counts what it read."""

    def __init__(self, keys: Iterable[ScanKey]) -> None:
        self.keys = list(keys)
        self._by_form: dict[bytes, ScanKey] = {}
        for key in self.keys:
            for form in _forms(key.value):
                self._by_form.setdefault(form, key)
        forms = sorted(self._by_form, key=len, reverse=True)
        self._pattern = re.compile(b"|".join(re.escape(form) for form in forms)) if forms else None
        self.result = ScanResult(keys=len(self.keys))

    def _keys_in(self, data: bytes) -> list[ScanKey]:
        if self._pattern is None:
            return []
        seen: dict[str, ScanKey] = {}
        for match in self._pattern.finditer(data):
            key = self._by_form[match.group(0)]
            seen.setdefault(key.value, key)
        return list(seen.values())

    def _masked(self, text: str) -> str:
        """``text`` (a path, a label) with every key in it masked, so a report never prints one."""
        for form in sorted(self._by_form, key=len, reverse=True):
            text = text.replace(form.decode("utf-8"), self._by_form[form].masked)
        return text

    def _report(self, data: bytes, where: str) -> None:
        self.result.findings.extend(Finding(key, self._masked(where)) for key in self._keys_in(data))

    def scan_text(self, text: str, where: str) -> None:
        data = text.encode("utf-8", "surrogateescape")
        self.result.artifacts += 1
        self.result.bytes += len(data)
        self._report(data, where)

    def scan_file(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError:
            return  # gone or unreadable: nothing of it can leak either
        self.result.artifacts += 1
        self.result.bytes += len(data)
        self._report(data, f"contents of {path}")

    def scan_name(self, path: Path) -> None:
        self._report(os.fsencode(path.name), f"the name of {path}")

    def scan_tree(self, root: Path) -> None:
        """``root`` and everything below it, without following symlinks."""
        if not root.exists() and not root.is_symlink():
            return
        self.scan_name(root)
        if root.is_file() and not root.is_symlink():
            if not is_test_input(root.name):
                self.scan_file(root)
            return
        for folder, dirs, files in os.walk(root, followlinks=False):
            base = Path(folder)
            for name in dirs:
                self.scan_name(base / name)
            for name in files:
                path = base / name
                self.scan_name(path)
                if not path.is_symlink() and path.is_file() and not is_test_input(name):
                    self.scan_file(path)


# --- what the session hands over ---------------------------------------------------------------

_kept_outputs: list[tuple[str, str]] = []
_kept_paths: list[Path] = []


def keep_output(where: str, text: str) -> None:
    """Keep ``text`` (e.g. a subprocess's stdout) for the scan at the end of the session; ``where``
    names it in a finding, so it must not hold a key itself."""
    _kept_outputs.append((where, text))


def keep_path(path: Path) -> None:
    """Scan ``path`` (a file or a folder, e.g. a state folder made outside the base temporary
    directory) at the end of the session too."""
    _kept_paths.append(Path(path))


def _tests_root(config: pytest.Config) -> Path:
    tests = config.rootpath / "tests"
    return tests if tests.is_dir() else config.rootpath


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def scan_session(*, tests_root: Path, basetemp: Path | None) -> ScanResult:
    """Scan ``basetemp`` and everything kept with `keep_output` / `keep_path` for the keys under ``tests_root``."""
    scanner = Scanner(discover_test_keys(tests_root))
    if basetemp is not None:
        scanner.scan_tree(basetemp)
    for path in dict.fromkeys(_kept_paths):
        if basetemp is None or not _is_within(path, basetemp):
            scanner.scan_tree(path)
    for where, text in _kept_outputs:
        scanner.scan_text(text, where)
    return scanner.result


# --- the hooks ---------------------------------------------------------------------------------

_basetemp_key = pytest.StashKey[Path]()
_result_key = pytest.StashKey[ScanResult]()


@pytest.fixture(scope="session", autouse=True)
def _key_scan_basetemp(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Note the session's base temporary directory for the scan at the end."""
    request.config.stash[_basetemp_key] = tmp_path_factory.getbasetemp()


@pytest.hookimpl(tryfirst=True)  # before pytest's own tmp_path clean-up
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    result = scan_session(tests_root=_tests_root(config), basetemp=config.stash.get(_basetemp_key, None))
    config.stash[_result_key] = result
    if result.findings and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def scan_result(config: pytest.Config) -> ScanResult | None:
    """The session's scan, once `pytest_sessionfinish` has run it (None before, or when it did not)."""
    return config.stash.get(_result_key, None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    result = config.stash.get(_result_key, None)
    if result is None:
        return
    if not result.findings:
        terminalreporter.write_line(result.summary())
        return
    terminalreporter.section("key scan", sep="=", red=True, bold=True)
    for finding in result.findings:
        terminalreporter.write_line(f"key scan: {finding}", red=True)
    terminalreporter.write_line(result.summary(), red=True, bold=True)

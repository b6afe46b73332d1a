"""Fixtures that run the real Anki main window headless (26.9, or an older release of the test matrix), with Media Fill loaded from the
working tree (see ../shared/ANKI_NOTES.md for why pytest-anki is not used).

Anki starts once per test session (it cannot restart in one process); each test gets fresh notes.
A background operation that fails, a warning dialog, or an uncaught exception in a Qt slot fails the
test instead of opening a pop-up.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import pytest
from PyQt6 import sip

from devtools.anki_base import PROFILE, create_base, headless_environment, link_addon
from tests.support.harness import ADDON, UiProblems, pump


def pytest_configure(config: pytest.Config) -> None:
    """Before any GUI test module imports aqt: offscreen drawing (no windows flash up on a
    developer's screen), no WebEngine sandbox (root), and a single-instance key of our own."""
    key = f"media-fill-tests-{uuid.uuid4().hex}"
    os.environ.update(headless_environment(single_instance_key=key, offscreen=True))


def _crash_traces_to_the_test_run(config: pytest.Config) -> None:
    """Anki 26.9's main window points `faulthandler` at ``crash.log`` in its base folder
    (``AnkiQt.setup_crashlog``; 25.07 and 25.09 leave it alone), a temporary folder here: a crash
    in the Qt process ended the run with no trace of where. Point it back where pytest's own
    faulthandler writes: its copy of the run's stderr, made before any capture (fd 2 itself is
    captured during a test). Nothing to do when pytest's faulthandler is off."""
    from _pytest.faulthandler import fault_handler_stderr_fd_key

    fd = config.stash.get(fault_handler_stderr_fd_key, None)
    if fd is not None:
        faulthandler.enable(file=fd, all_threads=True)


@pytest.fixture(autouse=True)
def _closed_windows_deleted() -> Iterator[None]:
    """After each test, once its fixtures have closed its windows, delete what was marked for
    deletion (``deleteLater``), as Anki's main loop does as soon as control returns to it.

    The harness never runs that loop: it pumps with ``processEvents``, which leaves a deletion
    asked for outside any event (the Add window's ``_close`` called by a fixture) pending until some
    later nested loop. Such a closed window lived on into the next tests with its web page, and a
    later test's event pass could die in Qt's web channel (``QMetaObjectPublisher::
    classInfoForObject``, a segfault), most likely reading that page's ``Bridge`` object after
    Anki's timed ``gc.collect`` had freed it with the page's Python side. Threads: the main (Qt)
    thread, as every GUI fixture."""
    yield
    from PyQt6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


@pytest.fixture(scope="session")
def ui_problems() -> UiProblems:
    return UiProblems()


@pytest.fixture(scope="session")
def anki_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("anki-base")
    create_base(base)
    link_addon(base)
    return base


@pytest.fixture(scope="session")
def anki_app(anki_base: Path, ui_problems: UiProblems, pytestconfig: pytest.Config) -> Iterator[Any]:
    import aqt
    import aqt.errors
    import aqt.operations
    import aqt.utils

    # Anki reads the single-instance key when aqt is first imported (a test module may have done
    # so already): set it on the class too, or another Anki on this machine would take our start.
    aqt.AnkiApp.KEY = os.environ["ANKI_SINGLE_INSTANCE_KEY"]
    stderr, excepthook = sys.stderr, sys.excepthook
    app = aqt._run(argv=["anki", "-b", str(anki_base), "-p", PROFILE], exec=False)
    assert app is not None, "Anki did not start"
    sys.stderr = stderr  # Anki's ErrorHandler takes stderr; give it back to pytest
    _crash_traces_to_the_test_run(pytestconfig)

    def record_exception(*, parent: Any, exception: Exception) -> None:
        ui_problems.items.append(f"operation failed: {exception!r}")

    def record_warning(text: str, *args: Any, **kwargs: Any) -> None:
        ui_problems.items.append(f"warning dialog: {text}")

    def record_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        ui_problems.items.append(f"uncaught {kind.__name__}: {value}")

    pump(app, lambda: aqt.mw is not None and aqt.mw.col is not None, what="the profile to open")
    vars(aqt.operations)["show_exception"] = record_exception
    sys.excepthook = record_uncaught
    patched: list[tuple[ModuleType, str, Any]] = []
    for module in (aqt.utils, *_addon_ui_modules()):
        if hasattr(module, "showWarning"):
            patched.append((module, "showWarning", module.showWarning))
            module.showWarning = record_warning  # type: ignore[attr-defined]
    yield app

    for module, name, original in patched:
        setattr(module, name, original)
    mw = aqt.mw
    assert mw is not None
    mw.unloadProfileAndExit()
    pump(app, lambda: mw.col is None, what="the profile to close")
    _end_as_anki_does(app, mw)
    sys.excepthook = excepthook
    sys.stderr = stderr


def _end_as_anki_does(app: Any, mw: Any) -> None:
    """What Anki's own exit does after ``cleanupAndExit`` and before Python exits: the main window
    (asked to be deleted there) and every window and web page still waiting for deletion are
    deleted, with a ``gc.collect()`` as its ``exit`` does, before its main loop returns. The
    harness runs no main loop, so without this they were left to PyQt's clean-up at interpreter
    exit, which deleted them in no particular order ("Release of profile requested but
    WebEnginePage still not deleted") and could crash in ``cleanup_on_exit``."""
    from PyQt6.QtCore import QEvent

    settled = time.monotonic() + 0.3  # Anki's exit runs 100 ms after cleanupAndExit
    pump(app, lambda: time.monotonic() > settled, what="Anki's exit step")
    gc.collect()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert sip.isdeleted(mw), "Anki's main window was not deleted at exit"


def _addon_ui_modules() -> list[ModuleType]:
    prefix = f"{ADDON}.ui."
    return [module for name, module in list(sys.modules.items()) if name.startswith(prefix)]


@pytest.fixture(scope="session")
def qapp(anki_app: Any) -> Any:
    """pytest-qt uses Anki's own application."""
    return anki_app


@pytest.fixture
def mw(anki_app: Any, ui_problems: UiProblems) -> Iterator[Any]:
    """The running main window; fails the test if a pop-up or crash was recorded during it."""
    import aqt

    ui_problems.take()
    assert aqt.mw is not None
    yield aqt.mw
    problems = ui_problems.take()
    assert not problems, f"Anki reported problems during the test: {problems}"


@pytest.fixture
def addon(mw: Any) -> Iterator[ModuleType]:
    """The loaded add-on package (``media_fill``). Its provider registry (breakers, health) is
    dropped after each test, as a restart of Anki would, so tests do not leak paused providers."""
    module = sys.modules.get(ADDON)
    assert module is not None, f"the add-on {ADDON} did not load; installed: {mw.addonManager.allAddons()}"
    yield module
    controller = module.controller
    if controller.registry is not None and (controller.job is None or not controller.job.running):
        controller.registry.close()
        controller.registry = None


@pytest.fixture
def slow_espeak(tmp_path: Path) -> Path:
    """A stand-in for espeak-ng that waits 0.25 s and then runs the real one, so a job lasts long
    enough to be cancelled or interrupted mid-way."""
    script = tmp_path / "slow-espeak-ng"
    script.write_text('#!/bin/sh\nsleep 0.25\nexec espeak-ng "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.fixture
def sample_notes(mw: Any) -> Iterator[dict[str, list[int]]]:
    """The sample note types and notes in the running profile's collection (all other notes removed)
    and the demo rules as the add-on's saved config. Yields note ids by note type name."""
    from devtools.sample_deck import DEMO_RULES, add_sample_notes

    col = mw.col
    col.remove_notes(col.find_notes(""))
    for leftover in Path(col.media.dir()).iterdir():
        if leftover.is_file():
            leftover.unlink()
    mw.addonManager.writeConfig(ADDON, {"rules": DEMO_RULES})
    ids = add_sample_notes(col)
    yield ids
    mw.addonManager.writeConfig(ADDON, {})


@pytest.fixture
def open_browser(mw: Any, anki_app: Any) -> Iterator[Callable[[list[int]], Any]]:
    """Opens the Browser showing and selecting the given notes; closes it after the test."""
    import aqt

    opened: list[Any] = []

    def open_with(note_ids: list[int]) -> Any:
        browser = aqt.dialogs.open("Browser", mw)
        opened.append(browser)
        browser.search_for("nid:" + ",".join(map(str, note_ids)))
        browser.table.select_all()
        pump(anki_app, lambda: len(browser.selected_notes()) == len(note_ids), what="the Browser selection")
        # Anki re-checks a new window's place on screen 50 ms after opening it (a timer that would
        # fail if the test closed the Browser first): let it run.
        settled = time.monotonic() + 0.12
        pump(anki_app, lambda: time.monotonic() > settled, what="the Browser to settle")
        return browser

    yield open_with
    for browser in opened:
        if not sip.isdeleted(browser):
            browser.close()
    pump(anki_app, lambda: aqt.dialogs._dialogs["Browser"][1] is None, what="the Browser to close")


@pytest.fixture
def add_window(mw: Any, anki_app: Any) -> Iterator[Any]:
    """The Add window on the English sample note type, its editor loaded."""
    import aqt

    from devtools.sample_deck import ENGLISH_TYPE

    window = aqt.dialogs.open("AddCards", mw)
    model = mw.col.models.by_name(ENGLISH_TYPE)
    window.set_note_type(model["id"])
    pump(anki_app, lambda: window.editor.note is not None and window.editor.note.mid == model["id"], what="note type")
    yield window
    window.editor.set_note(None)
    window._close()

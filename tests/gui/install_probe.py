"""Run by test_package.py in a fresh process: starts the real Anki on a new base folder and either
installs a .ankiaddon (``install BASE FILE``) or reports whether Media Fill loaded (``check BASE``).
Prints one JSON object on stdout."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from devtools.anki_base import PROFILE, create_base, headless_environment


def start_anki(base: Path) -> tuple[Any, Any]:
    key = f"media-fill-probe-{uuid.uuid4().hex}"
    os.environ.update(headless_environment(single_instance_key=key, offscreen=True))
    create_base(base)
    import aqt

    app = aqt._run(argv=["anki", "-b", str(base), "-p", PROFILE], exec=False)
    deadline = time.monotonic() + 60
    while aqt.mw is None or aqt.mw.col is None:
        if time.monotonic() > deadline:
            raise TimeoutError("Anki did not open the profile")
        app.processEvents()
        time.sleep(0.01)
    return app, aqt.mw


def stop_anki(app: Any, mw: Any) -> None:
    mw.unloadProfileAndExit()
    deadline = time.monotonic() + 30
    while mw.col is not None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    mode, base = sys.argv[1], Path(sys.argv[2])
    app, mw = start_anki(base)
    result: dict[str, Any] = {}
    if mode == "install":
        outcome = mw.addonManager.install(sys.argv[3])
        result = {"outcome": type(outcome).__name__, "detail": repr(outcome)}
    else:
        import aqt
        from aqt.qt import QAction

        module = sys.modules.get("media_fill")
        browser = aqt.dialogs.open("Browser", mw)
        action = browser.findChild(QAction, "media_fill_action")
        result = {
            "loaded": module is not None and getattr(module, "controller", None) is not None,
            "action": action.text() if action is not None else None,
            "in_notes_menu": action is not None and action in browser.form.menu_Notes.actions(),
            "addons": [a.dir_name for a in mw.addonManager.all_addon_meta()],
        }
        browser.close()
    stop_anki(app, mw)
    sys.stdout.write("\nPROBE-RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

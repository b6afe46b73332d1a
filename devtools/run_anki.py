"""`make run`: start the real Anki with a throwaway base folder (no first-run dialog), the sample
deck, and Media Fill linked from the working tree, so code changes show up on the next start.

The base folder is build/anki-base (recreated on every run). Without a screen (no DISPLAY), Anki
runs under Xvfb via xvfb-run, which is only useful for screenshots.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from .anki_base import PROFILE, create_base, headless_environment, link_addon
from .paths import REPO
from .sample_deck import DEMO_RULES, build_sample_collection


def main() -> int:
    base = REPO / "build" / "anki-base"
    if base.exists():
        shutil.rmtree(base)
    profile_dir = create_base(base)
    build_sample_collection(profile_dir / "collection.anki2")
    addon_dir = link_addon(base)
    (addon_dir / "meta.json").write_text(json.dumps({"config": {"rules": DEMO_RULES}}, indent=2), encoding="utf-8")

    env = {**os.environ, **headless_environment(single_instance_key=f"media-fill-run-{uuid.uuid4().hex}")}
    env.pop("QT_QPA_PLATFORM", None)
    anki = Path(sys.executable).with_name("anki")  # the console script pip installs beside python
    launcher = [str(anki)] if anki.is_file() else [sys.executable, "-c", "import aqt; aqt.run()"]
    command = [*launcher, "-b", str(base), "-p", PROFILE]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        if shutil.which("xvfb-run") is None:
            print("No screen (DISPLAY is unset) and no xvfb-run; run `make system-deps` or start a desktop session.")
            return 1
        print("No screen (DISPLAY is unset): starting Anki under Xvfb. Stop it with Ctrl+C.")
        command = ["xvfb-run", "-a", *command]
    print(f"Anki base folder: {base}\nIn Anki: Browse → select notes → Notes → Fill Media… (Ctrl+Alt+M)")
    try:
        return subprocess.run(command, env=env, check=False).returncode
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""`make demo`: build the sample collection under demo/, fill its audio with the offline espeak
provider through the real CLI, and print the report and where the media went. No keys needed."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from .paths import REPO
from .sample_deck import DEMO_RULES, build_sample_collection


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "demo")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    collection = out / "collection.anki2"
    config = out / "config.json"

    ids = build_sample_collection(collection)
    config.write_text(json.dumps({"rules": DEMO_RULES}, indent=2) + "\n", encoding="utf-8")
    print(f"Sample collection: {collection} ({sum(map(len, ids.values()))} notes, {len(ids)} note types)")
    print(f"Demo config:       {config}")
    print("Filling audio with espeak-ng (offline)…")
    command = [
        sys.executable,
        "-m",
        "addon",
        "fill",
        "--collection",
        str(collection),
        "--search",
        "deck:*",
        "--config",
        str(config),
    ]
    completed = subprocess.run(command, cwd=REPO, check=False)
    if completed.returncode not in (0, 1):
        return completed.returncode
    media = sorted((out / "collection.media").glob("*"))
    print(f"Media folder:      {out / 'collection.media'} ({len(media)} files)")
    for path in media[:5]:
        print(f"  {path.name}  ({path.stat().st_size} bytes)")
    if len(media) > 5:
        print(f"  … and {len(media) - 5} more")
    python = Path(sys.executable)
    python = python.relative_to(REPO) if python.is_relative_to(REPO) else python
    print("Fill the same collection again (every note now has audio, so all are skipped):")
    print(f"  {python} -m addon fill --collection {collection} --search 'deck:*' --config {config}")
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())

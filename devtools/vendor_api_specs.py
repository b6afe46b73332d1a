"""Vendor the vendors' machine-readable API specifications into ``tests/contracts/specs/``.

Usage::

    .venv/bin/python -m devtools.vendor_api_specs --openai-git DIR --elevenlabs-git DIR [--google-wheel WHEEL]

``--openai-git`` is a git directory (a clone, or a bare mirror) of github.com/openai/openai-openapi
holding commit `OPENAI.commit`; ``--elevenlabs-git`` one of github.com/elevenlabs/elevenlabs-docs
holding `ELEVENLABS.commit`. ``--google-wheel`` is ``google_api_python_client-2.202.0-py3-none-any.whl``
(checked against its pinned SHA-256); without it the wheel is fetched with ``pip download
google-api-python-client==2.202.0 --no-deps`` into a temporary folder.

The contract tests (tests/contracts) validate what our providers send and what our fakes answer
against these documents. OpenAI's and ElevenLabs' OpenAPI documents are several megabytes, so only
the operations our providers call are kept: a mechanical subset, made here and by nothing else.
Each kept operation is the vendor's text unchanged; so is every component it reaches through
``$ref`` (followed transitively: schemas, responses, parameters, request bodies, headers, security
schemes); the document's ``openapi``, ``info``, ``servers`` and ``security`` are copied; nothing is
edited or added except one root extension, ``x-media-fill-subset``, naming the source repository,
path, commit and the operations kept. Google's discovery documents (Text-to-Speech v1 and
Speech-to-Text v1) are small and copied whole, byte for byte.

Running it twice gives the same files. tests/contracts/specs/SOURCES.md (written by hand) says
where each came from and under which licence.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import REPO

SPECS = REPO / "tests" / "contracts" / "specs"

GOOGLE_WHEEL = "google_api_python_client-2.202.0-py3-none-any.whl"
# sha256 of the wheel on PyPI (https://pypi.org/project/google-api-python-client/2.202.0/#files).
GOOGLE_WHEEL_SHA256 = "aaa90064c9bb642ff1d065b22ca8958a2cb6e345909cefe70d0e5452fc50e08b"
# Google's discovery documents copied whole: member of the wheel → file in specs/.
GOOGLE_DOCUMENTS = {
    "googleapiclient/discovery_cache/documents/texttospeech.v1.json": "texttospeech.v1.discovery.json",
    "googleapiclient/discovery_cache/documents/speech.v1.json": "speech.v1.discovery.json",
}

_COMPONENT_REF = "#/components/"


@dataclass(frozen=True)
class OpenAPISource:
    repo: str
    path: str
    commit: str
    operations: tuple[tuple[str, str], ...]
    """(method, path) of each operation kept."""
    out: str


OPENAI = OpenAPISource(
    repo="github.com/openai/openai-openapi",
    path="openapi.json",
    commit="f85dbe223d40e1a31cba812ab2d755c7e98a92a3",
    operations=(
        ("post", "/images/generations"),
        ("post", "/audio/speech"),
        ("post", "/audio/transcriptions"),
        ("get", "/models"),
        ("get", "/models/{model}"),
    ),
    out="openai.openapi.json",
)
ELEVENLABS = OpenAPISource(
    repo="github.com/elevenlabs/elevenlabs-docs",
    path="fern/apis/api/openapi.json",
    commit="3557f0b1bec8ec0233e48d03cc496f03c4396dcb",
    operations=(
        ("post", "/v1/text-to-speech/{voice_id}"),
        ("get", "/v1/voices"),
        ("get", "/v1/voices/{voice_id}"),
    ),
    out="elevenlabs.openapi.json",
)


class VendorError(Exception):
    """A source is not what this script expects."""


def _refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` string anywhere under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _component(document: dict[str, Any], ref: str) -> tuple[str, str]:
    if not ref.startswith(_COMPONENT_REF):
        raise VendorError(f"a $ref this script does not follow: {ref!r}")
    kind, _, name = ref.removeprefix(_COMPONENT_REF).partition("/")
    if "/" in name or name not in document.get("components", {}).get(kind, {}):
        raise VendorError(f"a $ref to a component the document does not have: {ref!r}")
    return kind, name


def subset(document: dict[str, Any], source: OpenAPISource) -> dict[str, Any]:
    """The operations of ``source`` with everything they reach, the vendor's text unchanged."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path in source.operations:
        item = document["paths"].get(path)
        if item is None or method not in item:
            raise VendorError(f"{source.repo}@{source.commit} has no {method.upper()} {path}")
        kept = paths.setdefault(path, {})
        if "parameters" in item:  # path-level parameters belong to every operation
            kept["parameters"] = item["parameters"]
        kept[method] = item[method]
    wanted: set[tuple[str, str]] = set()
    pending = list(_refs(paths))
    for scheme in document.get("security", []):
        pending.extend(f"{_COMPONENT_REF}securitySchemes/{name}" for name in scheme)
    for operation in (op for item in paths.values() for op in item.values() if isinstance(op, dict)):
        for scheme in operation.get("security", []):
            pending.extend(f"{_COMPONENT_REF}securitySchemes/{name}" for name in scheme)
    while pending:
        kind, name = _component(document, pending.pop())
        if (kind, name) in wanted:
            continue
        wanted.add((kind, name))
        pending.extend(_refs(document["components"][kind][name]))
    components: dict[str, dict[str, Any]] = {}
    for kind, entries in document.get("components", {}).items():
        kept_entries = {name: value for name, value in entries.items() if (kind, name) in wanted}
        if kept_entries:
            components[kind] = kept_entries
    out: dict[str, Any] = {"openapi": document["openapi"], "info": document["info"]}
    for top in ("servers", "security"):
        if top in document:
            out[top] = document[top]
    out["x-media-fill-subset"] = {
        "source": f"https://{source.repo}/blob/{source.commit}/{source.path}",
        "repository": source.repo,
        "path": source.path,
        "commit": source.commit,
        "operations": [f"{method.upper()} {path}" for method, path in source.operations],
        "made_by": "devtools/vendor_api_specs.py",
    }
    out["paths"] = paths
    out["components"] = components
    return out


def _git_show(git_dir: Path, source: OpenAPISource) -> dict[str, Any]:
    text = subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{source.commit}:{source.path}"],
        check=True,
        capture_output=True,
    ).stdout
    document: dict[str, Any] = json.loads(text)
    return document


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _google_wheel(given: Path | None, work: Path) -> Path:
    if given is None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--dest",
                str(work),
                "google-api-python-client==2.202.0",
            ],
            check=True,
        )
        given = work / GOOGLE_WHEEL
    digest = hashlib.sha256(given.read_bytes()).hexdigest()
    if digest != GOOGLE_WHEEL_SHA256:
        raise VendorError(f"{given} has SHA-256 {digest}, not the pinned {GOOGLE_WHEEL_SHA256}")
    return given


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openai-git", type=Path, required=True)
    parser.add_argument("--elevenlabs-git", type=Path, required=True)
    parser.add_argument("--google-wheel", type=Path)
    args = parser.parse_args(argv)
    SPECS.mkdir(parents=True, exist_ok=True)
    for source, git_dir in ((OPENAI, args.openai_git), (ELEVENLABS, args.elevenlabs_git)):
        _write_json(SPECS / source.out, subset(_git_show(git_dir, source), source))
    with tempfile.TemporaryDirectory() as work:
        wheel = _google_wheel(args.google_wheel, Path(work))
        with zipfile.ZipFile(wheel) as archive:
            for member, out in GOOGLE_DOCUMENTS.items():
                (SPECS / out).write_bytes(archive.read(member))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

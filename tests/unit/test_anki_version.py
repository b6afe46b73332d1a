"""Which Anki versions Media Fill starts on, and what the user of an older one reads instead of a
traceback."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from addon.anki_version import MIN_POINT_VERSION, refusal, running_point_version, version_text

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("point", "text"),
    [
        (66, "2.1.66"),
        (231000, "23.10"),
        (250700, "25.07"),
        (250705, "25.07.5"),
        (250905, "25.09.5"),
        (260903, "26.09.3"),
    ],
)
def test_point_versions_read_as_anki_shows_them(point: int, text: str) -> None:
    assert version_text(point) == text


@pytest.mark.parametrize("point", [250700, 250705, 250905, 260903, 270100])
def test_every_release_from_25_07_on_is_supported(point: int) -> None:
    assert refusal(point_version=point, python=(3, 13)) is None


def test_an_older_anki_is_told_what_to_do() -> None:
    message = refusal(point_version=250207, python=(3, 9))
    assert message is not None
    assert message.startswith("Media Fill needs Anki 25.07 or newer, and this is Anki 25.02.7.")
    assert "https://apps.ankiweb.net" in message and "Tools → Add-ons" in message


def test_an_old_python_is_named_even_on_a_new_anki() -> None:
    message = refusal(point_version=260903, python=(3, 9))
    assert message is not None and "Python 3.10 or newer" in message and "Python 3.9" in message


def test_the_running_anki_is_read() -> None:
    assert running_point_version() >= MIN_POINT_VERSION


def test_the_manifest_asks_anki_for_the_same_minimum() -> None:
    manifest = json.loads((REPO / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["min_point_version"] == MIN_POINT_VERSION
    assert "max_point_version" not in manifest


@pytest.mark.parametrize("name", ["__init__.py", "anki_version.py"])
def test_what_an_old_anki_imports_first_is_python_3_9(name: str) -> None:
    """Python 3.9 (Anki before 25.07) must be able to read these two files to show the message."""
    source = (REPO / "addon" / name).read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 9))
    tree = ast.parse(source)
    relative = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
    assert relative <= {"anki_version", "ui"}, relative

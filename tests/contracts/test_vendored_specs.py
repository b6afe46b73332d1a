"""The vendored documents (tests/contracts/specs) are what devtools/vendor_api_specs.py says they are."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devtools.vendor_api_specs import ELEVENLABS, OPENAI, OpenAPISource, subset
from tests.contracts import checker


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [ref for key, value in node.items() for ref in ([value] if key == "$ref" else _refs(value))]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


@pytest.mark.parametrize(("api", "source"), [(checker.OPENAI, OPENAI), (checker.ELEVENLABS, ELEVENLABS)])
def test_each_openapi_subset_names_its_source_and_is_whole(api: str, source: OpenAPISource) -> None:
    document = checker.openapi_document(api)
    recorded = document["x-media-fill-subset"]
    assert (recorded["repository"], recorded["path"], recorded["commit"]) == (source.repo, source.path, source.commit)
    kept = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert kept == set(recorded["operations"])
    for ref in _refs(document):  # every $ref resolves inside the subset
        kind, name = ref.removeprefix("#/components/").split("/")
        assert name in document["components"][kind], ref
    checker._openapi(api)  # openapi-core validates the document itself as it loads it


def test_the_speech_to_text_document_is_googles_discovery_document_with_recognize() -> None:
    discovery = checker.google_discovery(checker.GOOGLE_STT)
    assert (discovery.document["kind"], discovery.document["id"]) == ("discovery#restDescription", "speech:v1")
    assert {m.id for m in discovery.methods} >= {"speech.speech.recognize"}


def test_a_repair_of_a_vendors_document_is_in_memory_only() -> None:
    """The vendored file keeps the vendor's defect (a string with ``"default": []``); the loaded
    document has it dropped, so openapi-core accepts it."""
    raw = checker.openapi_document(checker.OPENAI)["components"]["schemas"]["TranscriptionInclude"]
    assert raw["default"] == []
    repaired = checker._repaired(checker.OPENAI, checker.openapi_document(checker.OPENAI))
    assert "default" not in repaired["components"]["schemas"]["TranscriptionInclude"]


def test_the_google_document_is_the_text_to_speech_discovery_document() -> None:
    document = checker.google_discovery().document
    assert (document["kind"], document["id"]) == ("discovery#restDescription", "texttospeech:v1")
    assert {m.id for m in checker.google_discovery().methods} >= {
        "texttospeech.text.synthesize",
        "texttospeech.voices.list",
    }


def test_the_subset_keeps_the_operations_and_what_they_reach_unchanged_and_nothing_else() -> None:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "security": [{"Key": []}],
        "paths": {
            "/a": {"post": {"requestBody": {"$ref": "#/components/requestBodies/A"}, "responses": {}}},
            "/b": {"get": {"responses": {"200": {"description": "x"}}}},
        },
        "components": {
            "requestBodies": {"A": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}},
            "schemas": {"A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}}, "B": {}, "Unused": {}},
            "securitySchemes": {"Key": {"type": "apiKey", "in": "header", "name": "k"}, "Other": {}},
        },
    }
    source = OpenAPISource(repo="example.com/x", path="x.json", commit="0" * 40, operations=(("post", "/a"),), out="")
    out = subset(json.loads(json.dumps(document)), source)
    assert out["paths"] == {"/a": document["paths"]["/a"]}
    assert out["components"] == {
        "requestBodies": document["components"]["requestBodies"],
        "schemas": {"A": document["components"]["schemas"]["A"], "B": {}},
        "securitySchemes": {"Key": document["components"]["securitySchemes"]["Key"]},
    }
    assert out["x-media-fill-subset"]["operations"] == ["POST /a"]

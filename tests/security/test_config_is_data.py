"""Config is data, never executed (issue 9).

Statically: nothing under ``addon/`` (vendored code included) calls ``eval``, ``exec``, ``compile`` or
``__import__``, imports a deserialiser that runs code (``pickle``, ``marshal``, ``shelve``, ``yaml``…)
or another way to run code (``runpy``, ``code``…), or formats a string that is not a literal with
``str.format`` (a config template formatted that way could read attributes: ``{text.__class__}``);
``importlib`` is imported only by ``core/provider_system/catalog.py``, the one place that loads provider classes.

At run time: a config whose values are Python code, template syntax and shell variables (as a
provider setting, a rule's prompt template, a field name) goes through ``load_config`` and a real
job (a real collection, the real ``sdwebui`` provider against its loopback fake, the real espeak).
No file appears, and every value reaches the provider as the plain text it was written as: the
prompt template is filled with the add-on's own placeholders only, one pass, nothing else.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.core.provider_system.config_loading import load_config
from tests.fakes.sdwebui_fake import RunningSdWebUI, serve_sdwebui
from tests.security.security_ast import Finding, addon_files, calls, imported_modules, parse, relative, where

# --- static ------------------------------------------------------------------------------------

CODE_RUNNERS = frozenset({"eval", "exec", "compile", "__import__", "builtins.eval", "builtins.exec"})
CODE_RUNNERS |= {"builtins.compile", "builtins.__import__"}
CODE_MODULES = frozenset(
    {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "jsonpickle", "yaml", "runpy"}
    | {"code", "codeop", "imp", "zipimport", "jinja2", "mako"}
)
IMPORTLIB_ALLOWED = frozenset({"addon/core/provider_system/catalog.py"})


def code_findings(tree: ast.Module, path: str) -> list[Finding]:
    found: list[Finding] = []
    for call, name in calls(tree):
        if name in CODE_RUNNERS:
            found.append(Finding(where(path, call), f"calls {name}"))
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("format", "format_map"):
            literal = isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)
            if not literal:
                found.append(
                    Finding(where(path, call), f"{ast.unparse(func)}(): formats a string that is not a literal")
                )
        if name is not None and name.startswith("importlib.") and path not in IMPORTLIB_ALLOWED:
            found.append(Finding(where(path, call), f"calls {name}"))
    for node, module in imported_modules(tree):
        top = module.split(".", 1)[0]
        if top in CODE_MODULES:
            found.append(Finding(where(path, node), f"imports {module}"))
        if top == "importlib" and path not in IMPORTLIB_ALLOWED:
            found.append(Finding(where(path, node), f"imports {module} outside the provider catalog"))
    return found


def test_no_addon_module_runs_code_it_did_not_ship() -> None:
    files = addon_files()
    assert any(relative(path).startswith("addon/vendor/") for path in files), "vendored code is checked too"
    found = [finding for path in files for finding in code_findings(parse(path), relative(path))]
    assert found == [], "\n".join(map(str, found))


def test_importlib_is_used_by_the_catalog_alone() -> None:
    """``api.py`` names ``importlib`` only in its docstring: an example of how *another* add-on
    reaches Media Fill's API. It imports nothing dynamically itself."""
    using = sorted(
        relative(path)
        for path in addon_files()
        if any(module.split(".")[0] == "importlib" for _, module in imported_modules(parse(path)))
    )
    assert using == ["addon/core/provider_system/catalog.py"]
    api = parse(next(path for path in addon_files() if relative(path) == "addon/api.py"))
    assert "importlib" in (ast.get_docstring(api) or "")
    assert all(module.split(".")[0] != "importlib" for _, module in imported_modules(api))


@pytest.mark.parametrize(
    "code",
    [
        "eval(value)",
        "exec(source)",
        "compile(source, 'x', 'exec')",
        "__import__(name)",
        "import builtins\nbuiltins.eval(x)",
        "import pickle\npickle.loads(data)",
        "from marshal import loads",
        "import yaml\nyaml.load(text)",
        "import shelve",
        "import runpy\nrunpy.run_path(p)",
        "template.format(text=text)",
        "rule.image_prompt.format_map(fields)",
        "import importlib\nimportlib.import_module(name)",
    ],
)
def test_the_static_check_finds_each_way_to_run_code(code: str) -> None:
    assert code_findings(ast.parse(code), "addon/core/engine/planner.py") != []


def test_the_static_check_leaves_ordinary_code_alone() -> None:
    code = "import re, json\nre.compile('x')\njson.loads(s)\n'{} of {}'.format(a, b)\npattern.sub(f, template)"
    assert code_findings(ast.parse(code), "addon/core/engine/planner.py") == []


# --- at run time -------------------------------------------------------------------------------

NOTE_TYPE = "Code Words"
CODE_FIELD = "__import__('os').system('touch PWNED')"  # a field name Anki accepts as it is
FIELDS = ["Word", CODE_FIELD, "Picture", "Audio"]


def _payloads(folder: Path) -> list[str]:
    """Python, template and shell syntax that would leave a file in ``folder`` (or the working
    folder) if anything evaluated it."""
    return [
        f"__import__('os').system('touch {folder}/PWNED-system')",
        f"open('{folder}/PWNED-open', 'w')",
        "__import__('pathlib').Path('PWNED-relative').touch()",
        "{{7*7}}",
        "${HOME}",
        "$(touch PWNED-shell)",
        "`touch PWNED-backtick`",
        "%(text)s",
    ]


@pytest.fixture
def sdwebui() -> Iterator[RunningSdWebUI]:
    with serve_sdwebui(samplers=("${HOME}", "Euler a")) as fake:
        yield fake


def _note_type(col: Collection) -> None:
    models = col.models
    model = models.new(NOTE_TYPE)
    for name in FIELDS:
        models.add_field(model, models.new_field(name))
    template = models.new_template("Card 1")
    template["qfmt"], template["afmt"] = "{{Word}}", "{{Picture}}{{Audio}}"
    models.add_template(model, template)
    models.add(model)
    assert [f["name"] for f in models.by_name(NOTE_TYPE)["flds"]] == FIELDS  # type: ignore[index]


def test_code_in_the_config_is_never_run_and_reaches_the_provider_as_text(
    tmp_path: Path, sdwebui: RunningSdWebUI, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # where a relative "touch PWNED" would land
    payloads = " | ".join(_payloads(work))
    template = (
        "A picture of {text}; word {Word}; code field {" + CODE_FIELD + "}; "
        "attributes {text.__class__} {text.__init__.__globals__} {0} {}; " + payloads
    )
    config = load_config(
        {
            "rules": [
                {
                    "note_type": NOTE_TYPE,
                    "source_field": CODE_FIELD,
                    "image_field": "Picture",
                    "audio_field": "Audio",
                    "image_providers": ["sdwebui"],
                    "audio_providers": ["espeak"],
                    "image_prompt": template,
                    "language": "en",
                    "mode": "skip",
                }
            ],
            "providers": {
                "image": {
                    "sdwebui": {
                        "enabled": True,
                        "base_url": sdwebui.url,
                        "retry_attempts": 0,
                        "negative_prompt": payloads,
                        "sampler_name": "${HOME}",
                    }
                }
            },
        }
    )
    assert config["rules"][0]["targets"][0]["prompt"] == template, "load_config keeps the text as written"

    (tmp_path / "profile").mkdir()
    col = Collection(str(tmp_path / "profile" / "collection.anki2"))
    try:
        _note_type(col)
        model = col.models.by_name(NOTE_TYPE)
        assert model is not None
        note = col.new_note(model)
        note["Word"] = "pear {text} {Word}"
        note[CODE_FIELD] = "apple {Word} {{7*7}} ${HOME}"
        col.add_note(note, col.decks.id("Default") or 1)  # type: ignore[arg-type]
        report = run_headless(col, [int(note.id)], config, state_dir=tmp_path / "state")
        stored = col.get_note(NoteId(note.id))
        assert (report.filled, report.failed) == (2, 0), report.errors
        assert stored["Picture"].startswith("<img") and stored["Audio"].startswith("[sound:")
        media = sorted(p.name for p in Path(col.media.dir()).iterdir())
    finally:
        col.close()

    [txt2img] = sdwebui.txt2img_requests()
    body = txt2img.json()
    source = "apple {Word} {{7*7}} ${HOME}"
    assert body["prompt"] == (
        f"A picture of {source}; word pear {{text}} {{Word}}; code field {source}; "
        "attributes {text.__class__} {text.__init__.__globals__} {0} {}; " + payloads
    ), "only {text} and field placeholders are filled, in one pass; the rest is left as written"
    assert body["negative_prompt"] == payloads
    assert body["sampler_name"] == "${HOME}"
    home = os.environ.get("HOME")
    assert not home or home not in body["prompt"], "no shell expanded ${HOME}"
    assert "49" not in body["prompt"], "no template engine computed {{7*7}}"

    made = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*PWNED*"))
    assert made == [], f"a payload ran: {made}"
    assert all("PWNED" not in name for name in media)
    assert not list(Path.cwd().glob("*PWNED*"))

"""Third-party providers load only from the module paths the user configured (issue 9).

At run time, with ``load_config``, ``ProviderRegistry`` and ``ProviderCatalog``: a provider module
that sits on ``sys.path`` but is not named under ``provider_modules`` is never imported, and a
provider class that exists in the process is not found by scanning subclasses; a value that is not
``module.path:ClassName`` (a file path, ``..module``, ``my-module:X``…) is a config error before
anything is imported; a leading dot (built-ins and add-ons' registrations) resolves inside the
add-on package only. Statically: nothing in ``addon/`` discovers providers (no entry points, no
``pkgutil``, no ``__subclasses__``, no folder listing in the catalog or the registry).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from addon.core.base.errors import ConfigError, RegistryError
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.catalog import ProviderCatalog, register_provider, unregister_provider
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.media_provider import AudioProvider, HealthReport
from addon.core.provider_system.registry import ProviderRegistry
from tests.security.security_ast import addon_files, calls, imported_modules, parse, relative

AUDIO = MediaKind.AUDIO
ECHO = {"echo_speech": "tests.support.fake_providers:EchoSpeech"}

PROVIDER_SOURCE = """
from pathlib import Path
Path({marker!r}).write_text("imported")

from addon.api import AudioProvider, HealthReport


class {cls}(AudioProvider):
    name = {name!r}
    description = "A provider module that must not be imported unless configured."

    def generate(self, request):
        raise NotImplementedError

    def test_connection(self):
        return HealthReport(self.name, True, 0.0, "ok")
"""

Plant = Callable[..., Path]


@pytest.fixture
def plant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Plant]:
    """Put a provider module (``file_name`` under a folder on ``sys.path``) that leaves a marker
    file when imported; return the marker's path. Planted modules are forgotten after the test."""
    folder = tmp_path / "on_sys_path"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    before = set(sys.modules)

    def put(file_name: str, *, cls: str = "PlantedSpeech", name: str = "planted_speech") -> Path:
        marker = tmp_path / f"imported-{file_name.replace('/', '_')}"
        path = folder / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(folder).parents:
            if parent != Path(".") and not (folder / parent / "__init__.py").exists():
                (folder / parent / "__init__.py").write_text("")
        path.write_text(PROVIDER_SOURCE.format(marker=str(marker), cls=cls, name=name), encoding="utf-8")
        return marker

    yield put
    for module in set(sys.modules) - before:
        if getattr(sys.modules[module], "__file__", None) and str(folder) in str(sys.modules[module].__file__):
            del sys.modules[module]


def _imported(module: str) -> bool:
    return module in sys.modules


# --- only what is named --------------------------------------------------------------------------


def test_a_module_on_sys_path_is_imported_only_when_provider_modules_names_it(plant: Plant) -> None:
    marker = plant("mf_unlisted_speech.py", cls="UnlistedSpeech", name="unlisted_speech")
    config = load_config({"provider_modules": {"audio": ECHO}})
    registry = ProviderRegistry(config)
    try:
        names = [info.name for info in registry.infos()]
        registry.catalog.load_all()
        registry.get(AUDIO, "espeak")
    finally:
        registry.close()
    assert "echo_speech" in names and "unlisted_speech" not in names
    assert not _imported("mf_unlisted_speech") and not marker.exists(), "an unnamed module was imported"

    # The control: named, the same module is imported (so the checks above can see an import).
    config = load_config({"provider_modules": {"audio": {"unlisted_speech": "mf_unlisted_speech:UnlistedSpeech"}}})
    assert "unlisted_speech" in [info.name for info in ProviderRegistry(config).infos()]
    assert _imported("mf_unlisted_speech") and marker.exists()


class ExistingSpeech(AudioProvider):
    """A provider class that exists in the process (a subclass of AudioProvider) but is registered nowhere."""

    name = "existing_speech"
    description = "Defined, imported, never registered."
    default_settings: ClassVar[dict[str, object]] = {}

    def generate(self, request: MediaRequest) -> MediaResult:
        raise NotImplementedError

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0, "ok")


def test_a_provider_class_that_is_not_registered_is_not_found_by_scanning_subclasses() -> None:
    assert ExistingSpeech in AudioProvider.__subclasses__(), "the control: a subclass scan would find it"
    catalog = ProviderCatalog()
    assert "existing_speech" not in catalog.names(AUDIO)
    registry = ProviderRegistry(load_config({}))
    assert "existing_speech" not in [info.name for info in registry.infos(AUDIO)]


# --- only what reads module.path:ClassName -------------------------------------------------------

REFUSED_TARGETS = [
    "evil-mod:PlantedSpeech",  # importlib would import evil-mod.py from sys.path
    "evil_mod:PlantedSpeech:Extra",
    "evil_mod:PlantedSpeech.attr",
    "evil_mod.:PlantedSpeech",
    "evil_mod..sub:PlantedSpeech",
    " evil_mod:PlantedSpeech",
    "evil_mod",
    "evil_mod:",
    ":PlantedSpeech",
    "..evil_mod:PlantedSpeech",
    "...evil_mod:PlantedSpeech",
    ".providers.audio.espeak:EspeakSpeech",
    "PLACEHOLDER/evil_mod.py:PlantedSpeech",  # an absolute file path
    "on_sys_path/evil_mod:PlantedSpeech",  # a relative one
    "C:\\plugins\\evil_mod.py:PlantedSpeech",
    "évil_mod:PlantedSpeech",
]


@pytest.mark.parametrize("target", REFUSED_TARGETS)
def test_a_provider_modules_value_in_another_form_is_a_config_error_and_imports_nothing(
    target: str, plant: Plant, tmp_path: Path
) -> None:
    markers = [plant("evil-mod.py"), plant("evil_mod.py"), plant("evil_mod/sub.py")]
    target = target.replace("PLACEHOLDER", str(tmp_path / "on_sys_path"))
    with pytest.raises(ConfigError) as caught:
        load_config({"provider_modules": {"audio": {"planted_speech": target}}})
    message = caught.value.message
    assert "provider_modules" in message and "module.path:ClassName" in message, message
    assert not any(marker.exists() for marker in markers), f"{target!r} was imported before it was refused"
    assert not any(_imported(name) for name in ("evil-mod", "evil_mod", "évil_mod"))


def test_the_same_module_in_the_right_form_loads(plant: Plant) -> None:
    """The control for the test above: the planted module is loadable, so a refusal is about form."""
    marker = plant("evil_mod.py")
    config = load_config({"provider_modules": {"audio": {"planted_speech": "evil_mod:PlantedSpeech"}}})
    assert "planted_speech" in [info.name for info in ProviderRegistry(config).infos(AUDIO)]
    assert marker.exists()


def test_a_registration_that_climbs_out_of_the_add_on_package_is_refused(plant: Plant) -> None:
    marker = plant("evil_mod.py")
    for target in ("..evil_mod:PlantedSpeech", "...evil_mod:PlantedSpeech", "evil-mod:PlantedSpeech"):
        with pytest.raises(RegistryError, match=re.escape("is not of the form 'module.path:ClassName'")):
            register_provider(AUDIO, "planted_speech", target)
        unregister_provider(AUDIO, "planted_speech")
    assert not marker.exists()


def test_a_leading_dot_resolves_inside_the_add_on_package_only(plant: Plant) -> None:
    """A top-level ``providers`` package on sys.path is never what ``.providers…`` means."""
    marker = plant("providers/audio/espeak.py", cls="EspeakSpeech", name="espeak")
    catalog = ProviderCatalog(builtin={AUDIO: {"espeak": ".providers.audio.espeak:EspeakSpeech"}}, third_party={})
    cls = catalog.load(AUDIO, "espeak")
    assert cls.__module__ == "addon.providers.audio.espeak"
    assert not marker.exists() and not _imported("providers")


# --- no discovery --------------------------------------------------------------------------------

DISCOVERY_CALLS = ("__subclasses__", "entry_points", "iter_entry_points", "iter_modules", "walk_packages")
LISTING_CALLS = ("iterdir", "glob", "rglob", "listdir", "scandir", "walk")
PROVIDER_SYSTEM_FILES = tuple(
    f"addon/core/provider_system/{name}.py" for name in ("catalog", "config_loading", "health_checks", "registry")
)
DISCOVERY_MODULES = ("pkgutil", "pkg_resources", "importlib.metadata", "importlib_metadata", "importlib.resources")


def test_nothing_discovers_providers() -> None:
    found: list[str] = []
    for path in addon_files():
        tree = parse(path)
        for call, name in calls(tree):
            last = name.rsplit(".", 1)[-1] if name else getattr(call.func, "attr", "")
            if last in DISCOVERY_CALLS:
                found.append(f"{relative(path)}:{call.lineno}: calls {last}")
            if relative(path) in PROVIDER_SYSTEM_FILES and last in LISTING_CALLS:
                found.append(f"{relative(path)}:{call.lineno}: lists a folder ({last})")
        for node, module in imported_modules(tree):
            if module.startswith(DISCOVERY_MODULES):
                found.append(f"{relative(path)}:{getattr(node, 'lineno', 0)}: imports {module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "__subclasses__":
                found.append(f"{relative(path)}:{node.lineno}: uses __subclasses__")
    assert sorted(set(found)) == [], "\n".join(found)


def test_importlib_import_module_is_called_by_the_catalog_alone() -> None:
    callers = sorted(
        f"{relative(path)}"
        for path in addon_files()
        for _, name in calls(parse(path))
        if name is not None and name.endswith("import_module")
    )
    assert callers == ["addon/core/provider_system/catalog.py"]

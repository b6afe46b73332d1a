"""The table of known providers, {kind: {name: "module:Class"}}, and loading their classes.

Built-in providers are listed in `BUILTIN_PROVIDERS` (module paths relative to the add-on package):
adding a provider takes one module and one line there. Nothing is scanned and ``__subclasses__`` is
never used. Modules are imported only when a provider's class is first needed, so building a
catalog (or a registry) imports no provider module.

Third-party providers come from two places, both explicit:

* another add-on calls `register_provider` (re-exported by ``api.py``), which records the class or
  "module:Class" in `THIRD_PARTY_PROVIDERS`; every catalog built afterwards includes it;
* the user's config lists module paths under ``provider_modules``.

Either way the class passes the same interface check as a built-in one, and a name already taken
is refused with `DuplicateProviderError`. A module path must read ``package.module:ClassName``
(a config's without a leading dot), which is checked before anything is imported: nothing else
(a file path, ``..module``, ``my-module``) ever reaches ``importlib``.

Thread safety: register providers and build catalogs on one thread (Anki's main thread, or the
CLI's). A built catalog may be read from several threads; class loading is guarded by a lock.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Mapping
from typing import Any

from ..base.errors import DuplicateProviderError, ProviderImportError, RegistryError, UnknownProviderError
from ..base.log import get_logger
from ..media.types import MediaKind
from .info import PROVIDER_NAME_PATTERN, ProviderInfo, check_provider_class, provider_title
from .media_provider import MediaProvider

log = get_logger(__name__)

# {kind: {name: "module:Class"}}; a leading dot means relative to the add-on package.
BUILTIN_PROVIDERS: Mapping[MediaKind, Mapping[str, str]] = {
    MediaKind.IMAGE: {
        "openai": ".providers.image.openai:OpenAIImages",
        "runware": ".providers.image.runware:RunwareImages",
        "sdwebui": ".providers.image.sdwebui:StableDiffusionWebUI",
        "wikimedia": ".providers.image.wikimedia:WikimediaCommons",
        "openverse": ".providers.image.openverse:OpenverseImages",
    },
    MediaKind.AUDIO: {
        "espeak": ".providers.audio.espeak:EspeakSpeech",
        "forvo": ".providers.audio.forvo:ForvoPronunciations",
        "openai_tts": ".providers.audio.openai_tts:OpenAISpeech",
        "google_tts": ".providers.audio.google_tts:GoogleSpeech",
        "elevenlabs": ".providers.audio.elevenlabs:ElevenLabsSpeech",
        "azure_tts": ".providers.audio.azure_tts:AzureSpeech",
        "yandex_tts": ".providers.audio.yandex_tts:YandexSpeech",
        "piper": ".providers.audio.piper:PiperSpeech",
    },
    MediaKind.TEXT: {
        "openai_stt": ".providers.text.openai_stt:OpenAITranscription",
        "google_stt": ".providers.text.google_stt:GoogleTranscription",
        "yandex_stt": ".providers.text.yandex_stt:YandexTranscription",
    },
}

ProviderTarget = str | type[MediaProvider]

# Providers registered at run time by other add-ons (see `register_provider`).
THIRD_PARTY_PROVIDERS: dict[MediaKind, dict[str, ProviderTarget]] = {kind: {} for kind in MediaKind}

_ADDON_PACKAGE = __name__.rsplit(".", 3)[0]  # addon.core.provider_system.catalog -> addon

# "module.path:ClassName" with ASCII identifiers (the form the config schema allows); one leading
# dot means relative to the add-on package, for built-ins and add-ons' registrations only. Checked
# before anything is imported: a value of another form (a file path, "evil-mod:X", "..x:Y") is
# never handed to importlib, which would import "evil-mod.py" from sys.path.
_TARGET_FORM = re.compile(r"\.?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*")


def _as_kind(kind: MediaKind | str) -> MediaKind:
    try:
        return MediaKind(kind)
    except ValueError:
        raise RegistryError(f"unknown provider kind {kind!r} (use 'image', 'audio' or 'text')") from None


def _target_text(target: ProviderTarget) -> str:
    return target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"


def _check_registration(kind: MediaKind, name: str, target: ProviderTarget) -> None:
    if not isinstance(name, str) or not PROVIDER_NAME_PATTERN.match(name):
        raise RegistryError(f"provider name {name!r} must be lower-case letters, digits and _ (start with a letter)")
    if isinstance(target, str):
        if not _TARGET_FORM.fullmatch(target):
            raise RegistryError(f"provider {name!r}: {target!r} is not of the form 'module.path:ClassName'")
    else:  # a class is checked at once, so mistakes fail when they are made
        check_provider_class(target, kind=kind, name=name, target=_target_text(target))


def register_provider(kind: MediaKind | str, name: str, provider: ProviderTarget) -> None:
    """Register a third-party provider for every catalog (and so every job) built from now on.

    ``provider`` is a `MediaProvider` subclass (checked now) or a "module.path:ClassName" string
    (checked when first loaded). Raises `DuplicateProviderError` when ``name`` is taken for that
    kind, `ProviderInterfaceError` for a class that misses the interface, `RegistryError` for a bad
    name or kind. Call it on Anki's main thread, e.g. from another add-on's ``__init__``.
    """
    media_kind = _as_kind(kind)
    if name in BUILTIN_PROVIDERS[media_kind] or name in THIRD_PARTY_PROVIDERS[media_kind]:
        raise DuplicateProviderError(f"a {media_kind.value} provider named {name!r} is already registered")
    _check_registration(media_kind, name, provider)
    THIRD_PARTY_PROVIDERS[media_kind][name] = provider


def known_title(kind: MediaKind, name: str) -> str:
    """The title users know a provider by ("Wikimedia Commons"), for text that has only its kind
    and name (a message naming a setting): a built-in's, or that of a class an add-on registered;
    the name for any other (a module is imported for a built-in only, and nothing is checked).
    Where a registry is at hand, its `ProviderInfo.title` covers every provider."""
    target = THIRD_PARTY_PROVIDERS[kind].get(name)
    if isinstance(target, type) and issubclass(target, MediaProvider):
        return provider_title(target)
    builtin = BUILTIN_PROVIDERS[kind].get(name)
    if builtin is None:
        return name
    try:
        cls = _import_target(builtin, name=name)
    except ProviderImportError:
        return name
    return provider_title(cls) if isinstance(cls, type) and issubclass(cls, MediaProvider) else name


def unregister_provider(kind: MediaKind | str, name: str) -> None:
    """Remove a provider registered with `register_provider` (no error when it is not there)."""
    THIRD_PARTY_PROVIDERS[_as_kind(kind)].pop(name, None)


class ProviderCatalog:
    """Every provider a registry may build: built-in, registered by add-ons, and configured by the
    user under ``provider_modules``. See the module docstring."""

    def __init__(
        self,
        *,
        builtin: Mapping[MediaKind, Mapping[str, str]] = BUILTIN_PROVIDERS,
        third_party: Mapping[MediaKind, Mapping[str, ProviderTarget]] | None = None,
        configured_modules: Mapping[str, Mapping[str, str]] | None = None,
        shipped_defaults: Mapping[str, Any] | None = None,
    ) -> None:
        self._targets: dict[MediaKind, dict[str, ProviderTarget]] = {kind: {} for kind in MediaKind}
        self._builtin: set[tuple[MediaKind, str]] = set()
        self._shipped = shipped_defaults or {}
        self._classes: dict[tuple[MediaKind, str], type[MediaProvider]] = {}
        self._failures: dict[tuple[MediaKind, str], RegistryError] = {}
        self._lock = threading.Lock()
        for kind, names in builtin.items():
            for name, target in names.items():
                self.add(kind, name, target)
                self._builtin.add((kind, name))
        for kind, entries in (THIRD_PARTY_PROVIDERS if third_party is None else third_party).items():
            for name, provider in entries.items():
                self.add(kind, name, provider)
        for kind_name, entries in (configured_modules or {}).items():
            for name, target in entries.items():
                if isinstance(target, str) and target.startswith("."):  # the user's modules live outside the add-on
                    raise RegistryError(
                        f"provider {name!r}: {target!r} is not of the form 'module.path:ClassName' "
                        "(a module path from the config cannot start with a dot)"
                    )
                self.add(_as_kind(kind_name), name, target)

    def add(self, kind: MediaKind, name: str, target: ProviderTarget) -> None:
        """Add one provider; raises `DuplicateProviderError` when the name is taken."""
        if name in self._targets[kind]:
            raise DuplicateProviderError(f"a {kind.value} provider named {name!r} is already registered")
        _check_registration(kind, name, target)
        self._targets[kind][name] = target

    def names(self, kind: MediaKind) -> list[str]:
        return list(self._targets[kind])

    def entries(self) -> list[tuple[MediaKind, str]]:
        return [(kind, name) for kind in MediaKind for name in self._targets[kind]]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and len(key) == 2 and key[1] in self._targets.get(key[0], {})

    def target(self, kind: MediaKind, name: str) -> str:
        return _target_text(self._lookup(kind, name))

    def is_builtin(self, kind: MediaKind, name: str) -> bool:
        return (kind, name) in self._builtin

    def _lookup(self, kind: MediaKind, name: str) -> ProviderTarget:
        try:
            return self._targets[kind][name]
        except KeyError:
            known = ", ".join(sorted(self._targets.get(kind, {}))) or "none"
            raise UnknownProviderError(
                f"unknown {kind.value} provider {name!r} (known: {known})", provider=name
            ) from None

    def load(self, kind: MediaKind, name: str) -> type[MediaProvider]:
        """The provider's class, imported on first use and checked against its interface.

        Raises `UnknownProviderError`, `ProviderImportError` or `ProviderInterfaceError`.
        """
        key = (kind, name)
        with self._lock:
            if key in self._classes:
                return self._classes[key]
            if key in self._failures:  # a broken module is imported (and logged) once, not per use
                raise self._failures[key]
            target = self._lookup(kind, name)
            try:
                obj = target if not isinstance(target, str) else _import_target(target, name=name)
                cls = check_provider_class(obj, kind=kind, name=name, target=_target_text(target))
            except RegistryError as exc:
                log.warning("%s provider %s left out: %s", kind.value, name, exc)
                self._failures[key] = exc
                raise
            self._classes[key] = cls
            return cls

    def info(self, kind: MediaKind, name: str) -> ProviderInfo:
        cls = self.load(kind, name)
        shipped = self._shipped.get("providers", {}).get(kind.value, {}).get(name, {})
        return ProviderInfo.from_class(
            cls, target=self.target(kind, name), shipped_defaults=shipped, builtin=self.is_builtin(kind, name)
        )

    def load_all(self) -> tuple[list[ProviderInfo], dict[tuple[MediaKind, str], RegistryError]]:
        """Every provider's info; those that fail to load (logged once, by `load`) are returned
        apart, so one broken provider never stops the others."""
        infos: list[ProviderInfo] = []
        failures: dict[tuple[MediaKind, str], RegistryError] = {}
        for kind, name in self.entries():
            try:
                infos.append(self.info(kind, name))
            except RegistryError as exc:
                failures[(kind, name)] = exc
        return infos, failures


def _import_target(target: str, *, name: str) -> object:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name, package=_ADDON_PACKAGE if module_name.startswith(".") else None)
    except Exception as exc:  # any import-time failure of a provider module is that provider's problem
        log.exception("provider %s: importing %s failed", name, module_name)
        raise ProviderImportError(
            f"could not be loaded: importing {module_name} failed ({type(exc).__name__}: {exc})", provider=name
        ) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ProviderImportError(f"could not be loaded: {module_name} has no {attr}", provider=name) from None

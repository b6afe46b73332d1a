"""The provider catalog: built-in providers load and describe themselves; unknown names, modules that
fail to import and classes that miss the interface are refused with their own error classes; taken
names are refused; `register_provider` checks a class at once."""

from __future__ import annotations

import copy
import json
from typing import Any, ClassVar

import jsonschema
import pytest

from addon import api
from addon.core.base.errors import (
    DuplicateProviderError,
    ProviderImportError,
    ProviderInterfaceError,
    RegistryError,
    UnknownProviderError,
)
from addon.core.config.files import load_default_config
from addon.core.media.types import MediaKind
from addon.core.provider_system.catalog import (
    BUILTIN_PROVIDERS,
    THIRD_PARTY_PROVIDERS,
    ProviderCatalog,
    ProviderTarget,
    known_title,
    register_provider,
    unregister_provider,
)
from addon.core.provider_system.info import ProviderInfo, ProviderLimits, check_provider_class
from addon.core.provider_system.media_provider import GENERIC_DEFAULTS, MediaProvider
from tests.support.fake_providers import EchoSpeech, HalfProvider, NotAProvider, QuietPictures
from tests.support.registrations import Register

AUDIO, IMAGE = MediaKind.AUDIO, MediaKind.IMAGE
BUILTIN_AUDIO = list(BUILTIN_PROVIDERS[AUDIO])
BUILTINS = [(kind, name) for kind, names in BUILTIN_PROVIDERS.items() for name in names]
LIMIT_KEYS = ("requests_per_minute", "max_concurrency", "timeout_s", "retry_attempts", "price_per_request")


def configured(**audio: str) -> ProviderCatalog:
    """A catalog with the built-ins plus ``audio`` providers named by module path, as in the
    config's ``provider_modules``."""
    return ProviderCatalog(third_party={}, configured_modules={"audio": audio})


# Classes that miss the interface in one way each.


class BadSchemaSpeech(EchoSpeech):
    name = "bad_schema_speech"
    settings_schema: ClassVar[dict[str, Any]] = {"voice": {"type": "nonsense"}}


class SharedKeySpeech(EchoSpeech):
    name = "shared_key_speech"
    settings_schema: ClassVar[dict[str, Any]] = {"enabled": {"type": "string"}, "voice": {"type": "string"}}


class BadDefaultsSpeech(EchoSpeech):
    name = "bad_defaults_speech"
    default_settings: ClassVar[dict[str, Any]] = {"voice": 5}


class UnknownDefaultKeySpeech(EchoSpeech):
    name = "unknown_default_key_speech"
    default_settings: ClassVar[dict[str, Any]] = {"voice": "anna", "colour": "red"}


class UndescribedSpeech(EchoSpeech):
    name = "undescribed_speech"
    description = "   "


class OtherSpeech(EchoSpeech):
    name = "other_speech"


class TitledSpeech(EchoSpeech):
    name = "titled_speech"
    title = "  Titled Speech  "


class NumberTitledSpeech(EchoSpeech):
    name = "number_titled_speech"
    title = 7  # type: ignore[assignment]


# Built-in providers


@pytest.mark.parametrize(("kind", "name"), BUILTINS, ids=[f"{k.value}:{n}" for k, n in BUILTINS])
def test_every_builtin_provider_loads_and_passes_the_interface_check(kind: MediaKind, name: str) -> None:
    catalog = ProviderCatalog(third_party={})
    cls = catalog.load(kind, name)
    assert issubclass(cls, MediaProvider)
    assert cls.name == name
    assert cls.kind is kind
    assert check_provider_class(cls, kind=kind, name=name, target=catalog.target(kind, name)) is cls
    assert catalog.is_builtin(kind, name)
    assert catalog.load(kind, name) is cls, "a loaded class is kept"


@pytest.mark.parametrize(("kind", "name"), BUILTINS, ids=[f"{k.value}:{n}" for k, n in BUILTINS])
def test_builtin_provider_info_describes_it_with_the_shipped_limits(kind: MediaKind, name: str) -> None:
    shipped = load_default_config()
    catalog = ProviderCatalog(third_party={}, shipped_defaults=shipped)
    info = catalog.info(kind, name)
    assert isinstance(info, ProviderInfo)
    assert (info.name, info.kind, info.builtin) == (name, kind, True)
    assert info.description.strip()
    assert info.target == catalog.target(kind, name)

    schema = info.config_schema
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert {"enabled", "timeout_s", "max_concurrency", "requests_per_minute"} <= set(schema["properties"])

    slice_ = shipped["providers"][kind.value][name]
    jsonschema.validate(slice_, schema)  # the shipped slice is valid for the provider's own schema
    expected = {**GENERIC_DEFAULTS, "max_concurrency": catalog.load(kind, name).default_max_concurrency, **slice_}
    assert info.default_limits == ProviderLimits.from_settings(expected)
    for key in LIMIT_KEYS:
        if key in slice_:
            assert getattr(info.default_limits, key) == slice_[key], f"{key} is not the shipped value"


def test_espeak_limits_come_from_config_json_not_the_generic_defaults() -> None:
    shipped = load_default_config()
    info = ProviderCatalog(third_party={}, shipped_defaults=shipped).info(AUDIO, "espeak")
    espeak = shipped["providers"]["audio"]["espeak"]
    assert espeak["requests_per_minute"] != GENERIC_DEFAULTS["requests_per_minute"]
    assert info.default_limits.requests_per_minute == espeak["requests_per_minute"]
    assert info.default_limits.retry_attempts == espeak["retry_attempts"]
    assert info.default_settings["binary"] == espeak["binary"]


@pytest.mark.parametrize(("kind", "name"), BUILTINS, ids=[f"{k.value}:{n}" for k, n in BUILTINS])
def test_provider_info_to_json_is_json(kind: MediaKind, name: str) -> None:
    info = ProviderCatalog(third_party={}, shipped_defaults=load_default_config()).info(kind, name)
    data = json.loads(json.dumps(info.to_json()))
    assert data["name"] == name
    assert data["kind"] == kind.value
    assert data["builtin"] is True
    assert data["description"] == info.description
    assert set(data["default_limits"]) == set(LIMIT_KEYS)
    assert data["capabilities"]["needs_key"] is info.needs_key


def test_third_party_info_takes_limits_from_its_class_defaults() -> None:
    info = configured(echo_speech="tests.support.fake_providers:EchoSpeech").info(AUDIO, "echo_speech")
    assert info.builtin is False
    assert info.target == "tests.support.fake_providers:EchoSpeech"
    assert info.needs_key
    assert info.default_limits.timeout_s == 5  # EchoSpeech.default_settings
    assert info.default_limits.max_concurrency == 2
    assert info.default_limits.retry_attempts == GENERIC_DEFAULTS["retry_attempts"]
    assert {"voice", "api_key", "api_key_env", "base_url"} <= set(info.config_schema["properties"])
    assert json.loads(json.dumps(info.to_json()))["capabilities"]["http"] is True


def test_building_a_catalog_loads_no_class() -> None:
    catalog = configured(broken="tests.support.broken_provider_module:Broken")
    assert catalog.names(AUDIO) == [*BUILTIN_AUDIO, "broken"]
    assert (AUDIO, "broken") in catalog
    assert (IMAGE, "broken") not in catalog


# Unknown names and modules that fail


def test_unknown_name_lists_the_known_ones() -> None:
    catalog = configured(echo_speech="tests.support.fake_providers:EchoSpeech")
    with pytest.raises(UnknownProviderError) as excinfo:
        catalog.load(AUDIO, "nope")
    assert "'nope'" in excinfo.value.message
    assert "known: azure_tts, echo_speech, elevenlabs, espeak, forvo," in excinfo.value.message
    assert excinfo.value.provider == "nope"
    with pytest.raises(UnknownProviderError, match=r"known: openai, openverse, runware, sdwebui, wikimedia\)"):
        catalog.load(IMAGE, "espeak")


def test_module_that_fails_to_import_is_a_provider_import_error() -> None:
    catalog = configured(broken="tests.support.broken_provider_module:Broken")
    with pytest.raises(ProviderImportError) as excinfo:
        catalog.load(AUDIO, "broken")
    assert excinfo.value.provider == "broken"
    assert "broken_provider_module" in excinfo.value.message
    assert "RuntimeError" in excinfo.value.message
    # Still broken the next time, and still not another kind of error.
    with pytest.raises(ProviderImportError):
        catalog.info(AUDIO, "broken")


def test_module_that_does_not_exist_is_a_provider_import_error() -> None:
    with pytest.raises(ProviderImportError, match="no_such_module_here"):
        configured(ghost="no_such_module_here:Ghost").load(AUDIO, "ghost")


def test_module_without_the_attribute_is_a_provider_import_error() -> None:
    with pytest.raises(ProviderImportError) as excinfo:
        configured(echo_speech="tests.support.fake_providers:NoSuchClass").load(AUDIO, "echo_speech")
    assert "fake_providers has no NoSuchClass" in excinfo.value.message


def test_registered_string_target_that_fails_to_import(register: Register) -> None:
    register("audio", "broken", "tests.support.broken_provider_module:Broken")  # accepted: checked when loaded
    with pytest.raises(ProviderImportError, match="broken_provider_module"):
        ProviderCatalog().load(AUDIO, "broken")


def test_load_all_keeps_the_good_and_reports_the_broken() -> None:
    catalog = configured(
        broken="tests.support.broken_provider_module:Broken", echo_speech="tests.support.fake_providers:EchoSpeech"
    )
    infos, failures = catalog.load_all()
    assert [info.name for info in infos if info.kind is AUDIO] == [*BUILTIN_AUDIO, "echo_speech"]
    assert list(failures) == [(AUDIO, "broken")]
    assert isinstance(failures[(AUDIO, "broken")], ProviderImportError)


# Classes that miss the interface


@pytest.mark.parametrize(
    ("kind", "name", "target", "expected"),
    [
        (AUDIO, "half", "tests.support.fake_providers:HalfProvider", "does not implement test_connection"),
        (AUDIO, "not_a_provider", "tests.support.fake_providers:NotAProvider", "is not a MediaProvider class"),
        (IMAGE, "echo_speech", "tests.support.fake_providers:EchoSpeech", "must subclass ImageProvider"),
        (AUDIO, "quiet_pictures", "tests.support.fake_providers:QuietPictures", "must subclass AudioProvider"),
        (
            AUDIO,
            "someone_else",
            "tests.support.fake_providers:EchoSpeech",
            "its name is 'echo_speech', registered as 'someone_else'",
        ),
    ],
    ids=["missing-method", "not-a-provider", "audio-as-image", "image-as-audio", "name-mismatch"],
)
def test_configured_class_that_misses_the_interface(kind: MediaKind, name: str, target: str, expected: str) -> None:
    catalog = ProviderCatalog(third_party={}, configured_modules={kind.value: {name: target}})
    with pytest.raises(ProviderInterfaceError) as excinfo:
        catalog.load(kind, name)
    assert expected in excinfo.value.message
    assert target in excinfo.value.message


@pytest.mark.parametrize(
    ("kind", "cls", "expected"),
    [
        (AUDIO, HalfProvider, "does not implement test_connection"),
        (AUDIO, NotAProvider, "is not a MediaProvider class"),
        (IMAGE, EchoSpeech, "must subclass ImageProvider"),
        (AUDIO, QuietPictures, "its kind is not audio"),
        (AUDIO, BadSchemaSpeech, "settings_schema is not valid JSON Schema"),
        (AUDIO, SharedKeySpeech, "redefines shared keys ['enabled']"),
        (AUDIO, BadDefaultsSpeech, "default_settings do not match its schema"),
        (AUDIO, UnknownDefaultKeySpeech, "default_settings do not match its schema"),
        (AUDIO, UndescribedSpeech, "has no description"),
        (AUDIO, NumberTitledSpeech, "its title is not a string"),
    ],
    ids=lambda v: v.value if isinstance(v, MediaKind) else getattr(v, "__name__", None),
)
def test_register_provider_checks_a_class_at_once(kind: MediaKind, cls: Any, expected: str) -> None:
    name = getattr(cls, "name", "x")
    with pytest.raises(ProviderInterfaceError) as excinfo:
        register_provider(kind, name, cls)
    assert expected in excinfo.value.message
    assert name not in THIRD_PARTY_PROVIDERS[kind], "a refused class must not be registered"


def test_register_provider_refuses_a_name_mismatch() -> None:
    with pytest.raises(ProviderInterfaceError, match="registered as 'another_name'"):
        register_provider(AUDIO, "another_name", EchoSpeech)


def test_catalog_add_checks_a_class_at_once() -> None:
    catalog = ProviderCatalog(third_party={})
    with pytest.raises(ProviderInterfaceError, match="test_connection"):
        catalog.add(AUDIO, "half", HalfProvider)
    assert "half" not in catalog.names(AUDIO)


def test_registered_string_target_is_checked_when_loaded(register: Register) -> None:
    register(AUDIO, "half", "tests.support.fake_providers:HalfProvider")  # a string cannot be checked before import
    catalog = ProviderCatalog()
    assert "half" in catalog.names(AUDIO)
    with pytest.raises(ProviderInterfaceError, match="test_connection"):
        catalog.load(AUDIO, "half")
    infos, failures = catalog.load_all()
    assert "espeak" in [i.name for i in infos]
    assert isinstance(failures[(AUDIO, "half")], ProviderInterfaceError)


# Registration


def test_registered_class_is_in_every_catalog_built_afterwards(register: Register) -> None:
    before = ProviderCatalog()
    register("audio", "echo_speech", EchoSpeech)
    after = ProviderCatalog()
    assert "echo_speech" not in before.names(AUDIO)
    assert after.names(AUDIO) == [*BUILTIN_AUDIO, "echo_speech"]
    assert after.load(AUDIO, "echo_speech") is EchoSpeech
    assert after.target(AUDIO, "echo_speech") == "tests.support.fake_providers:EchoSpeech"
    assert not after.is_builtin(AUDIO, "echo_speech")
    unregister_provider("audio", "echo_speech")
    assert "echo_speech" not in ProviderCatalog().names(AUDIO)


def test_api_reexports_registration(register: Register) -> None:
    assert api.register_provider is register_provider
    assert api.unregister_provider is unregister_provider
    api.register_provider(IMAGE, "quiet_pictures", QuietPictures)
    try:
        assert ProviderCatalog().load(IMAGE, "quiet_pictures") is QuietPictures
    finally:
        api.unregister_provider(IMAGE, "quiet_pictures")


@pytest.mark.parametrize(
    "target", [EchoSpeech, "tests.support.fake_providers:EchoSpeech", ".providers.audio.espeak:EspeakSpeech"]
)
def test_registering_a_builtin_name_is_refused(target: ProviderTarget) -> None:
    with pytest.raises(DuplicateProviderError, match="'espeak' is already registered"):
        register_provider(AUDIO, "espeak", target)
    assert "espeak" not in THIRD_PARTY_PROVIDERS[AUDIO]


def test_registering_the_same_third_party_name_twice_is_refused(register: Register) -> None:
    register(AUDIO, "echo_speech", EchoSpeech)
    with pytest.raises(DuplicateProviderError, match="'echo_speech' is already registered"):
        register(AUDIO, "echo_speech", "tests.support.fake_providers:EchoSpeech")
    assert THIRD_PARTY_PROVIDERS[AUDIO]["echo_speech"] is EchoSpeech, "the first registration stays"


def test_same_name_for_another_kind_is_a_different_provider(register: Register) -> None:
    register(AUDIO, "echo_speech", EchoSpeech)

    class ImageEcho(QuietPictures):
        name = "echo_speech"

    register(IMAGE, "echo_speech", ImageEcho)
    catalog = ProviderCatalog()
    assert catalog.load(AUDIO, "echo_speech") is EchoSpeech
    assert catalog.load(IMAGE, "echo_speech") is ImageEcho


def test_catalog_add_twice_is_refused() -> None:
    catalog = ProviderCatalog(third_party={})
    catalog.add(AUDIO, "echo_speech", EchoSpeech)
    with pytest.raises(DuplicateProviderError):
        catalog.add(AUDIO, "echo_speech", EchoSpeech)
    with pytest.raises(DuplicateProviderError):
        catalog.add(AUDIO, "espeak", "tests.support.fake_providers:EchoSpeech")
    assert catalog.names(AUDIO) == [*BUILTIN_AUDIO, "echo_speech"]


def test_configured_module_clashing_with_a_registered_one_is_refused(register: Register) -> None:
    register(AUDIO, "echo_speech", EchoSpeech)
    with pytest.raises(DuplicateProviderError):
        ProviderCatalog(configured_modules={"audio": {"echo_speech": "tests.support.fake_providers:EchoSpeech"}})
    with pytest.raises(DuplicateProviderError):
        ProviderCatalog(
            third_party={}, configured_modules={"audio": {"espeak": "tests.support.fake_providers:EchoSpeech"}}
        )


@pytest.mark.parametrize(
    "name", ["Bad Name", "BadName", "1voice", "_voice", "voice-two", "", "x" * 41], ids=lambda n: repr(n)[:12]
)
def test_bad_name_is_a_registry_error(name: str) -> None:
    with pytest.raises(RegistryError) as excinfo:
        register_provider(AUDIO, name, "tests.support.fake_providers:EchoSpeech")
    assert excinfo.type is RegistryError
    assert "lower-case letters" in str(excinfo.value)
    assert name not in THIRD_PARTY_PROVIDERS[AUDIO]
    with pytest.raises(RegistryError):
        ProviderCatalog(third_party={}).add(AUDIO, name, "tests.support.fake_providers:EchoSpeech")


@pytest.mark.parametrize(
    "target",
    [
        "nocolon",
        "tests.support.fake_providers:",
        ":EchoSpeech",
        "...:EchoSpeech",
        "tests.support.fake_providers:Echo-Speech",
        "",
    ],
)
def test_bad_target_string_is_a_registry_error(target: str) -> None:
    with pytest.raises(RegistryError) as excinfo:
        register_provider(AUDIO, "echo_speech", target)
    assert excinfo.type is RegistryError
    assert "is not of the form 'module.path:ClassName'" in str(excinfo.value)
    assert "echo_speech" not in THIRD_PARTY_PROVIDERS[AUDIO]


def test_bad_target_in_provider_modules_is_a_registry_error() -> None:
    with pytest.raises(RegistryError, match="not of the form"):
        configured(echo_speech="nocolon")


def test_unknown_kind_is_a_registry_error() -> None:
    with pytest.raises(RegistryError, match="unknown provider kind 'video'"):
        register_provider("video", "echo_speech", EchoSpeech)
    with pytest.raises(RegistryError, match="unknown provider kind 'video'"):
        unregister_provider("video", "echo_speech")
    with pytest.raises(RegistryError, match="unknown provider kind 'video'"):
        ProviderCatalog(
            third_party={}, configured_modules={"video": {"echo_speech": "tests.support.fake_providers:EchoSpeech"}}
        )


def test_unregister_of_an_unknown_name_is_quiet() -> None:
    unregister_provider(AUDIO, "never_registered")
    unregister_provider(AUDIO, "espeak")  # built-ins are not in the third-party table
    assert "espeak" in ProviderCatalog().names(AUDIO)


def test_registration_of_a_subclass_keeps_its_own_name(register: Register) -> None:
    register(AUDIO, "other_speech", OtherSpeech)
    catalog = ProviderCatalog()
    assert catalog.load(AUDIO, "other_speech") is OtherSpeech
    with pytest.raises(UnknownProviderError):
        catalog.load(AUDIO, "echo_speech")


def test_shipped_defaults_are_not_changed_by_info() -> None:
    shipped = load_default_config()
    kept = copy.deepcopy(shipped)
    catalog = ProviderCatalog(third_party={}, shipped_defaults=shipped)
    info = catalog.info(AUDIO, "espeak")
    assert shipped == kept
    assert info.default_settings is not shipped["providers"]["audio"]["espeak"]


def test_builtin_providers_are_named_alike() -> None:
    """Each built-in lives in the module (or package) named after it, and its class says what it
    makes: ``<Service><Images|Speech|…>``, never a bare ``…Provider``."""
    for kind, providers in BUILTIN_PROVIDERS.items():
        for name, target in providers.items():
            module, _, class_name = target.partition(":")
            assert module.split(".")[-1] == name, target
            assert module.startswith(f".providers.{kind.value}."), target
            assert not class_name.endswith("Provider"), target
            assert ProviderCatalog(third_party={}).load(kind, name).name == name


# Titles: what users know a provider by (issue 18, item 5)

BUILTIN_TITLES = {
    (IMAGE, "openai"): "OpenAI (pictures)",
    (IMAGE, "runware"): "Runware",
    (IMAGE, "sdwebui"): "Stable Diffusion WebUI",
    (IMAGE, "wikimedia"): "Wikimedia Commons",
    (IMAGE, "openverse"): "Openverse",
    (AUDIO, "espeak"): "eSpeak NG",
    (AUDIO, "forvo"): "Forvo",
    (AUDIO, "openai_tts"): "OpenAI (speech)",
    (AUDIO, "google_tts"): "Google Cloud TTS",
    (AUDIO, "elevenlabs"): "ElevenLabs",
    (AUDIO, "azure_tts"): "Azure Speech",
    (AUDIO, "yandex_tts"): "Yandex SpeechKit",
    (AUDIO, "piper"): "Piper",
    (MediaKind.TEXT, "openai_stt"): "OpenAI (transcription)",
    (MediaKind.TEXT, "google_stt"): "Google Cloud Speech-to-Text",
    (MediaKind.TEXT, "yandex_stt"): "Yandex SpeechKit (recognition)",
}


def test_every_builtin_provider_has_a_title_of_its_own() -> None:
    catalog = ProviderCatalog(third_party={})
    titles = {(kind, name): catalog.info(kind, name).title for kind, name in BUILTINS}
    assert titles == BUILTIN_TITLES
    assert len(set(titles.values())) == len(titles), "two providers share a title"
    for kind, name in BUILTINS:
        assert catalog.load(kind, name).title == titles[(kind, name)]
        assert known_title(kind, name) == titles[(kind, name)]
        assert catalog.info(kind, name).to_json()["title"] == titles[(kind, name)]


def test_a_provider_without_a_title_is_shown_by_its_name(register: Register) -> None:
    assert "title" not in vars(EchoSpeech), "the fake stands for a third-party class without a title"
    assert check_provider_class(EchoSpeech, kind=AUDIO, name="echo_speech", target="x:EchoSpeech") is EchoSpeech
    info = configured(echo_speech="tests.support.fake_providers:EchoSpeech").info(AUDIO, "echo_speech")
    assert info.title == "echo_speech"
    register(AUDIO, "titled_speech", TitledSpeech)
    assert ProviderCatalog().info(AUDIO, "titled_speech").title == "Titled Speech"
    assert known_title(AUDIO, "titled_speech") == "Titled Speech"
    assert known_title(AUDIO, "nobody") == "nobody"
    assert known_title(IMAGE, "espeak") == "espeak", "a name of another kind has no title here"

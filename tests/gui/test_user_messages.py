"""The sentences users read when a job or a preview stops: each names the fix, none is a traceback,
none holds a key."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import pytest
from anki.errors import DBError

from tests.support.harness import ADDON


def loaded(name: str) -> ModuleType:
    return sys.modules[f"{ADDON}.{name}"]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (lambda e: DBError("database is locked", None, None, None), ("collection is busy", "Nothing was changed")),
        (
            lambda e: e.ConfigError("rules[0].mode: 'x' is not one of"),
            ("settings need fixing", "Tools → Media Fill → Settings…"),
        ),
        (
            lambda e: e.AuthError("the key was refused (HTTP 401)", provider="openai"),
            ("openai did not accept the API key", "press Test"),
        ),
        (lambda e: e.QuotaError("insufficient_quota", provider="runware"), ("runware says", "Top it up")),
        (lambda e: e.TransientError("HTTP 503", provider="forvo"), ("forvo cannot be reached", "fallback provider")),
        (lambda e: e.ProviderUnavailableError("refused", provider="sdwebui"), ("sdwebui cannot be reached",)),
        (lambda e: OSError(28, "No space left on device"), ("No space left on device", "disk is not full")),
        (lambda e: KeyError("flds"), ("Something went wrong inside Media Fill (KeyError)", "media_fill.log")),
    ],
)
def test_each_stop_is_a_sentence_with_its_fix(addon: ModuleType, error: Any, expected: tuple[str, ...]) -> None:
    text = loaded("ui.user_messages").explain(error(loaded("core.base.errors")))
    for part in expected:
        assert part in text, text
    assert "Traceback" not in text and "\n" not in text


def test_a_key_in_an_error_never_reaches_the_user(addon: ModuleType) -> None:
    key = "sk-test-secret-for-messages-0001"
    loaded("core.base.log").remember_secrets(key)
    errors = loaded("core.base.errors")
    for exc in (errors.AuthError(f"bad key {key}", provider="openai"), RuntimeError(f"boom {key}")):
        assert key not in loaded("ui.user_messages").explain(exc)


# Settings named by their labels on the settings form (issue 18, item 5)


@pytest.mark.parametrize(
    ("message", "html", "plain"),
    [
        (
            "Check providers.image.openai.api_key (or api_key_env): the key is wrong.",
            'Check <a href="settings:image:openai:api_key">OpenAI (pictures) → API key</a> (or '
            '<a href="settings:image:openai:api_key_env">Key from environment variable</a>): the key is wrong.',
            "Check OpenAI (pictures) → API key (or Key from environment variable): the key is wrong.",
        ),
        (
            "espeak-ng was not found; install it or set providers.audio.espeak.binary.",
            'espeak-ng was not found; install it or set <a href="settings:audio:espeak:binary">eSpeak NG → Binary</a>.',
            "espeak-ng was not found; install it or set eSpeak NG → Binary.",
        ),
        (
            "add a voice to providers.audio.azure_tts.voices.es-ES <b>now</b>",
            'add a voice to <a href="settings:audio:azure_tts:voices.es-ES">Azure Speech → Voices (es-ES)</a> '
            "&lt;b&gt;now&lt;/b&gt;",
            "add a voice to Azure Speech → Voices (es-ES) <b>now</b>",
        ),
        (
            "raise budget_usd or circuit_breaker.cooldown_s",
            'raise <a href="settings:general::budget_usd">General → Budget per job (US dollars)</a> or '
            '<a href="settings:general::circuit_breaker.cooldown_s">General → Pause length (seconds)</a>',
            "raise General → Budget per job (US dollars) or General → Pause length (seconds)",
        ),
        (
            "see providers.image.sdwebui",
            'see <a href="settings:image:sdwebui">Stable Diffusion WebUI settings</a>',
            "see Stable Diffusion WebUI settings",
        ),
        ("my_budget_usd and providers.video.x stay as they are", None, None),
    ],
)
def test_key_paths_become_the_forms_labels(
    addon: ModuleType, message: str, html: str | None, plain: str | None
) -> None:
    links = loaded("ui.settings.links")
    assert links.settings_html(message) == (html if html is not None else message)
    assert links.settings_plain(message) == (plain if plain is not None else message)


def test_settings_links_read_back_into_the_place_they_name(addon: ModuleType) -> None:
    links = loaded("ui.settings.links")
    kinds = loaded("core.media.types").MediaKind
    place = links.SettingsPlace
    for href, expected in [
        ("settings:image:openai", place(kinds.IMAGE, "openai", "")),
        ("settings:audio:espeak:binary", place(kinds.AUDIO, "espeak", "binary")),
        ("settings:general::budget_usd", place(None, "", "budget_usd")),
        ("settings:video:x", None),
        ("https://example.org", None),
    ]:
        assert links.parse_settings_link(href) == expected, href
        if expected is not None:
            assert links.parse_settings_link(links.settings_link(expected)) == expected


def test_explain_names_settings_by_label_and_links_them_in_rich_text(addon: ModuleType) -> None:
    errors = loaded("core.base.errors")
    messages = loaded("ui.user_messages")
    exc = errors.AuthError("the key was refused; check providers.image.openai.api_key", provider="openai")
    assert "check OpenAI (pictures) → API key" in messages.explain(exc)
    assert "providers.image" not in messages.explain(exc)
    assert '<a href="settings:image:openai:api_key">OpenAI (pictures) → API key</a>' in messages.explain_html(exc)


def test_settings_links_name_every_builtin_provider_by_its_title(addon: ModuleType) -> None:
    """Issue 18, item 5: "OpenAI (pictures) → API key", never the registry's name."""
    links = loaded("ui.settings.links")
    catalog = loaded("core.provider_system.catalog")
    for kind, names in catalog.BUILTIN_PROVIDERS.items():
        for name in names:
            title = catalog.ProviderCatalog(third_party={}).info(kind, name).title
            assert title and title != name, f"{kind.value} provider {name} has no title"
            place = links.SettingsPlace(kind, name, "timeout_s")
            assert links.place_label(place) == f"{title} → {links.field_label('timeout_s')}"
            assert links.settings_plain(f"set providers.{kind.value}.{name}") == f"set {title} settings"
    assert links.settings_plain("set providers.image.openai.api_key") == "set OpenAI (pictures) → API key"

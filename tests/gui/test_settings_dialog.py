"""The settings window in the real Anki: how it opens, every provider's settings round-tripping
(a third-party provider's too), validation, connection tests against a fake server, migration of
old settings, and the masked key."""

from __future__ import annotations

import importlib
import json
import math
import sys
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import jsonschema
import pytest
from aqt.qt import QAction, QLabel, QLineEdit, QMenu, QPushButton, Qt, QWidget
from PyQt6.QtTest import QTest

from addon.core.config.files import config_overrides, load_default_config, merge_config, same_json
from addon.core.media.types import MediaKind
from tests.fakes.openai_fake import TEST_KEY, serve_openai
from tests.support.harness import ADDON, pump

RULES: list[dict[str, Any]] = [
    {
        "note_type": "Basic",
        "language": "en",
        "mode": "append",
        "targets": [{"field": "Back", "kind": "audio", "source": "{Front}", "providers": ["espeak"]}],
    }
]
MISSING = object()  # no value shown yet
THIRD_PARTY = "wavelet_voices"
THIRD_PARTY_SCHEMA: dict[str, Any] = {
    "voice": {"type": "string", "minLength": 1},
    "pitch_shift": {"type": "number", "minimum": -12, "maximum": 12},
    "styles": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "mood": {"enum": ["calm", "bright", "dark"]},
    "accents": {"type": "object", "additionalProperties": {"type": "string"}},
    "seed": {"type": ["integer", "null"], "minimum": 0, "maximum": 99},
    "layers": {"type": "array", "items": {"type": "object"}},
}


# Helpers


def stored(mw: Any) -> dict[str, Any]:
    return dict(mw.addonManager.addonMeta(ADDON).get("config") or {})


def open_window(addon: Any, focus: tuple[MediaKind, str] | None = None) -> Any:
    dialog = addon.controller.open_settings(focus=focus)
    assert dialog.isVisible()
    return dialog


def fields_of(dialog: Any) -> dict[str, Any]:
    return dict(dialog.fields)


def line(dialog: Any, field_id: str) -> QLineEdit:
    widget = dialog.findChild(QLineEdit, f"field:{field_id}")
    assert isinstance(widget, QLineEdit), f"no line edit for {field_id}"
    return widget


def type_into(dialog: Any, field_id: str, text: str) -> None:
    """Select what the field holds and type ``text`` over it, as a user would."""
    edit = line(dialog, field_id)
    edit.selectAll()
    qtest: Any = QTest  # PyQt6's stubs type its static methods as instance methods
    if text:
        qtest.keyClicks(edit, text)
    else:
        qtest.keyClick(edit, Qt.Key.Key_Delete)


def click(dialog: Any, name: str) -> None:
    button = dialog.findChild(QPushButton, name)
    assert isinstance(button, QPushButton), f"no button {name}"
    button.click()


def label_text(dialog: Any, name: str) -> str:
    label = dialog.findChild(QLabel, name)
    assert isinstance(label, QLabel), f"no label {name}"
    return str(label.text())


def shown_value(field: Any) -> Any:
    """What the field shows (its default when the config holds nothing), `MISSING` when empty."""
    try:
        return field.editor.read()
    except ValueError:
        return MISSING


def problems_shown(dialog: Any) -> str:
    """The window's problems (top and per field), for assertion messages."""
    fields = {fid: f.error.text() for fid, f in dialog.fields.items() if f.error.text()}
    return f"{label_text(dialog, 'settings_problems')} {fields}"


def shown_error(dialog: Any, field_id: str) -> str:
    label = dialog.findChild(QLabel, f"error:{field_id}")
    assert isinstance(label, QLabel), f"no error line for {field_id}"
    return "" if label.isHidden() else str(label.text())


# A different valid value for any schema, found generically


def schema_types(schema: Mapping[str, Any]) -> list[str]:
    raw = schema.get("type", [])
    return [raw] if isinstance(raw, str) else list(raw)


STRING_CANDIDATES = ["abc", "x", "en-US-Standard-A", "http://127.0.0.1:8765/v2", "Alpha_1", "zz", "my-project-1"]


def valid(schema: Mapping[str, Any], value: Any) -> bool:
    return jsonschema.Draft7Validator(schema).is_valid(value)


def different_value(schema: Mapping[str, Any], current: Any, check: Any = None) -> Any:
    """A value ``schema`` (and the field's own ``check``, if any) accepts that is not ``current``."""
    types = schema_types(schema)
    candidates: list[Any]
    if "enum" in schema:
        candidates = list(schema["enum"])
    elif "null" in types:
        concrete = {**schema, "type": next(t for t in types if t != "null")}
        return None if current is not None else different_value(concrete, MISSING)
    elif types == ["boolean"]:
        candidates = [not current]
    elif types in (["integer"], ["number"]):
        candidates = number_candidates(schema, integer=types == ["integer"])
    elif types == ["string"]:
        text = current if isinstance(current, str) else ""
        candidates = [text + "1", text + "x", *STRING_CANDIDATES]
    elif types == ["array"]:
        items = schema.get("items", {})
        choices = list(items["enum"]) if "enum" in items else [*STRING_CANDIDATES, {"depth": 2}, {"depth": 3}]
        good = [c for c in choices if valid(items, c) and "," not in str(c)]
        candidates = [[good[-1]], [good[0]], good[:2]]
    elif types == ["object"]:
        inner = schema.get("additionalProperties", {"type": "string"})
        values = [c for c in STRING_CANDIDATES if valid(inner, c)]
        candidates = [{key: value} for key in ("en", "de") for value in values]
    else:
        candidates = [{"anything": 1}, [1, 2]]
    for candidate in candidates:
        if valid(schema, candidate) and not same_json(candidate, current) and not (check and check(candidate)):
            return candidate
    raise AssertionError(f"no different valid value for {schema} (current {current!r})")


def number_candidates(schema: Mapping[str, Any], *, integer: bool) -> list[Any]:
    step = 1 if integer else 0.5
    low = schema.get("minimum", schema.get("exclusiveMinimum", -1000) + step)
    high = schema.get("maximum", schema.get("exclusiveMaximum", 1000) - step)
    multiple = schema.get("multipleOf")
    found: list[Any] = [low, high, (low + high) // 2 if integer else (low + high) / 4]
    if multiple:
        found = [math.ceil(low / multiple) * multiple, math.floor(high / multiple) * multiple]
    return [int(v) if integer else v for v in found]


# Fixtures


@pytest.fixture
def clean_config(mw: Any, addon: Any) -> Iterator[None]:
    """Start from the user's saved rules only; afterwards close the window and forget the settings."""
    mw.addonManager.writeConfig(ADDON, {"rules": RULES})
    yield
    window_module = sys.modules.get(f"{ADDON}.ui.settings.dialog")
    original_confirm = getattr(window_module, "confirm_discard", None)
    dialog = window_module.find_open_settings(mw) if window_module is not None else None
    if dialog is not None:
        window_module.confirm_discard = lambda parent: True  # type: ignore[union-attr]
        dialog.close()
        window_module.confirm_discard = original_confirm  # type: ignore[union-attr]
    mw.addonManager.writeConfig(ADDON, {})


@pytest.fixture
def third_party(addon: Any) -> Iterator[str]:
    """A provider another add-on registers through Media Fill's api.py, with its own schema."""
    api = importlib.import_module(f"{ADDON}.api")

    class WaveletVoices(api.AudioProvider):  # type: ignore[misc,name-defined]
        name = THIRD_PARTY
        description = "Voices from the Wavelet test server, registered by another add-on."
        capabilities = api.Capabilities(key=api.KeyUse.OPTIONAL, http=True)
        settings_schema: ClassVar[dict[str, Any]] = THIRD_PARTY_SCHEMA
        default_settings: ClassVar[dict[str, Any]] = {
            "voice": "anna",
            "mood": "calm",
            "base_url": "https://voices.example",
        }

        def generate(self, request: Any) -> Any:
            raise api.NotFoundError("nothing", provider=self.name)

        def test_connection(self) -> Any:
            return api.HealthReport(self.name, True, 0.002, "ok")

    api.register_provider("audio", THIRD_PARTY, WaveletVoices)
    try:
        yield THIRD_PARTY
    finally:
        api.unregister_provider("audio", THIRD_PARTY)


# 1. Opening


def test_tools_menu_and_the_addon_managers_config_button_open_the_one_window(
    mw: Any, addon: Any, clean_config: None
) -> None:
    menu = mw.form.menuTools.findChild(QMenu, "media_fill_menu")
    assert isinstance(menu, QMenu) and menu.menuAction() in mw.form.menuTools.actions(), "Tools → Media Fill is missing"
    assert menu.title() == "Media Fill"
    action = menu.findChild(QAction, "media_fill_settings_action")
    assert isinstance(action, QAction) and action in menu.actions(), "Tools → Media Fill → Settings… is missing"
    assert action.text() == "Settings…"
    action.trigger()
    window_module = sys.modules[f"{ADDON}.ui.settings.dialog"]
    dialog = window_module.find_open_settings(mw)
    assert dialog is not None and dialog.isVisible(), "Tools → Media Fill → Settings… opened no window"
    assert not dialog.isModal()

    mw.addonManager.configAction(ADDON)()
    assert window_module.find_open_settings(mw) is dialog, "the Config button opened a second window"
    visible = [d for d in mw.findChildren(window_module.SettingsDialog) if d.isVisible()]
    assert visible == [dialog]

    again = open_window(addon, focus=(MediaKind.AUDIO, "forvo"))
    assert again is dialog
    assert dialog.tabs.currentWidget() is dialog.kind_pages[MediaKind.AUDIO]
    assert dialog.kind_pages[MediaKind.AUDIO].current_page().info.name == "forvo"
    assert "Pictures" in [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]


# 2. Every provider's settings round-trip


def test_every_providers_settings_round_trip_and_only_overrides_are_saved(
    mw: Any, addon: Any, clean_config: None, third_party: str
) -> None:
    dialog = open_window(addon)
    click(dialog, "settings_save")
    assert not dialog.isVisible(), "saving nothing new did not close the window"
    assert stored(mw) == {"rules": RULES, "config_version": 3}, "an unchanged window saved more than the rules"

    dialog = open_window(addon)
    page = dialog.provider_page(MediaKind.AUDIO, third_party)
    for key in THIRD_PARTY_SCHEMA:
        assert dialog.findChild(QWidget, f"field:audio.{third_party}.{key}") is not None, f"{key} has no field"
    assert label_text(dialog, f"description:audio.{third_party}") == page.info.description

    expected: dict[str, Any] = {}
    for field_id, field in fields_of(dialog).items():
        value = different_value(field.spec.schema, shown_value(field), field.spec.check)
        field.set_value(value)
        expected[field_id] = value
    image_page = dialog.kind_pages[MediaKind.IMAGE]
    image_page.select(image_page.order()[-1])
    image_page.move_selected(-1)
    image_page.move_selected(-1)
    image_order = image_page.order()
    click(dialog, "settings_save")
    assert not dialog.isVisible(), f"the window did not save: {problems_shown(dialog)}"

    saved = stored(mw)
    assert saved["rules"] == RULES, "the rules were changed"
    assert saved["config_version"] == 3
    assert saved["provider_order"]["image"] == image_order
    defaults = load_default_config()
    only_changes = {**config_overrides(defaults, merge_config(defaults, saved)), "config_version": 3}
    # A paid provider switched on got a suggested budget, which the field's new value cleared: "no
    # cap" is then saved on purpose, so it is not suggested again.
    assert saved.pop("budget_usd") is None
    assert only_changes == saved, "saved more than the overrides (and the shape's version)"
    for kind in MediaKind:
        for name, settings in saved["providers"][kind.value].items():
            shipped = defaults["providers"][kind.value].get(name, {})
            for key, value in settings.items():
                assert key not in shipped or not same_json(shipped[key], value), f"{name}.{key} equals its default"
    assert saved["providers"]["audio"][third_party]["mood"] == expected[f"audio.{third_party}.mood"]

    dialog = open_window(addon)
    for field_id, field in fields_of(dialog).items():
        assert field.read() == expected[field_id], f"{field_id} did not round-trip"
    assert dialog.kind_pages[MediaKind.IMAGE].order() == image_order


# 3. Validation


def test_bad_values_are_shown_next_to_their_fields_and_nothing_is_saved(
    mw: Any, addon: Any, clean_config: None
) -> None:
    before = stored(mw)
    dialog = open_window(addon)
    type_into(dialog, "image.openai.base_url", "ftp://x")
    type_into(dialog, "image.openai.requests_per_minute", "200000")
    type_into(dialog, "image.openai.api_key_env", "1BAD NAME")
    type_into(dialog, "image.openai.timeout_s", "soon")
    type_into(dialog, "general.max_media_mb", "0")
    click(dialog, "settings_save")

    assert dialog.isVisible(), "the window closed with problems standing"
    assert stored(mw) == before, "something was saved while problems stood"
    assert "https://" in shown_error(dialog, "image.openai.base_url")
    assert "at most 100000" in shown_error(dialog, "image.openai.requests_per_minute")
    assert "environment variable" in shown_error(dialog, "image.openai.api_key_env")
    assert "Type a number" in shown_error(dialog, "image.openai.timeout_s")
    assert "above 0" in shown_error(dialog, "general.max_media_mb")
    assert shown_error(dialog, "image.openai.model") == ""
    assert "⚠" in dialog.kind_pages[MediaKind.IMAGE].item_text("openai")
    assert "⚠" not in dialog.kind_pages[MediaKind.IMAGE].item_text("runware")
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles[0].startswith("⚠ Pictures (4)") and titles[1:3] == ["Sounds", "Transcripts"]
    assert titles[3].startswith("⚠ General")
    assert "Nothing was saved" in label_text(dialog, "settings_problems")

    # once fixed, it saves
    type_into(dialog, "image.openai.base_url", "http://127.0.0.1:9/v1")
    type_into(dialog, "image.openai.requests_per_minute", "7")
    type_into(dialog, "image.openai.api_key_env", "")
    type_into(dialog, "image.openai.timeout_s", "45")
    type_into(dialog, "general.max_media_mb", "12.5")
    click(dialog, "settings_save")
    assert not dialog.isVisible(), problems_shown(dialog)
    openai = stored(mw)["providers"]["image"]["openai"]
    assert openai == {"base_url": "http://127.0.0.1:9/v1", "requests_per_minute": 7, "timeout_s": 45}
    assert stored(mw)["max_media_mb"] == 12.5


# 4. Test and Test all


def wait_for_status(app: Any, dialog: Any, page_id: str) -> str:
    pump(app, lambda: label_text(dialog, f"status:{page_id}") != "Testing…", what=f"the test of {page_id}")
    return label_text(dialog, f"status:{page_id}")


def test_test_shows_unhealthy_for_a_refused_key_and_healthy_with_latency_for_a_good_one(
    anki_app: Any, mw: Any, addon: Any, clean_config: None
) -> None:
    wrong_key = "sk-typed-but-wrong-5150"
    with serve_openai() as fake:
        dialog = open_window(addon, focus=(MediaKind.IMAGE, "openai"))
        type_into(dialog, "image.openai.base_url", fake.url)
        type_into(dialog, "image.openai.api_key", wrong_key)
        click(dialog, "test:image.openai")
        status = wait_for_status(anki_app, dialog, "image.openai")
        assert status.startswith("unhealthy:"), status
        assert "401" in status and "Incorrect API key provided" in status
        assert wrong_key not in status
        assert "unhealthy" in dialog.kind_pages[MediaKind.IMAGE].item_text("openai")
        assert stored(mw) == {"rules": RULES}, "testing saved the settings"

        type_into(dialog, "image.openai.api_key", TEST_KEY)
        click(dialog, "test:image.openai")
        status = wait_for_status(anki_app, dialog, "image.openai")
        assert status.startswith("healthy · ") and status.endswith(" ms"), status
        assert [r.path for r in fake.requests][-1] == "/v1/models/gpt-image-2"


def test_test_all_shows_a_status_for_each_enabled_provider(
    anki_app: Any, mw: Any, addon: Any, clean_config: None
) -> None:
    with serve_openai() as fake:
        dialog = open_window(addon)
        type_into(dialog, "image.openai.base_url", fake.url)
        type_into(dialog, "image.openai.api_key", TEST_KEY)
        dialog.fields["image.openai.enabled"].set_value(True)
        dialog.fields["audio.forvo.enabled"].set_value(True)  # switched on without its key
        click(dialog, "settings_test_all")
        pump(anki_app, dialog.test_all_button.isEnabled, what="Test all")

        assert wait_for_status(anki_app, dialog, "image.openai").startswith("healthy · ")
        assert wait_for_status(anki_app, dialog, "audio.espeak").startswith("healthy · ")
        forvo = wait_for_status(anki_app, dialog, "audio.forvo")
        assert forvo.startswith("unhealthy: ") and "api_key" in forvo
        assert label_text(dialog, "status:image.runware").startswith("Not tested"), "a disabled provider was tested"
        assert label_text(dialog, "settings_test_summary") == "Tested 3 providers: 2 healthy, 1 unhealthy."


# 5. Migration


OLD_CONFIG: dict[str, Any] = {
    "openai_api_key": "sk-legacy-0123456789",
    "providers": {"openai": {"model": "dall-e-3"}, "forvo": {"daily_limit": 77}},
    "rules": [
        {
            "note_type": "Basic",
            "source_field": "Front",
            "audio_field": "Back",
            "audio_provider": "espeak",
            "lang": "es",
            "overwrite": True,
            "color": "red",
        }
    ],
    "theme": "dark",
}


def leaf_values(data: Any) -> list[Any]:
    if isinstance(data, Mapping):
        return [leaf for value in data.values() for leaf in leaf_values(value)]
    if isinstance(data, list):
        return [leaf for value in data for leaf in leaf_values(value)]
    return [data]


def test_old_settings_are_shown_migrated_and_saved_as_version_3_with_nothing_lost(
    mw: Any, addon: Any, clean_config: None
) -> None:
    mw.addonManager.writeConfig(ADDON, OLD_CONFIG)
    dialog = open_window(addon)
    notice = label_text(dialog, "settings_notice")
    assert dialog.notice.isVisible()
    assert "older version" in notice
    assert "providers.openai to providers.image.openai" in notice
    assert "lang is now called language" in notice
    assert "Rule 1 (Basic): its fields are now a list of targets (a sound into Back from {Front})" in notice
    assert "rules[0].color" in notice and "theme" in notice and "legacy_settings" in notice
    assert "sk-legacy" not in notice
    assert dialog.fields["image.openai.model"].read() == "dall-e-3"
    assert dialog.fields["audio.forvo.daily_limit"].read() == 77
    assert line(dialog, "image.openai.api_key").text() == "sk-legacy-0123456789"

    click(dialog, "settings_save")
    assert not dialog.isVisible(), problems_shown(dialog)
    saved = stored(mw)
    assert saved["config_version"] == 3
    assert saved["providers"]["image"]["openai"] == {"model": "dall-e-3", "api_key": "sk-legacy-0123456789"}
    assert saved["providers"]["audio"]["openai_tts"] == {"api_key": "sk-legacy-0123456789"}
    assert saved["providers"]["audio"]["forvo"] == {"daily_limit": 77}
    assert saved["rules"] == [
        {
            "note_type": "Basic",
            "language": "es",
            "mode": "overwrite",
            "targets": [{"field": "Back", "kind": "audio", "source": "{Front}", "providers": ["espeak"]}],
        }
    ]
    assert saved["legacy_settings"] == {"rules[0].color": "red", "theme": "dark"}
    found = leaf_values(saved)
    for value in leaf_values(OLD_CONFIG):
        # overwrite: true became a mode; source_field "Front" became the source "{Front}"
        assert value in found or value is True or value == "Front", f"{value!r} was lost"
    assert "{Front}" in found
    assert "openai_api_key" not in saved and "theme" not in saved

    dialog = open_window(addon)
    assert not dialog.notice.isVisible(), "a migrated config still shows the notice"
    assert json.dumps(addon.ui.addon_config.load_addon_config(mw, addon_module=ADDON)["legacy_settings"])


# 6. The key is masked


def test_the_key_is_masked_until_show_is_pressed(mw: Any, addon: Any, clean_config: None) -> None:
    mw.addonManager.writeConfig(ADDON, {"providers": {"audio": {"elevenlabs": {"api_key": "el-secret-777"}}}})
    dialog = open_window(addon, focus=(MediaKind.AUDIO, "elevenlabs"))
    key = line(dialog, "audio.elevenlabs.api_key")
    assert key.echoMode() == QLineEdit.EchoMode.Password
    assert key.displayText() != "el-secret-777" and "el-secret" not in key.displayText()
    show = dialog.findChild(QPushButton, "show:audio.elevenlabs.api_key")
    assert isinstance(show, QPushButton) and show.text() == "Show"
    show.click()
    assert key.echoMode() == QLineEdit.EchoMode.Normal and key.displayText() == "el-secret-777"
    assert show.text() == "Hide"
    show.click()
    assert key.echoMode() == QLineEdit.EchoMode.Password
    assert line(dialog, "image.openai.api_key").echoMode() == QLineEdit.EchoMode.Password
    assert line(dialog, "image.openai.api_key_env").echoMode() == QLineEdit.EchoMode.Normal


def test_closing_with_typed_changes_asks_and_unchanged_closes_at_once(
    mw: Any, anki_app: Any, addon: Any, clean_config: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    window_module = sys.modules[f"{ADDON}.ui.settings.dialog"]
    asked: list[bool] = []
    answer = {"discard": False}

    def confirm(parent: Any) -> bool:
        asked.append(True)
        return answer["discard"]

    monkeypatch.setattr(window_module, "confirm_discard", confirm)
    dialog = open_window(addon, (MediaKind.IMAGE, "openai"))
    dialog.reject()
    assert not asked and not dialog.isVisible(), "an unchanged window closes without a question"

    dialog = open_window(addon, (MediaKind.IMAGE, "openai"))
    type_into(dialog, "image.openai.model", "gpt-image-1")
    dialog.reject()
    assert asked == [True] and dialog.isVisible(), "No keeps the window and what was typed"
    assert line(dialog, "image.openai.model").text() == "gpt-image-1"
    answer["discard"] = True
    dialog.close()
    assert asked == [True, True] and not dialog.isVisible()
    assert "providers" not in stored(mw), "closing without saving saved something"


# 7. Issue 18: settings named by their labels, Test on its own, the order, examples, a budget


def test_a_settings_link_opens_the_page_with_the_field_focused(mw: Any, addon: Any, clean_config: None) -> None:
    links = sys.modules[f"{ADDON}.ui.settings.links"]
    dialog = open_window(addon, focus=links.parse_settings_link("settings:image:openai:api_key"))
    assert dialog.tabs.currentWidget() is dialog.kind_pages[MediaKind.IMAGE]
    assert dialog.kind_pages[MediaKind.IMAGE].current_page().info.name == "openai"
    assert dialog.focusWidget() is line(dialog, "image.openai.api_key")

    # a path inside a setting focuses the setting that holds it; a General key opens General
    again = open_window(addon, focus=links.parse_settings_link("settings:audio:azure_tts:voices.es"))
    assert again is dialog and dialog.kind_pages[MediaKind.AUDIO].current_page().info.name == "azure_tts"
    assert dialog.focusWidget() is line(dialog, "audio.azure_tts.voices")
    dialog.open_link("settings:general::max_media_mb")
    assert dialog.tabs.currentWidget() is dialog.general
    assert dialog.focusWidget() is line(dialog, "general.max_media_mb")


def test_test_names_settings_by_their_labels_with_links(anki_app: Any, addon: Any, clean_config: None) -> None:
    dialog = open_window(addon, focus=(MediaKind.AUDIO, "forvo"))
    click(dialog, "test:audio.forvo")  # forvo has no key yet: the test says which setting to fill in
    status = wait_for_status(anki_app, dialog, "audio.forvo")
    assert '<a href="settings:audio:forvo:api_key">Forvo → API key</a>' in status, status
    assert "providers.audio.forvo" not in status
    assert "providers.audio" not in dialog.kind_pages[MediaKind.AUDIO].item_text("forvo")
    status_label = dialog.findChild(QLabel, "status:audio.forvo")
    assert isinstance(status_label, QLabel)
    status_label.linkActivated.emit("settings:audio:forvo:api_key")
    assert dialog.focusWidget() is line(dialog, "audio.forvo.api_key")


def test_the_provider_list_never_scrolls_sideways(anki_app: Any, addon: Any, clean_config: None) -> None:
    dialog = open_window(addon, focus=(MediaKind.IMAGE, "openai"))
    page = dialog.provider_page(MediaKind.IMAGE, "openai")
    long_reason = "unhealthy: " + "the server said something very long about this request " * 6
    page.show_check(long_reason, ok=False)
    dialog.kind_pages[MediaKind.IMAGE].refresh(page)
    providers = dialog.kind_pages[MediaKind.IMAGE].list
    providers.doItemsLayout()
    for _ in range(10):  # let the view lay its items out and settle its scroll bars
        anki_app.processEvents()
    bar = providers.horizontalScrollBar()
    assert bar is not None and not bar.isVisible(), "the provider list scrolls sideways"
    text = dialog.kind_pages[MediaKind.IMAGE].item_text("openai")
    assert text == "OpenAI (pictures) · off — unhealthy", text
    item = providers.item(providers.currentRow())
    assert item is not None and "something very long" in item.toolTip(), "the tooltip lost the full reason"


def test_test_checks_only_its_provider_whatever_other_pages_hold(
    anki_app: Any, mw: Any, addon: Any, clean_config: None
) -> None:
    with serve_openai() as fake:
        dialog = open_window(addon, focus=(MediaKind.IMAGE, "openai"))
        type_into(dialog, "general.max_media_mb", "0")  # invalid on another page
        type_into(dialog, "audio.forvo.base_url", "ftp://x")  # and on another provider's page
        type_into(dialog, "image.openai.base_url", fake.url)
        type_into(dialog, "image.openai.api_key", TEST_KEY)
        click(dialog, "test:image.openai")
        status = wait_for_status(anki_app, dialog, "image.openai")
        assert status.startswith("healthy · "), status
        assert "Nothing was saved" not in label_text(dialog, "settings_problems")
        assert not dialog.problems.isVisible()
        assert shown_error(dialog, "general.max_media_mb") == "", "Test checked another page"
        assert stored(mw) == {"rules": RULES}, "testing saved the settings"

        # its own invalid field stops it, marked under the field, without "Nothing was saved"
        type_into(dialog, "image.openai.timeout_s", "soon")
        click(dialog, "test:image.openai")
        status = label_text(dialog, "status:image.openai")
        assert status.startswith("Not tested: fix this provider's settings"), status
        assert "Type a number" in shown_error(dialog, "image.openai.timeout_s")
        assert not dialog.problems.isVisible() and "Nothing was saved" not in label_text(dialog, "settings_problems")


def test_the_sound_page_lists_providers_as_the_fill_dialog_does(addon: Any, clean_config: None) -> None:
    dialog = open_window(addon)
    order = dialog.kind_pages[MediaKind.AUDIO].order()
    assert order[0] == "espeak", order  # the one that works out of the box comes first
    registry = addon.controller._load_config(addon.controller.mw)[1]
    usable = [name for name in order if registry.setup_problem(MediaKind.AUDIO, name) is None]
    assert order[: len(usable)] == usable, "a provider that can run is listed after one that cannot"
    click(dialog, "settings_save")
    assert not dialog.isVisible() and "provider_order" not in stored(dialog.mw), "the shown order was saved"


@pytest.mark.parametrize(
    ("field_id", "example"),
    [
        ("audio.openai_tts.voice", "e.g. nova"),
        ("audio.azure_tts.voices", "es-ES-ElviraNeural"),
        ("audio.azure_tts.api_key_env", "e.g. AZURE_TTS_API_KEY"),
        ("image.openai.base_url", "e.g. https://api.openai.com/v1"),
        ("audio.espeak.binary", "e.g. espeak-ng"),
    ],
)
def test_each_providers_fields_give_an_example_for_that_provider(
    addon: Any, clean_config: None, field_id: str, example: str
) -> None:
    dialog = open_window(addon)
    assert example in dialog.fields[field_id].spec.tooltip, dialog.fields[field_id].spec.tooltip


def test_every_provider_field_that_takes_words_or_numbers_has_an_example(addon: Any, clean_config: None) -> None:
    dialog = open_window(addon)
    missing = [
        field_id
        for field_id, field in dialog.fields.items()
        if not field_id.startswith("general.")
        and field.spec.key not in ("api_key", "enabled")
        and "boolean" not in schema_types(field.spec.schema)
        and "e.g." not in field.spec.tooltip
    ]
    assert missing == []


def test_turning_on_a_paid_provider_suggests_a_budget_the_user_can_clear(
    mw: Any, addon: Any, clean_config: None
) -> None:
    dialog = open_window(addon, focus=(MediaKind.IMAGE, "openai"))
    budget = dialog.fields["general.budget_usd"]
    assert shown_value(budget) is None and not dialog.budget_notice.isVisible()
    dialog.fields["image.wikimedia.enabled"].set_value(True)  # free: no budget suggested
    assert shown_value(budget) is None and not dialog.budget_notice.isVisible()

    dialog.fields["image.openai.enabled"].set_value(True)
    assert shown_value(budget) == 5.0
    notice = label_text(dialog, "settings_budget_notice")
    assert dialog.budget_notice.isVisible() and "OpenAI (pictures) charges for each request" in notice
    assert "$5.00 per job" in notice and "No cap" in notice

    # the user clears it: it is not filled in again, and "no cap" is saved on purpose
    budget.set_value(None)
    dialog.fields["audio.openai_tts.enabled"].set_value(True)
    assert shown_value(budget) is None, "the cleared budget was filled in again"
    click(dialog, "settings_save")
    assert not dialog.isVisible(), problems_shown(dialog)
    assert stored(mw)["budget_usd"] is None and stored(mw)["providers"]["image"]["openai"] == {"enabled": True}

    dialog = open_window(addon)
    dialog.fields["image.runware.enabled"].set_value(True)
    assert shown_value(dialog.fields["general.budget_usd"]) is None, "a saved 'no cap' was overruled"
    assert not dialog.budget_notice.isVisible()


def test_a_suggested_budget_is_saved_when_kept(mw: Any, addon: Any, clean_config: None) -> None:
    dialog = open_window(addon)
    dialog.fields["audio.elevenlabs.enabled"].set_value(True)
    click(dialog, "settings_save")
    assert not dialog.isVisible(), problems_shown(dialog)
    assert stored(mw)["budget_usd"] == 5.0


def test_the_general_page_shows_the_picture_settings_within_their_bounds(
    mw: Any, addon: Any, clean_config: None
) -> None:
    dialog = open_window(addon)
    shown = {key: dialog.fields[f"general.{key}"] for key in ("image_max_px", "image_format", "image_quality")}
    assert {key: shown_value(field) for key, field in shown.items()} == {
        "image_max_px": 800,
        "image_format": "jpeg",
        "image_quality": 85,
    }
    assert shown["image_max_px"].label.text() == "Largest picture side (pixels)"
    assert "longer side" in shown["image_max_px"].editor.widget.toolTip()
    size, quality = shown["image_max_px"].editor.spin, shown["image_quality"].editor.spin
    assert (size.minimum(), size.maximum(), quality.minimum(), quality.maximum()) == (16, 16384, 1, 100)
    assert [shown["image_format"].editor.combo.itemText(i) for i in range(3)] == ["keep", "jpeg", "webp"]

    shown["image_max_px"].set_value(512)
    shown["image_format"].set_value("webp")
    click(dialog, "settings_save")
    assert not dialog.isVisible(), problems_shown(dialog)
    assert (stored(mw)["image_max_px"], stored(mw)["image_format"]) == (512, "webp")
    assert "image_quality" not in stored(mw)

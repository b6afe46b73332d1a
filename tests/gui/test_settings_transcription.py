"""The settings window's Transcripts page in the real Anki: the three transcription providers are
listed with their own settings and price per minute, and Test reaches the provider's fake over real
HTTP (openai_stt as a local whisper.cpp-style server without a key; google_stt with a key)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from aqt.qt import QLabel, QLineEdit, QPushButton, Qt, QTabWidget
from PyQt6.QtTest import QTest

from addon.core.media.types import MediaKind
from tests.fakes.google_stt_fake import TEST_KEY as GOOGLE_KEY
from tests.fakes.google_stt_fake import serve_google_stt
from tests.fakes.openai_stt_fake import serve_openai_stt
from tests.support.harness import ADDON, pump

RULES: list[dict[str, Any]] = [
    {
        "note_type": "Basic",
        "language": "en",
        "mode": "append",
        "targets": [{"field": "Back", "kind": "audio", "source": "{Front}", "providers": ["espeak"]}],
    }
]


@pytest.fixture
def clean_config(mw: Any, addon: Any) -> Iterator[None]:
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


def type_into(dialog: Any, field_id: str, text: str) -> None:
    edit = dialog.findChild(QLineEdit, f"field:{field_id}")
    assert isinstance(edit, QLineEdit), f"no line edit for {field_id}"
    edit.selectAll()
    qtest: Any = QTest
    if text:
        qtest.keyClicks(edit, text)
    else:
        qtest.keyClick(edit, Qt.Key.Key_Delete)


def press_test(app: Any, dialog: Any, page_id: str) -> str:
    button = dialog.findChild(QPushButton, f"test:{page_id}")
    assert isinstance(button, QPushButton)
    button.click()
    label = dialog.findChild(QLabel, f"status:{page_id}")
    pump(app, lambda: label.text() != "Testing…", what=f"the test of {page_id}")
    return str(label.text())


def test_the_transcripts_page_lists_the_three_providers_with_a_price_per_minute(addon: Any, clean_config: None) -> None:
    dialog = addon.controller.open_settings(focus=(MediaKind.TEXT, "openai_stt"))
    tabs = dialog.findChild(QTabWidget)
    titles = [tabs.tabText(index) for index in range(tabs.count())]
    assert "Transcripts" in titles, titles
    assert set(dialog.kind_pages[MediaKind.TEXT].order()) == {"openai_stt", "google_stt", "yandex_stt"}
    for name in ("openai_stt", "google_stt", "yandex_stt"):
        field = dialog.fields[f"text.{name}.price_per_minute"]
        assert field.spec.label == "Price per minute of sound (US dollars)"
        assert "e.g." in field.spec.tooltip
    assert "whisper.cpp" in dialog.fields["text.openai_stt.upload_format"].spec.tooltip


def test_test_reaches_a_local_transcription_server_without_a_key(anki_app: Any, addon: Any, clean_config: None) -> None:
    with serve_openai_stt(local=True) as fake:
        fake.transcript = ""
        dialog = addon.controller.open_settings(focus=(MediaKind.TEXT, "openai_stt"))
        type_into(dialog, "text.openai_stt.base_url", fake.url)
        status = press_test(anki_app, dialog, "text.openai_stt")
        assert status.startswith("healthy · "), status
        assert [form.filename for form in fake.transcription_forms()] == ["audio.wav"]


def test_test_of_google_stt_names_a_refused_key_then_passes_with_a_good_one(
    anki_app: Any, addon: Any, clean_config: None
) -> None:
    with serve_google_stt() as fake:
        fake.transcript = ""
        dialog = addon.controller.open_settings(focus=(MediaKind.TEXT, "google_stt"))
        type_into(dialog, "text.google_stt.base_url", fake.url)
        type_into(dialog, "text.google_stt.api_key", "sk-typed-but-wrong-7719")
        status = press_test(anki_app, dialog, "text.google_stt")
        assert status.startswith("unhealthy:") and "API key" in status and "sk-typed-but-wrong" not in status, status
        type_into(dialog, "text.google_stt.api_key", GOOGLE_KEY)
        status = press_test(anki_app, dialog, "text.google_stt")
        assert status.startswith("healthy · "), status
        assert [r.path for r in fake.requests] == ["/v1/speech:recognize", "/v1/speech:recognize"]


def test_turning_on_a_provider_paid_per_minute_suggests_a_budget(addon: Any, clean_config: None) -> None:
    dialog = addon.controller.open_settings(focus=(MediaKind.TEXT, "google_stt"))
    assert not dialog.budget_notice.isVisible()
    type_into(dialog, "text.google_stt.api_key", GOOGLE_KEY)
    dialog.fields["text.google_stt.enabled"].set_value(True)
    assert dialog.budget_notice.isVisible()
    assert "charges for each minute of sound (0.016 US dollars)" in dialog.budget_notice.text()

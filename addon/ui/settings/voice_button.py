"""Choose voice… on the settings page of a sound provider that lists its voices: the voice picker
for that provider, asked with the settings as typed on the page (a key typed but not yet saved
works), and the voice chosen put into the page's form (saved with Save, like anything typed):

- a provider with one default voice setting (OpenAI's ``voice``, ElevenLabs' ``voice_id``) gets
  it there;
- a provider whose voices are per language (``voices``: Google, Azure, Yandex, espeak-ng, Piper)
  gets an entry for the language typed in the picker, else the voice's own first language.

Thread safety: main thread only; the picker lists and plays on Anki's workers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aqt
from aqt.qt import QHBoxLayout, QLabel, QPushButton, QWidget

from ...core.base.errors import ConfigError
from ...core.provider_system.config_loading import load_config
from ...core.provider_system.info import ProviderInfo
from ...core.provider_system.registry import ProviderRegistry
from ..addon_config import user_files_dir
from .layout import ERROR_STYLE

if TYPE_CHECKING:
    from ..voices.picker import VoicePicker

# The settings a chosen voice can go into, the first the provider has wins.
ONE_VOICE_KEYS = ("voice", "voice_id")
PER_LANGUAGE_KEY = "voices"

# (key, default) → the page's value as typed; (key, value) → shown in the page's field.
Setting = Callable[[str, Any], Any]
SetSetting = Callable[[str, Any], None]
# The page's settings as typed, or None (the page marks its problems).
TypedSettings = Callable[[], "dict[str, Any] | None"]


def voice_sections(
    info: ProviderInfo, *, typed: TypedSettings, setting: Setting, set_setting: SetSetting
) -> list[QWidget]:
    """The Choose voice… row for ``info``'s page, or nothing when it lists no voices or has no
    setting a voice could go into."""
    properties = info.config_schema.get("properties", {})
    if not info.lists_voices or not any(key in properties for key in (*ONE_VOICE_KEYS, PER_LANGUAGE_KEY)):
        return []
    return [VoiceButton(info, typed=typed, setting=setting, set_setting=set_setting)]


class VoiceButton(QWidget):
    """The button and a line saying where the voice goes (see the module docstring)."""

    def __init__(self, info: ProviderInfo, *, typed: TypedSettings, setting: Setting, set_setting: SetSetting) -> None:
        super().__init__()
        self.info = info
        self.setObjectName(f"voice_button:{info.name}")
        self._typed, self._setting, self._set_setting = typed, setting, set_setting
        properties = info.config_schema.get("properties", {})
        self.key = next((key for key in ONE_VOICE_KEYS if key in properties), PER_LANGUAGE_KEY)
        self.picker: VoicePicker | None = None
        self.button = QPushButton("Choose voice…", self)
        self.button.setObjectName(f"choose_voice:{info.name}")
        self.button.setAutoDefault(False)
        self.button.clicked.connect(lambda _checked=False: self.open())
        where = (
            f"The voice chosen goes into {self.key}."
            if self.key != PER_LANGUAGE_KEY
            else "The voice chosen becomes the voice of the language typed in the list (Voices)."
        )
        self.note = QLabel(f"Browse {info.title}'s voices by language and gender, and hear them. {where}", self)
        self.note.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.note, 1)
        row.addWidget(self.button)

    def open(self) -> None:
        """Open the picker with the page's settings as typed."""
        settings = self._typed()
        mw = aqt.mw
        if settings is None or mw is None:
            self._problem("Fix this provider's settings marked in red first, then choose a voice.")
            return
        kind, name = self.info.kind.value, self.info.name
        try:
            registry = ProviderRegistry(load_config({"providers": {kind: {name: settings}}}))
        except ConfigError as exc:
            self._problem(f"{exc.message}; fix it on this page, then choose a voice.")
            return
        self.note.setStyleSheet("")
        from ..voices.picker import open_voice_picker  # here: the picker's messages import the settings

        current = self._setting(self.key, None)
        self.picker = open_voice_picker(
            mw,
            parent=self.window(),
            registry=lambda: registry,
            providers=[name],
            state_dir=user_files_dir(__name__, mw=mw),
            on_chosen=self._chosen,
            chosen=[current] if isinstance(current, str) else [],
        )
        self.picker.destroyed.connect(lambda _object=None: registry.close())  # its own, for this picker

    def _problem(self, text: str) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(ERROR_STYLE)

    def _chosen(self, ids: list[str]) -> None:
        picker = self.picker
        if not ids or picker is None:
            return
        if self.key != PER_LANGUAGE_KEY:
            self._set_setting(self.key, ids[0])
            return
        voice = picker.selected_voices()[0]
        language = picker.language.text().strip() or (voice.languages[0] if voice.languages else "")
        if not language:
            self._problem("This voice names no language: type the language in the list, then choose it again.")
            return
        voices = self._setting(PER_LANGUAGE_KEY, {})
        self._set_setting(PER_LANGUAGE_KEY, {**(voices if isinstance(voices, dict) else {}), language: voice.id})

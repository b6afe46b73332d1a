"""One provider's page in the settings window, generated from its config-slice schema: what it is,
its connection test, and its settings in three groups (connection, its own settings, limits).

Thread safety: Qt widgets, main thread only.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping
from typing import Any

from aqt.qt import QFormLayout, QHBoxLayout, QLabel, QPushButton, Qt, QVBoxLayout, QWidget

from ...core.config.form_fields import MISSING, FieldSpec, fill_from_fields, flatten_properties, get_at
from ...core.config.schema import url_problem
from ...core.provider_system.info import ProviderInfo
from ...core.provider_system.media_provider import KeyUse
from .help import ConfigHelp
from .labels import setting_label
from .layout import ERROR_STYLE, OK_STYLE, fill_with_scrolling
from .links import settings_html, settings_plain
from .piper_voices import piper_section
from .schema_field import SchemaField
from .voice_button import voice_sections

CONNECTION_KEYS = ("enabled", "api_key", "api_key_env", "base_url")
LIMIT_KEYS = (
    "timeout_s",
    "retry_attempts",
    "requests_per_minute",
    "max_concurrency",
    "price_per_request",
    "price_per_minute",  # transcription providers only
)
NOT_TESTED = "Not tested yet. Test checks the settings as typed here, before you save them."


class ProviderPage(QWidget):
    """The form of one provider. ``settings`` is its config slice (empty when the config has none);
    keys the slice lacks show the provider's defaults and are saved only when changed.
    ``on_test`` is called when Test is pressed; ``on_change`` when any field changes."""

    def __init__(
        self,
        info: ProviderInfo,
        *,
        settings: Mapping[str, Any],
        help: ConfigHelp,
        on_test: Callable[[ProviderPage], None],
        on_change: Callable[[ProviderPage], None],
    ) -> None:
        super().__init__()
        self.info = info
        self.page_id = f"{info.kind.value}.{info.name}"
        self.setObjectName(f"provider_page:{self.page_id}")
        self.check_text = ""  # the last test's result, shown beside the provider's name
        self.check_ok: bool | None = None
        self.fields = self._make_fields(settings, help)
        for field in self.fields:
            field.editor.on_change(lambda: self._changed(on_change))

        self.status = QLabel(NOT_TESTED)
        self.status.setObjectName(f"status:{self.page_id}")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)  # settings it names are links (`links`)
        self.test_button = QPushButton("Test")
        self.test_button.setObjectName(f"test:{self.page_id}")
        self.test_button.setAutoDefault(False)
        self.test_button.setToolTip("Make the provider's cheapest real call with the settings as typed")
        self.test_button.clicked.connect(lambda: on_test(self))
        self._lay_out()

    # Building

    def _make_fields(self, settings: Mapping[str, Any], help: ConfigHelp) -> list[SchemaField]:
        properties = self.info.config_schema.get("properties", {})
        ordered = [k for k in CONNECTION_KEYS if k in properties]
        ordered += [k for k in properties if k not in CONNECTION_KEYS and k not in LIMIT_KEYS]
        ordered += [k for k in LIMIT_KEYS if k in properties]
        fields = []
        for path, schema in flatten_properties({key: properties[key] for key in ordered}):
            key = path[-1]
            present = get_at(settings, path) is not MISSING
            value = get_at(settings, path) if present else get_at(self.info.default_settings, path)
            spec = FieldSpec(
                field_id=f"{self.page_id}.{'.'.join(path)}",
                path=path,
                schema=schema,
                label=setting_label(".".join(path)),
                help=help.provider_example(self.info, key)
                if len(path) == 1
                else help.for_provider(self.info.name, key),
                none_text="Use the default",
                check=_url_check if key == "base_url" else None,
            )
            fields.append(SchemaField(spec, value=value, present=present))
        return fields

    def _lay_out(self) -> None:
        title = QLabel(
            f"<b>{html.escape(self.info.title)}</b> · {self.info.kind.word}s"
            + ("" if self.info.builtin else " · add-on")
        )
        title.setObjectName(f"title:{self.page_id}")
        description = QLabel(self.info.description)
        description.setObjectName(f"description:{self.page_id}")
        description.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.status, 1)
        test_row.addWidget(self.test_button)

        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(title)
        column.addWidget(description)
        column.addLayout(test_row)
        groups = (
            ("Connection", [f for f in self.fields if f.spec.path[0] in CONNECTION_KEYS]),
            (
                f"{html.escape(self.info.title)} settings",
                [f for f in self.fields if f.spec.path[0] not in (*CONNECTION_KEYS, *LIMIT_KEYS)],
            ),
            ("Limits and price", [f for f in self.fields if f.spec.path[0] in LIMIT_KEYS]),
        )
        form = QFormLayout()  # one form, so the labels of every group line up
        for heading, fields in groups:
            if fields:
                form.addRow(QLabel(f"<b>{heading}</b>"))
                for field in fields:
                    form.addRow(field.label, field.widget)
        column.addLayout(form)
        for section in piper_section(
            self.info.kind.value,
            self.info.name,
            setting=lambda key, default: self._value(key, default=default),
            set_setting=self._show_value,
        ):
            column.addWidget(section)  # Piper's program and voices to download
        for section in voice_sections(
            self.info,
            typed=self._typed_settings,
            setting=lambda key, default: self._value(key, default=default),
            set_setting=self._show_value,
        ):
            column.insertWidget(3, section)  # Choose voice…, under the Test row
        column.addStretch(1)
        fill_with_scrolling(self, body)

    # State

    def field(self, key: str) -> SchemaField | None:
        return next((f for f in self.fields if f.spec.path == (key,)), None)

    def setup_status(self) -> str:
        """``off``, ``no API key yet`` or ``on``, from the form as typed."""
        if not self._value("enabled", default=self.info.default_settings.get("enabled", True)):
            return "off"
        if self.info.capabilities.key is KeyUse.REQUIRED:
            env = str(self._value("api_key_env", default="") or "")
            if not str(self._value("api_key", default="") or "").strip() and not os.environ.get(env, "").strip():
                return "no API key yet"
        return "on"

    def price_per_request(self) -> float:
        """The price per request as typed (the provider's default when it cannot be read)."""
        value = self._value("price_per_request", default=self.info.default_limits.price_per_request)
        return float(value) if isinstance(value, (int, float)) else 0.0

    def price_per_minute(self) -> float:
        """A transcription provider's price per minute of sound as typed (0 for other providers)."""
        value = self._value("price_per_minute", default=self.info.default_settings.get("price_per_minute", 0.0))
        return float(value) if isinstance(value, (int, float)) else 0.0

    def _value(self, key: str, *, default: Any) -> Any:
        field = self.field(key)
        if field is None:
            return default
        try:
            value = field.editor.read()
        except ValueError:
            return default
        return default if value is MISSING else value

    def _typed_settings(self) -> dict[str, Any] | None:
        """The page's settings as typed; None (each problem shown under its field) when not valid."""
        settings: dict[str, Any] = {}
        problems = self.fill(settings)
        for field, message in problems:
            field.show_problem(message)
        return None if problems else settings

    def _show_value(self, key: str, value: Any) -> None:
        """Show ``value`` in the field of ``key`` as if the user had typed it."""
        field = self.field(key)
        if field is not None:
            field.set_value(value)

    def fill(self, settings: dict[str, Any]) -> list[tuple[SchemaField, str]]:
        """Write the form into ``settings`` (the provider's config slice); the fields with problems."""
        return fill_from_fields(settings, self.fields)

    def show_checking(self) -> None:
        self.test_button.setEnabled(False)
        self.status.setText("Testing…")
        self.status.setStyleSheet("")

    def show_check(self, text: str, *, ok: bool | None) -> None:
        """Show a test's outcome (``ok`` None: not tested, e.g. switched off); a setting it names
        by key path is shown by its label, as a link to it."""
        self.test_button.setEnabled(True)
        self.check_text, self.check_ok = settings_plain(text), ok
        self.status.setText(settings_html(text))
        self.status.setStyleSheet(OK_STYLE if ok else ERROR_STYLE if ok is False else "")

    def _changed(self, on_change: Callable[[ProviderPage], None]) -> None:
        if self.check_text:
            self.check_text, self.check_ok = "", None
            self.status.setText("Changed since the last test.")
            self.status.setStyleSheet("")
        on_change(self)


def _url_check(value: Any) -> str | None:
    problem = url_problem(value) if isinstance(value, str) and value else None
    return f"{problem}." if problem else None

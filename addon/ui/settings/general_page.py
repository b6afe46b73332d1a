"""The General page of the settings window, generated from the general keys' schemas
(`GENERAL_PROPERTIES`): log level, budget, the saved search filled by itself, reuse of media, file
size, audio format, picture size, format and quality, the Browser shortcut, the connection test
timeout and the circuit breaker.
``rules`` and ``provider_modules`` are not edited here; ``provider_order`` is set on the kinds' pages.

Thread safety: Qt widgets, main thread only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aqt.qt import QFormLayout, QLabel, QVBoxLayout, QWidget

from ...core.config.form_fields import MISSING, FieldSpec, fill_from_fields, flatten_properties, get_at
from ...core.config.migration import LEGACY_KEY, VERSION_KEY
from ...core.config.schema import GENERAL_PROPERTIES
from .help import ConfigHelp
from .labels import setting_label
from .layout import fill_with_scrolling
from .schema_field import SchemaField

# Shown first, in this order; any other general key follows.
PREFERRED_ORDER = (
    "log_level",
    "budget_usd",
    "auto_fill_search",
    "reuse_media",
    "tag_notes",
    "max_media_mb",
    "audio_format",
    "keep_unconverted_audio",
    "image_max_px",
    "image_format",
    "image_quality",
    "shortcut",
    "editor_shortcut",
    "health_check_timeout_s",
    "circuit_breaker",
)
NOT_ON_THIS_PAGE = frozenset({"provider_modules", "provider_order", VERSION_KEY, LEGACY_KEY})
PAGE_ID = "general"
_NONE_TEXT = {"budget_usd": "No cap"}


class GeneralPage(QWidget):
    def __init__(self, config: Mapping[str, Any], *, help: ConfigHelp) -> None:
        super().__init__()
        self.setObjectName("general_page")
        keys = [k for k in PREFERRED_ORDER if k in GENERAL_PROPERTIES]
        keys += [k for k in GENERAL_PROPERTIES if k not in keys and k not in NOT_ON_THIS_PAGE]
        self.fields: list[SchemaField] = []
        for path, schema in flatten_properties({key: GENERAL_PROPERTIES[key] for key in keys}):
            dotted = ".".join(path)
            value = get_at(config, path)
            spec = FieldSpec(
                field_id=f"{PAGE_ID}.{dotted}",
                path=path,
                schema=schema,
                label=setting_label(dotted),
                help=help.for_general(dotted) or help.for_general(path[0]),
                none_text=_NONE_TEXT.get(dotted, "Not set"),
            )
            self.fields.append(SchemaField(spec, value=value, present=value is not MISSING))

        body = QWidget()
        column = QVBoxLayout(body)
        form = QFormLayout()
        for field in self.fields:
            form.addRow(field.label, field.widget)
        column.addLayout(form)
        note = QLabel(
            "Which fields each note type fills, and with which providers, is set in the Browser's "
            "Notes → Fill Media… window."
        )
        note.setWordWrap(True)
        column.addWidget(note)
        column.addStretch(1)
        fill_with_scrolling(self, body)

    def fill(self, config: dict[str, Any]) -> list[tuple[SchemaField, str]]:
        """Write the page into ``config``; the fields with problems."""
        return fill_from_fields(config, self.fields)

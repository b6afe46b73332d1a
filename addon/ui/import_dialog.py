"""Tools → Media Fill → Import Word List…: pick a CSV or JSON word list, the note type, the deck
and which column fills which field; see the first rows as they will become notes and what the
import will do (new notes, duplicates left out); create the notes in one undo entry "Import Word
List", and, if asked, go straight on to the Fill Media dialog for them.

Opening a file reads only a sample of it; the check of the whole file (a `QueryOp`) and the import
(a `CollectionOp`) run in the background and stream the file, however large.

Thread safety: main thread only.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from anki.collection import Collection, OpChanges
from aqt.main import AnkiQt
from aqt.operations import CollectionOp, QueryOp
from aqt.qt import (
    QBrush,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPalette,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)
from aqt.utils import tooltip

from ..collection.word_import import (
    ImportCheck,
    ImportOptions,
    ImportResult,
    check_import,
    import_word_list,
    resolve_mapping,
)
from ..core.base.errors import MediaFillError
from ..core.text.word_list import WordList, WordRow, open_word_list
from .note_type_setup import NoteTypeOffer
from .user_messages import explain
from .widgets import PROBLEM_STYLE

# After an import: the new notes' ids, and whether the user asked to fill them.
OnImported = Callable[[list[int], bool], None]

NOT_IMPORTED = "(not imported)"
DETECT = "Detect"
ENCODINGS = (DETECT, "utf-8", "utf-16", "cp1252", "latin-1", "shift_jis", "gb18030", "cp1251")
PREVIEW_ROWS = 10
LEFT_OUT = "Left out: the deck already has this word, or an earlier row has it; tick the box below to add it anyway."
SHORT = "Short row: it has fewer cells than the header; the missing cells are imported empty."


class ImportWordListDialog(QDialog):
    """See the module docstring; ``on_imported`` is called on the main thread after an import."""

    silentlyClose = True

    def __init__(self, mw: AnkiQt, *, on_imported: OnImported) -> None:
        super().__init__(mw)
        self.mw = mw
        self._on_imported = on_imported
        self.word_list: WordList | None = None
        self.check: ImportCheck | None = None
        self.import_result: ImportResult | None = None
        self.preview_rows: list[WordRow] = []
        self._check_generation = 0
        self.setObjectName("media_fill_import")
        self.setWindowTitle("Import Word List")
        self._build()
        self._load_collection_choices()
        self.resize(720, 640)

    # Layout

    def _build(self) -> None:
        self.file_edit = QLineEdit(self)
        self.file_edit.setObjectName("import_file")
        self.file_edit.setPlaceholderText("A CSV file with a header row, or a JSON list of objects")
        self.file_edit.editingFinished.connect(lambda: self.load_file(self.file_edit.text()))
        choose = QPushButton("Choose…", self)
        choose.setObjectName("import_choose")
        choose.clicked.connect(self._choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(choose)
        self.encoding = self._combo("import_encoding", ENCODINGS)
        self.encoding.setToolTip("Detect reads a byte-order mark or tries UTF-8, then Windows-1252")
        self.encoding.currentIndexChanged.connect(lambda _index: self.load_file(self.file_edit.text()))
        self.note_type = self._combo("import_note_type", ())
        self.note_type.currentIndexChanged.connect(lambda _index: self._note_type_chosen())
        self.deck = self._combo("import_deck", ())
        self.deck.setEditable(True)
        self.deck.setToolTip("A new deck name creates the deck")
        self.deck.currentTextChanged.connect(lambda _text: self._schedule_check())
        form = QFormLayout()
        form.addRow("Word list", file_row)
        form.addRow("Encoding", self.encoding)
        form.addRow("Note type", self.note_type)
        form.addRow("Deck", self.deck)
        self.setup_offer = NoteTypeOffer(self, self.mw, on_ready=self._load_note_types)
        form.addRow("", self.setup_offer)

        self.mapping_table = self._table("import_mapping", ["Column in the file", "Goes into field"])
        self.preview_table = self._table("import_preview", [])
        self.status = QLabel("Choose a word list.", self)
        self.status.setObjectName("import_status")
        self.status.setWordWrap(True)
        self.allow_duplicates = QCheckBox("Also add words the deck already has", self)
        self.allow_duplicates.setObjectName("import_allow_duplicates")
        self.allow_duplicates.toggled.connect(lambda _on: self._schedule_check())
        self.fill_after = QCheckBox("Fill media for the new notes afterwards", self)
        self.fill_after.setObjectName("import_fill_after")
        self.fill_after.setChecked(True)
        buttons = self._buttons()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>Columns</b>"))
        layout.addWidget(self.mapping_table)
        layout.addWidget(
            QLabel(f"<b>The first {PREVIEW_ROWS} rows as notes</b> (row 1 is the first row after the header)")
        )
        layout.addWidget(self.preview_table, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.allow_duplicates)
        layout.addWidget(self.fill_after)
        layout.addWidget(buttons)

    def _buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox(self)
        import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        assert import_button is not None
        self.import_button = import_button
        self.import_button.setObjectName("import_button")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)

        return buttons

    def _combo(self, name: str, items: tuple[str, ...]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItems(list(items))
        return combo

    def _table(self, name: str, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers), self)
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        return table

    def _load_collection_choices(self) -> None:
        col = self.mw.col
        assert col is not None
        current = col.models.current()
        self._load_note_types(str(current["name"]) if current else "")
        self.deck.blockSignals(True)
        self.deck.addItems(sorted(d.name for d in col.decks.all_names_and_ids()))
        self.deck.setCurrentText(str(col.decks.current()["name"]))
        self.deck.blockSignals(False)

    def _load_note_types(self, select: str) -> None:
        """List the collection's note types again and choose ``select`` (after one is made ready)."""
        col = self.mw.col
        assert col is not None
        names = sorted(n.name for n in col.models.all_names_and_ids())
        self.note_type.blockSignals(True)
        self.note_type.clear()
        self.note_type.addItems(names)
        if select in names:
            self.note_type.setCurrentText(select)
        self.note_type.blockSignals(False)
        self._note_type_chosen()

    def _note_type_chosen(self) -> None:
        self.setup_offer.show_for(self.note_type.currentText(), offer_ready=True)
        self._show_mapping()

    # The file

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose a word list", "", "Word lists (*.csv *.tsv *.txt *.json);;All files (*)"
        )
        if path:
            self.file_edit.setText(path)
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Open ``path`` (a sample of it), show its columns and first rows, and check it all in the
        background."""
        self.word_list = None
        self.check = None
        self._update_import()
        if not path.strip():
            return
        encoding = self.encoding.currentText()
        try:
            self.word_list = open_word_list(Path(path), encoding=None if encoding == DETECT else encoding)
        except MediaFillError as exc:
            self._show_error(str(exc))
            self.mapping_table.setRowCount(0)
            self.preview_table.setRowCount(0)
            return
        self._show_mapping()

    def _fields(self) -> list[str]:
        col = self.mw.col
        note_type = col.models.by_name(self.note_type.currentText()) if col is not None else None
        return [str(f["name"]) for f in note_type["flds"]] if note_type else []

    def _show_mapping(self) -> None:
        """One row per column of the file, with the field it goes into (columns named like a field
        start mapped to it)."""
        word_list = self.word_list
        if word_list is None:
            return
        fields = self._fields()
        try:
            guessed = resolve_mapping(word_list.columns, fields, {}, path=word_list.path.name)
        except MediaFillError:
            guessed = {}
        self.mapping_table.setRowCount(len(word_list.columns))
        for row, column in enumerate(word_list.columns):
            self.mapping_table.setItem(row, 0, QTableWidgetItem(column))
            combo = QComboBox(self.mapping_table)
            combo.setObjectName(f"map:{column}")
            combo.addItems([NOT_IMPORTED, *fields])
            combo.setCurrentText(guessed.get(column, NOT_IMPORTED))
            combo.currentIndexChanged.connect(lambda _index: self._mapping_changed())
            self.mapping_table.setCellWidget(row, 1, combo)
        self._mapping_changed()

    def mapping(self) -> dict[str, str]:
        """Column → field as chosen."""
        chosen: dict[str, str] = {}
        for row in range(self.mapping_table.rowCount()):
            column = self.mapping_table.item(row, 0)
            combo = self.mapping_table.cellWidget(row, 1)
            if column is not None and isinstance(combo, QComboBox) and combo.currentText() != NOT_IMPORTED:
                chosen[column.text()] = combo.currentText()
        return chosen

    def set_mapping(self, column: str, field: str) -> None:
        """Choose the field ``column`` goes into (``NOT_IMPORTED`` for none)."""
        for row in range(self.mapping_table.rowCount()):
            item = self.mapping_table.item(row, 0)
            combo = self.mapping_table.cellWidget(row, 1)
            if item is not None and item.text() == column and isinstance(combo, QComboBox):
                combo.setCurrentText(field)
                return
        raise KeyError(column)

    def _mapping_changed(self) -> None:
        self._show_preview()
        self._schedule_check()

    def _show_preview(self) -> None:
        word_list = self.word_list
        if word_list is None:
            return
        fields = self._fields()
        mapping = self.mapping()
        try:
            rows = word_list.preview(PREVIEW_ROWS)
        except MediaFillError as exc:
            self._show_error(str(exc))
            return
        self.preview_table.clear()
        self.preview_table.setColumnCount(len(fields))
        self.preview_table.setHorizontalHeaderLabels(fields)
        self.preview_table.setRowCount(len(rows))
        self.preview_rows = rows
        for row_index, row in enumerate(rows):
            for column, target in mapping.items():
                if target in fields:
                    item = QTableWidgetItem(row.values.get(column, ""))
                    self.preview_table.setItem(row_index, fields.index(target), item)
        self._mark_preview()

    def _mark_preview(self) -> None:
        """Number the preview's rows as messages do, and mark (once the whole file is checked) the
        rows left out as duplicates, greyed, and the short rows."""
        table, check = self.preview_table, self.check
        duplicates = set(check.duplicate_rows) if check is not None else set()
        grey = QBrush(self.palette().color(QPalette.ColorRole.PlaceholderText))
        for row_index, row in enumerate(self.preview_rows):
            left_out = row.number in duplicates
            label, tip = str(row.number), ""
            if left_out:
                label, tip = f"{row.number} (duplicate)", LEFT_OUT
            elif row.short:
                label, tip = f"{row.number} (short)", SHORT
            header = QTableWidgetItem(label)
            header.setToolTip(tip)
            table.setVerticalHeaderItem(row_index, header)
            for column in range(table.columnCount()):
                item = table.item(row_index, column)
                if item is None:
                    item = QTableWidgetItem("")
                    table.setItem(row_index, column, item)
                item.setForeground(grey if left_out else QBrush())
                item.setToolTip(tip)

    # The check of the whole file

    def options(self) -> ImportOptions:
        return ImportOptions(
            note_type=self.note_type.currentText(),
            deck=self.deck.currentText().strip(),
            mapping=self.mapping(),
            allow_duplicates=self.allow_duplicates.isChecked(),
        )

    def _schedule_check(self) -> None:
        word_list = self.word_list
        self.check = None
        self._update_import()
        if word_list is None:
            return
        options = self.options()
        if not options.deck:
            self._show_error("Choose or type the deck the notes go into.")
            return
        self._check_generation += 1
        generation = self._check_generation
        self.status.setStyleSheet("")
        self.status.setText("Reading the whole list…")
        QueryOp(
            parent=self,
            op=lambda col: check_import(col, word_list, options),
            success=lambda check: self._checked(generation, check),
        ).failure(lambda exc: self._check_failed(generation, exc)).run_in_background()

    def _checked(self, generation: int, check: ImportCheck) -> None:
        if generation != self._check_generation:
            return
        self.check = check
        self.status.setStyleSheet("")
        self.status.setText(check_text(check, deck=self.options().deck))
        self._mark_preview()
        self._update_import()

    def _check_failed(self, generation: int, exc: Exception) -> None:
        if generation == self._check_generation:
            self._show_error(str(exc) if isinstance(exc, MediaFillError) else explain(exc))

    def _show_error(self, text: str) -> None:
        self.check = None
        self.status.setStyleSheet(PROBLEM_STYLE)
        self.status.setText(f"Nothing can be imported yet: {text}")
        self._update_import()

    def _update_import(self) -> None:
        self.import_button.setEnabled(self.check is not None and self.check.to_create > 0)

    # The import

    def run_import(self) -> None:
        """Create the notes in the background; then close and hand them on."""
        word_list, check = self.word_list, self.check
        if word_list is None or check is None or not check.to_create:
            return
        options = self.options()
        fill = self.fill_after.isChecked()
        self.import_button.setEnabled(False)
        self.status.setText(f"Importing {check.to_create} notes…")

        def op(col: Collection) -> OpChanges:
            self.import_result = import_word_list(col, word_list, options)
            return self.import_result.changes

        def done(_changes: OpChanges) -> None:
            result = self.import_result
            assert result is not None
            tooltip(
                f"Imported {len(result.created)} notes into {html.escape(options.deck)}"
                f" ({result.check.duplicates} duplicates left out).",
                parent=self.mw,
            )
            self.accept()
            self._on_imported(list(result.created), fill)

        CollectionOp(self, op).success(done).failure(self._import_failed).run_in_background()

    def _import_failed(self, exc: Exception) -> None:
        text = str(exc) if isinstance(exc, MediaFillError) else explain(exc)
        self._show_error(f"{text} Nothing was imported.")


def check_text(check: ImportCheck, *, deck: str) -> str:
    """What the import will do, in a sentence or two."""
    parts = [f"{check.rows} rows: {check.to_create} new notes for {deck!r}"]
    if check.duplicates:
        rows = row_list(check.duplicate_rows, total=check.duplicates)
        parts.append(f"{check.duplicates} already in the deck or repeated, left out ({rows})")
    if check.short_rows:
        rows = row_list(check.short_row_numbers, total=check.short_rows)
        parts.append(f"{check.short_rows} short rows imported with their missing cells empty ({rows})")
    if check.empty_rows:
        parts.append(f"{check.empty_rows} empty rows skipped")
    text = "; ".join(parts) + "."
    if check.unused_columns:
        text += " Not imported: " + ", ".join(repr(c) for c in check.unused_columns) + "."
    return text


def row_list(numbers: list[int], *, total: int, shown: int = 8) -> str:
    """ "rows 3, 7 …": the first ``shown`` of ``numbers``, with "…" when ``total`` is more."""
    more = " …" if total > len(numbers[:shown]) else ""
    return f"row{'s' if total > 1 else ''} {', '.join(map(str, numbers[:shown]))}{more}"

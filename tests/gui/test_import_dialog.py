"""Tools → Media Fill → Import Word List… in the real Anki: a CSV becomes notes in one undo entry
and goes straight on to Fill Media for them; a bad file is refused with its row, Import disabled."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from aqt.qt import QAction, QMenu

from devtools.sample_deck import ENGLISH_TYPE
from tests.support.harness import pump, start_from_dialog, wait_for_plan

DECK = "Imported words"
WORDS = [(f"word{chr(ord('a') + i)}", f"meaning {i}") for i in range(12)]


def import_action(mw: Any) -> QAction:
    menu = mw.form.menuTools.findChild(QMenu, "media_fill_menu")
    assert isinstance(menu, QMenu), "Tools → Media Fill is missing"
    action = menu.findChild(QAction, "media_fill_import_action")
    assert isinstance(action, QAction) and action.text() == "Import Word List…"
    return action


def open_import(mw: Any, addon: ModuleType, path: Path) -> Any:
    import_action(mw).trigger()
    dialog = addon.controller.import_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.note_type.setCurrentText(ENGLISH_TYPE)
    dialog.deck.setCurrentText(DECK)
    dialog.file_edit.setText(str(path))
    dialog.load_file(str(path))
    return dialog


def deck_notes(mw: Any) -> dict[str, list[str]]:
    notes = [mw.col.get_note(nid) for nid in mw.col.find_notes(f'"deck:{DECK}"')]
    return {note["Front"]: list(note.fields) for note in notes}


def test_import_a_csv_then_fill_the_new_notes(
    mw: Any, anki_app: Any, addon: ModuleType, sample_notes: dict[str, list[int]], tmp_path: Path
) -> None:
    path = tmp_path / "words.csv"
    path.write_text("Front,Back,Level\n" + "".join(f"{w},{m},1\n" for w, m in WORDS), encoding="utf-8")
    count = mw.col.note_count()

    dialog = open_import(mw, addon, path)
    pump(anki_app, lambda: dialog.check is not None, what="the check of the list")

    assert dialog.mapping() == {"Front": "Front", "Back": "Back"}
    assert dialog.preview_table.rowCount() == 10
    assert dialog.preview_table.item(0, 0).text() == "worda" and dialog.preview_table.item(0, 1).text() == "meaning 0"
    assert "12 rows: 12 new notes" in dialog.status.text() and "'Level'" in dialog.status.text()
    assert dialog.import_button.isEnabled() and dialog.fill_after.isChecked()

    addon.controller.fill_dialog = None  # one an earlier test left may be gone with its Browser
    dialog.import_button.click()
    pump(anki_app, lambda: addon.controller.fill_dialog is not None, what="the Fill Media dialog")
    assert addon.controller.fill_dialog.isVisible()
    assert mw.col.note_count() == count + len(WORDS)
    assert {front: fields[1] for front, fields in deck_notes(mw).items()} == dict(WORDS)
    assert mw.col.undo_status().undo == "Import Word List"

    fill = addon.controller.fill_dialog
    assert [group.name for group in fill.groups] == [ENGLISH_TYPE] and len(fill.groups[0].note_ids) == len(WORDS)
    wait_for_plan(anki_app, fill)
    job = start_from_dialog(anki_app, fill, addon)
    pump(anki_app, lambda: not job.running, timeout=60, what="the job")
    assert job.report.filled == len(WORDS) and job.report.failed == 0
    assert all(fields[3].startswith("[sound:") for fields in deck_notes(mw).values())
    pump(anki_app, lambda: mw._background_op_count == 0, what="background operations")
    addon.controller.report_window.close()


def test_a_bad_file_is_refused_with_its_row_and_nothing_is_imported(
    mw: Any, anki_app: Any, addon: ModuleType, sample_notes: dict[str, list[int]], tmp_path: Path
) -> None:
    path = tmp_path / "words.csv"
    path.write_text("Front,Back\napple,fruit\npear,fruit,extra\n", encoding="utf-8")
    count = mw.col.note_count()

    dialog = open_import(mw, addon, path)
    pump(anki_app, lambda: "Nothing can be imported" in dialog.status.text(), what="the check to fail")

    assert "row 2 (line 3)" in dialog.status.text() and not dialog.import_button.isEnabled()
    dialog.run_import()  # even if called, nothing happens
    assert mw.col.note_count() == count and deck_notes(mw) == {}

    path.write_text("Front,Back\napple,fruit\npear,fruit\n", encoding="utf-8")
    dialog.load_file(str(path))
    pump(anki_app, lambda: dialog.check is not None, what="the check of the fixed list")
    assert dialog.import_button.isEnabled()
    dialog.reject()


def test_the_preview_marks_duplicates_and_short_rows_numbered_as_the_summary_says(
    mw: Any, anki_app: Any, addon: ModuleType, sample_notes: dict[str, list[int]], tmp_path: Path
) -> None:
    path = tmp_path / "words.csv"
    # Row 2 and row 5 lack their last cell (as spreadsheets export them); row 4 repeats row 1; row 3
    # has a cell over two lines of the file, so file lines and rows differ after it.
    path.write_text(
        'Front,Back\nworda,meaning a\nwordb\nwordc,"line one\nline two"\nworda,again\nwordd\n', encoding="utf-8"
    )
    dialog = open_import(mw, addon, path)
    pump(anki_app, lambda: dialog.check is not None, what="the check of the list")

    table = dialog.preview_table
    labels = [table.verticalHeaderItem(row).text() for row in range(table.rowCount())]
    assert labels == ["1", "2 (short)", "3", "4 (duplicate)", "5 (short)"]
    assert table.item(3, 0).text() == "worda" and table.item(3, 0).toolTip().startswith("Left out")
    assert table.item(0, 0).toolTip() == ""
    status = dialog.status.text()
    assert "5 rows: 4 new notes" in status
    assert "1 already in the deck or repeated, left out (row 4)" in status
    assert "2 short rows imported with their missing cells empty (rows 2, 5)" in status

    dialog.fill_after.setChecked(False)
    dialog.import_button.click()
    pump(anki_app, lambda: not dialog.isVisible(), what="the import")
    pump(anki_app, lambda: mw._background_op_count == 0, what="background operations")
    notes = deck_notes(mw)
    assert {front: fields[1] for front, fields in notes.items()} == {
        "worda": "meaning a",
        "wordb": "",
        "wordc": "line one<br>line two",
        "wordd": "",
    }

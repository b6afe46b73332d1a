"""The editor's page in the real Anki GUI tests: setting a field as a user's typing or paste would
end, without racing the page's own messages.

Thread safety: main thread (the Qt event loop is pumped while waiting).
"""

from __future__ import annotations

from typing import Any

from tests.support.harness import pump

# How many note editors the page has set up (0 while it is still loading).
EDITOR_UP = '(() => { try { return require("anki/NoteEditor").instances.length } catch (e) { return 0 } })()'


def put_in_editor(app: Any, editor: Any, *, field: str, value: str) -> None:
    """Set ``field`` of the editor's note as a user's paste would end: once the page is up and has
    sent back what it sends while it sets itself up. Anki's page sends a field it has just shown
    600 ms later (a debounced "key" message); one still pending from the page's first load would
    put the empty field back over ``value``. saveNow sends it at once, before ``value`` is set."""

    def ask(js: str) -> Any:
        answers: list[Any] = []
        editor.web.evalWithCallback(js, answers.append)
        pump(app, lambda: bool(answers), what="the editor's page")
        return answers[0]

    pump(app, lambda: bool(ask(EDITOR_UP)), what="the editor's page to load")
    editor.loadNote()
    ask("1")  # the note's fields are set in the page before it takes another script
    saved: list[bool] = []
    editor.call_after_note_saved(lambda: saved.append(True), keepFocus=True)
    pump(app, lambda: bool(saved), what="the editor's page to send what it had pending")
    editor.note[field] = value
    editor.loadNote()
    ask("1")

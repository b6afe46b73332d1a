"""Fill Media where notes are made: a **Fill Media** button in every classic editor (the Add
window, Edit Current, the Browser's editor), command ``media_fill``, with a tooltip and the
shortcut ``editor_shortcut``; and **Fill this field** in the context menu of a field that the note
type's rule fills. Both fill the editor's note in the background (`run.EditorFill`), empty
targets only (a filled field is left as it is and the tooltip says so). **Choose…** in the same
menu opens `choose.ChooseWindow`: the target's candidates side by side, the one taken stored like
any fill (it replaces what the field holds).

A note type with no rule: for a note of the collection the Fill Media dialog opens on it, where
its rule is set; the Add window's unsaved note gets a tooltip saying how to set one up.

Anki's experimental Svelte editor shows the button too; pressing it there explains that Fill Media
works in the classic editor.

Thread safety: main thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from aqt import gui_hooks
from aqt.editor import Editor
from aqt.main import AnkiQt
from aqt.qt import QMenu, QWidget
from aqt.utils import tooltip

from ...collection.note_fill import NoteFillSession, note_type_name, rules_for_note, targets_for_field
from ...core.base.errors import ConfigError
from ...core.media.types import MediaKind
from ...core.provider_system.registry import ProviderRegistry
from ..addon_config import load_addon_config
from ..choose import ChooseWindow, open_choose
from .run import EditorFill

if TYPE_CHECKING:
    from aqt.editor import NewEditor  # Anki 26's experimental editor (not in 25.07)


__all__ = ["BUTTON_COMMAND", "CHOOSE_TEXT", "DEFAULT_EDITOR_SHORTCUT", "FILL_FIELD_TEXT", "EditorFills", "setup_editor"]

BUTTON_COMMAND = "media_fill"
BUTTON_LABEL = "Fill Media"
# Used by no shortcut of Anki's editor, Add window, Browser (nor this add-on's Ctrl+Alt+M there).
DEFAULT_EDITOR_SHORTCUT = "Ctrl+Alt+Shift+F"
FILL_FIELD_TEXT = "Fill this field"
CHOOSE_TEXT = "Choose…"


class FillMediaController(Protocol):
    """What the editor needs of `controller.FillMediaController` (not imported: it holds this)."""

    mw: AnkiQt
    addon_module: str

    def _load_config(self, parent: QWidget) -> tuple[dict[str, Any], ProviderRegistry] | None: ...

    def fill_notes(self, note_ids: list[int], *, parent: QWidget) -> None: ...


class EditorFills:
    """The editor button and context menu; at most one run per editor at a time."""

    def __init__(self, controller: FillMediaController) -> None:
        self.controller = controller
        self.runs: dict[int, EditorFill] = {}
        self.last: EditorFill | None = None
        self.chooser: ChooseWindow | None = None

    # Hooks

    def on_buttons(self, buttons: list[str], editor: Editor | NewEditor) -> None:
        shortcut = self._shortcut()
        buttons.append(
            editor.addButton(
                None,
                BUTTON_COMMAND,
                self._pressed,
                tip=f"Fill Media: fill this note's empty picture, sound and transcript fields ({shortcut})",
                label=BUTTON_LABEL,
                keys=shortcut,
            )
        )

    def on_context_menu(self, webview: Any, menu: QMenu) -> None:
        editor = getattr(webview, "editor", None)
        note = getattr(editor, "note", None)
        if editor is None or note is None:
            return
        index = editor.currentField if editor.currentField is not None else editor.last_field_index
        names = list(note.keys())
        if index is None or not 0 <= index < len(names):
            return
        config = self._config()
        targets = targets_for_field(config, note_type_name(note), names[index]) if config is not None else []
        if not targets:
            return
        action = menu.addAction(FILL_FIELD_TEXT)
        if action is not None:
            action.setObjectName("media_fill_field_action")
            field = names[index]
            action.triggered.connect(
                lambda _checked=False: editor.call_after_note_saved(
                    lambda: self.fill(editor, field=field), keepFocus=True
                )
            )
        # A transcript is heard, not chosen among candidates: it has no Choose… window.
        kinds = list(dict.fromkeys(target.kind for target in targets if target.kind is not MediaKind.TEXT))
        for kind in kinds:
            text = CHOOSE_TEXT if len(kinds) == 1 else f"Choose {kind.word}…"
            choose = menu.addAction(text)
            if choose is not None:
                choose.setObjectName(f"media_fill_choose_{kind.value}_action")
                choose.triggered.connect(
                    lambda _checked=False, kind=kind: editor.call_after_note_saved(
                        lambda: self.choose(editor, field=names[index], kind=kind), keepFocus=True
                    )
                )

    # Actions

    def _pressed(self, editor: Editor | NewEditor) -> None:
        if isinstance(editor, Editor):
            self.fill(editor)
        else:
            tooltip("Fill Media works in Anki's classic editor: turn off the new editor to use it.")

    def fill(self, editor: Editor, *, field: str | None = None) -> EditorFill | None:
        """Fill the empty targets of the editor's note (only those filling ``field`` when given);
        returns the run, or None after a tooltip saying why there is none."""
        parent = editor.parentWindow
        note = getattr(editor, "note", None)
        if note is None:
            tooltip("Fill Media works in Anki's classic editor: open a note in it first.", parent=parent)
            return None
        running = self.runs.get(id(editor))
        if running is not None and running.running:
            tooltip("Fill Media is already filling this note; its fields appear as they are made.", parent=parent)
            return None
        loaded = self.controller._load_config(parent)
        if loaded is None:
            return None
        config, registry = loaded
        note_type = note_type_name(note)
        rules = rules_for_note(config, note_type, field=field)
        if rules is None:
            self._no_rule(editor, note_type)
            return None
        run = EditorFill(
            mw=self.controller.mw,
            editor=editor,
            session=NoteFillSession(note=note, config=rules, registry=registry),
            on_done=self._done,
        )
        self.runs[id(editor)] = self.last = run
        run.start()
        return run

    def choose(self, editor: Editor, *, field: str, kind: MediaKind) -> ChooseWindow | None:
        """Open the Choose… window for the target filling ``field`` with ``kind``; returns it, or
        None after a tooltip saying why there is none."""
        parent = editor.parentWindow
        note = getattr(editor, "note", None)
        if note is None:
            tooltip("Fill Media works in Anki's classic editor: open a note in it first.", parent=parent)
            return None
        loaded = self.controller._load_config(parent)
        if loaded is None:
            return None
        config, registry = loaded
        window = open_choose(
            self.controller.mw,
            note=note,
            field=field,
            kind=kind,
            config=config,
            registry=registry,
            parent=parent,
            editor=editor,
        )
        self.chooser = window or self.chooser
        return window

    def _done(self, run: EditorFill) -> None:
        if self.runs.get(id(run.editor)) is run:
            del self.runs[id(run.editor)]

    def _no_rule(self, editor: Editor, note_type: str) -> None:
        note = editor.note
        if note is not None and note.id:
            tooltip(f"Note type {note_type!r} has no Fill Media rule yet: set one here.", parent=editor.parentWindow)
            self.controller.fill_notes([int(note.id)], parent=editor.parentWindow)
            return
        tooltip(
            f"Note type {note_type!r} has no Fill Media rule yet. Add this note, select it in the Browser "
            "and choose Notes → Fill Media… to set which fields it fills; the button then fills them.",
            period=8000,
            parent=editor.parentWindow,
        )

    def _config(self) -> dict[str, Any] | None:
        try:
            return load_addon_config(self.controller.mw, addon_module=self.controller.addon_module)
        except ConfigError:
            return None

    def _shortcut(self) -> str:
        config = self._config() or {}
        return str(config.get("editor_shortcut") or DEFAULT_EDITOR_SHORTCUT)


def setup_editor(controller: FillMediaController) -> EditorFills:
    """Register the editor button and the field context menu; returns what they call."""
    fills = EditorFills(controller)
    gui_hooks.editor_did_init_buttons.append(fills.on_buttons)
    gui_hooks.editor_will_show_context_menu.append(fills.on_context_menu)
    return fills

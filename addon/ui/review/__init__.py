"""Review what a job made: the report's **Review…** opens `ReviewWindow` over the job's filled
notes (those that still hold Media Fill media), and carries out its redo, choose and remove steps
(`redo.RedoRun`, the Choose… window `choose.choose_for_note`,
`collection.review.remove_target_media`), each one undo step.

Sounds are played through Anki's ``av_player`` (``ReviewFeature.player``, replaceable).

Thread safety: main thread only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from anki.collection import Collection
from aqt.main import AnkiQt
from aqt.operations import CollectionOp, QueryOp
from aqt.qt import QWidget
from aqt.utils import tooltip

from ...collection.media_removal import RemovalResult
from ...collection.review import ReviewNote, ReviewTarget, remove_target_media, review_notes
from ...core.provider_system.registry import ProviderRegistry
from ..choose import ChooseWindow, choose_for_note
from ..user_messages import explain
from .redo import RedoRun
from .window import ReviewWindow

__all__ = ["REVIEW_BUTTON_TEXT", "ReviewFeature", "ReviewWindow"]

REVIEW_BUTTON_TEXT = "Review…"


class ConfigSource(Protocol):
    """What the feature needs of `controller.FillMediaController` (not imported: it holds this)."""

    def _load_config(self, parent: QWidget) -> tuple[dict[str, Any], ProviderRegistry] | None: ...


def _anki_play(name: str) -> None:
    from aqt.sound import av_player

    av_player.play_file(name)


class ReviewFeature:
    """Opens the Review window; the last one opened is ``window`` (None once closed)."""

    def __init__(self, mw: AnkiQt, *, controller: ConfigSource) -> None:
        self.mw = mw
        self.controller = controller
        self.player: Callable[[str], None] = _anki_play
        self.window: ReviewWindow | None = None
        self.chooser: ChooseWindow | None = None
        self.redo_run: RedoRun | None = None
        self._voices: dict[tuple[int, str], str] = {}  # the voice of the last redo per note and field
        self._config: Mapping[str, Any] = {}
        self._registry: ProviderRegistry | None = None

    def review(self, note_ids: list[int], *, parent: QWidget) -> None:
        """Read which of ``note_ids`` hold Media Fill media, then show them one by one."""
        loaded = self.controller._load_config(parent)
        if loaded is None:
            return
        self._config, self._registry = loaded
        config = self._config
        QueryOp(
            parent=parent,
            op=lambda col: review_notes(col, note_ids, config),
            success=lambda notes: self._show(notes, parent),
        ).failure(lambda exc: tooltip(f"Review could not start: {explain(exc)}", parent=parent)).run_in_background()

    def _show(self, notes: list[ReviewNote], parent: QWidget) -> None:
        if not notes:
            tooltip("Nothing to review: the notes of this job hold no Media Fill media now.", parent=parent)
            return
        if self.window is not None:
            self.window.close()
        window = ReviewWindow(self.mw, notes, actions=self, play=self.player)
        window.finished.connect(lambda _result: self._closed(window))
        self.window = window
        window.show()
        window.activateWindow()
        window.setFocus()

    def _closed(self, window: ReviewWindow) -> None:
        if self.window is window:
            self.window = None

    # `ReviewActions`

    def reload(self, note_id: int) -> ReviewNote | None:
        col = self.mw.col
        if col is None:
            return None
        found = review_notes(col, [note_id], self._config)
        return found[0] if found else None

    def redo(self, note_id: int, target: ReviewTarget, on_done: Callable[[str, bool], None]) -> None:
        assert self._registry is not None
        key = (note_id, target.field)

        def done(message: str, changed: bool) -> None:
            if changed and run.voice is not None:
                self._voices[key] = run.voice
            on_done(message, changed)

        self.redo_run = run = RedoRun(
            mw=self.mw,
            parent=self.window or self.mw,
            note_id=note_id,
            target=target,
            config=self._config,
            registry=self._registry,
            on_done=done,
            last_voice=self._voices.get(key),
        )
        run.start()

    def choose(self, note_id: int, target: ReviewTarget, on_done: Callable[[str, bool], None]) -> None:
        assert self._registry is not None

        def closed(window: ChooseWindow) -> None:
            report = window.session.report
            if report is not None and report.filled:
                on_done(f"{window.message} Edit → Undo Fill Media takes it back.", True)
            else:
                on_done(window.message or f"Nothing was chosen; {target.field} is as it was.", False)

        self.chooser = choose_for_note(
            self.mw,
            note_id=note_id,
            field=target.field,
            kind=target.kind,
            config=self._config,
            registry=self._registry,
            parent=self.window or self.mw,
            on_done=closed,
        )
        if self.chooser is None:
            on_done(f"There is nothing to choose from for {target.field}; press R to make it again instead.", False)

    def remove(self, note_id: int, target: ReviewTarget, on_done: Callable[[str, bool], None]) -> None:
        config = self._config

        def op(col: Collection) -> RemovalResult:
            return remove_target_media(col, note_id, target, config=config)

        def removed(result: RemovalResult) -> None:
            if result.removed:
                on_done(f"Took the {target.kind.word} out of {target.field}; Edit → Undo takes it back.", True)
            else:
                on_done(
                    f"{target.field} holds no Media Fill {target.kind.word} any more; nothing was taken out.", False
                )

        CollectionOp(self.window or self.mw, op).success(removed).failure(
            lambda exc: on_done(f"Nothing was taken out: {explain(exc)}", False)
        ).run_in_background()

    def file_path(self, name: str) -> str:
        col = self.mw.col
        return os.path.join(col.media.dir(), os.path.basename(name)) if col is not None else ""

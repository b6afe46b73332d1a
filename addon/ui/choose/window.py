"""The Choose… window: the candidates of one target side by side (pictures with their credit and
licence, sounds with their speaker, votes or voice, each with Play), numbered 1–9.

Keys: 1–9 pick a candidate (a sound is played as it is picked), Space plays the picked sound,
Enter takes the picked one; a click picks, a double click takes. Providers that charge per request
(AI pictures) are not asked at once: a button names each with what asking it costs (its price times
the pictures it makes, e.g. 4 variations), and asks it when pressed.

Steps, on the right threads: the target is planned in a `QueryOp` (collection, no network); the
providers are asked in a plain background task (no collection), so Anki stays usable; the taken
candidate is stored in a `CollectionOp` (`ChooseSession.store`: the store step of every fill, one
undo entry for a saved note), after which the editor shows the note again.

Without an editor (the job report's rows, the Review window) the window works on a note of the
collection: its fields are read again just before the store, so what changed meanwhile is kept,
and whoever opened it learns the outcome from ``on_done`` (``window.taken``, ``window.message``).

Thread safety: main thread only; only `ChooseSession.gather` runs on a worker.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import threading
from collections.abc import Callable, Collection
from concurrent.futures import Future
from pathlib import Path

from anki.collection import OpChanges
from aqt.editor import Editor
from aqt.main import AnkiQt
from aqt.operations import CollectionOp, QueryOp
from aqt.qt import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QMouseEvent,
    QPixmap,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
)
from aqt.sound import av_player
from aqt.utils import tooltip
from PyQt6 import sip

from ...collection.choose import ChooseSession
from ...core.base.log import get_logger
from ...core.engine.candidates import CandidateList
from ...core.job.plan import WorkItem
from ...core.media.types import MediaKind, MediaResult
from ..user_messages import explain

log = get_logger(__name__)

TILE_WIDTH = 200
_COLUMNS = 3
_NUMBER_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


class _Tile(QFrame):
    """One candidate: a click picks it, a double click takes it."""

    def __init__(self, window: ChooseWindow, index: int, result: MediaResult) -> None:
        super().__init__()
        self.window_ = window
        self.index = index
        self.setObjectName(f"media_fill_candidate_{index + 1}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(TILE_WIDTH + 20)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        number = f"<b>{index + 1}</b>" if index < 9 else ""
        layout.addWidget(QLabel(f"{number} &nbsp;{html.escape(result.provider)}"))
        if result.request.kind is MediaKind.IMAGE:
            picture = QLabel()
            pixmap = QPixmap()
            pixmap.loadFromData(result.data or b"")
            if not pixmap.isNull():
                picture.setPixmap(
                    pixmap.scaled(
                        TILE_WIDTH,
                        TILE_WIDTH,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(picture)
        else:
            play = QPushButton("▶ Play")
            play.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            play.setAutoDefault(False)
            play.clicked.connect(lambda _checked=False: window.play(index))
            layout.addWidget(play)
        text = QLabel(_describe(result))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setOpenExternalLinks(True)
        layout.addWidget(text)
        layout.addStretch(1)

    def mark(self, picked: bool) -> None:
        border = "QFrame#" + self.objectName() + " { border: 3px solid #3b82f6; }"
        self.setStyleSheet(border if picked else "")

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        self.window_.pick(self.index)

    def mouseDoubleClickEvent(self, event: QMouseEvent | None) -> None:
        self.window_.pick(self.index, play=False)
        self.window_.take()


def _describe(result: MediaResult) -> str:
    """The candidate's caption, credit and licence as rich text."""
    lines: list[str] = []
    if result.caption:
        lines.append(html.escape(result.caption))
    credit = result.attribution
    if credit is not None:
        if credit.title and not result.caption:
            lines.append(f"<i>{html.escape(credit.title[:80])}</i>")
        if credit.author and not result.caption:
            lines.append(f"by {html.escape(credit.author[:80])}")
        if credit.license:
            licence = html.escape(credit.license)
            if credit.license_url:
                licence = f'<a href="{html.escape(credit.license_url, quote=True)}">{licence}</a>'
            lines.append(licence)
    return "<br>".join(lines) or "&nbsp;"


class ChooseWindow(QDialog):
    """Candidates for ``session``'s target, in ``editor`` when given (else for a saved note of the
    collection, the window over ``parent``); see the module docstring. ``on_done`` is called once
    the window has closed, taken or not."""

    def __init__(
        self,
        *,
        mw: AnkiQt,
        session: ChooseSession,
        editor: Editor | None = None,
        parent: QWidget | None = None,
        on_done: Callable[[ChooseWindow], None] = lambda window: None,
    ) -> None:
        super().__init__(editor.parentWindow if editor is not None else parent or mw)
        self.mw = mw
        self.editor = editor
        self.session = session
        self.results: list[MediaResult] = []
        self.problems: dict[str, str] = {}
        self.picked: int | None = None
        self.taken: MediaResult | None = None
        self.asking = False
        self.message = ""
        self.played: list[int] = []
        # How a sound is played (Anki's player); tests put a recorder here.
        self.play_file: Callable[[str], None] = av_player.play_file
        self._on_done = on_done
        self._cancel = threading.Event()
        self._storing = False
        self._temp = Path(tempfile.mkdtemp(prefix="media_fill_choose_"))
        self._tiles: list[_Tile] = []
        what = session.kind.word
        self.setWindowTitle(f"Choose a {what} for {session.field}")
        self.setObjectName("media_fill_choose")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.resize(_COLUMNS * (TILE_WIDTH + 40) + 40, 560)
        layout = QVBoxLayout(self)
        self.status = QLabel(f"Asking the providers for {what}s…")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._grid_host)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(scroll, 1)
        self._paid_row = QHBoxLayout()
        layout.addLayout(self._paid_row)
        self.problems_label = QLabel("")
        self.problems_label.setWordWrap(True)
        layout.addWidget(self.problems_label)
        buttons = QHBoxLayout()
        help_text = QLabel("1–9 pick · Space plays · Enter takes")
        buttons.addWidget(help_text)
        buttons.addStretch(1)
        self.take_button = self._button("Take", self.take)
        self.take_button.setEnabled(False)
        buttons.addWidget(self.take_button)
        buttons.addWidget(self._button("Cancel", self.reject))
        layout.addLayout(buttons)

    def _button(self, text: str, action: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda _checked=False: action())
        return button

    # Steps

    def start(self) -> None:
        """Plan the target, then ask its providers (the window shows at once)."""
        self.show()
        self.setFocus()
        self.asking = True
        QueryOp(parent=self, op=self.session.plan, success=self._planned).failure(self._fail).run_in_background()

    def _planned(self, item: WorkItem) -> None:
        for name, ask in self.session.paid().items():
            button = self._button(f"Ask {name} ({ask.describe(self.session.kind.word)})", lambda: None)
            button.setObjectName(f"media_fill_ask_{name}")
            button.clicked.disconnect()
            button.clicked.connect(lambda _checked=False, name=name, button=button: self._ask_paid(name, button))
            self._paid_row.addWidget(button)
        self._ask(paid=(), only=None)

    def _ask_paid(self, name: str, button: QPushButton) -> None:
        if self.asking:
            return
        button.setEnabled(False)
        self.status.setText(f"Asking {name}…")
        self._ask(paid={name}, only={name})

    def _ask(self, *, paid: Collection[str], only: Collection[str] | None) -> None:
        self.asking = True
        self.mw.taskman.run_in_background(
            lambda: self.session.gather(cancel=self._cancel, paid=paid, only=only),
            self._gathered,
            uses_collection=False,
        )

    def _gathered(self, future: Future[CandidateList]) -> None:
        self.asking = False
        if sip.isdeleted(self) or self._cancel.is_set():
            return
        try:
            found = future.result()
        except Exception as exc:
            self._fail(exc)
            return
        for result in found.results:
            self._add_tile(result)
        self.problems.update(found.problems)
        for name in {result.provider for result in found.results}:  # one rejected candidate is no problem
            self.problems.pop(name, None)
        what = self.session.kind.word
        if self.results:
            self.status.setText(f"{len(self.results)} {what}s for {self.session.field}: pick one with 1–9.")
        else:
            self.status.setText(f"No {what} was found for {self.session.field}; see below why.")
        self.problems_label.setText(
            "<br>".join(f"{html.escape(name)}: {html.escape(problem)}" for name, problem in self.problems.items())
        )

    def _add_tile(self, result: MediaResult) -> None:
        index = len(self.results)
        self.results.append(result)
        tile = _Tile(self, index, result)
        self._tiles.append(tile)
        self._grid.addWidget(tile, index // _COLUMNS, index % _COLUMNS)

    def pick(self, index: int, *, play: bool = True) -> None:
        """Pick candidate ``index`` (0-based); a sound is played."""
        if not 0 <= index < len(self.results):
            return
        self.picked = index
        for tile in self._tiles:
            tile.mark(tile.index == index)
        self.take_button.setEnabled(True)
        if play and self.session.kind is MediaKind.AUDIO:
            self.play(index)

    def play(self, index: int | None = None) -> None:
        """Play candidate ``index`` (the picked one by default), when it is a sound."""
        index = self.picked if index is None else index
        if index is None or self.session.kind is not MediaKind.AUDIO or not 0 <= index < len(self.results):
            return
        result = self.results[index]
        path = self._temp / f"candidate_{index + 1}.{result.extension or 'mp3'}"
        if not path.exists():
            path.write_bytes(result.data or b"")
        self.played.append(index)
        self.play_file(str(path))

    def take(self) -> None:
        """Store the picked candidate as any fill stores it, then close."""
        if self._storing:
            return
        if self.picked is None:
            tooltip("Pick one first: press its number (1–9) or click it.", parent=self)
            return
        self._storing = True
        self.taken = self.results[self.picked]
        taken = self.taken
        CollectionOp(self, lambda col: self._store(taken)).success(self._stored).failure(self._fail).run_in_background(
            initiator=self.editor
        )

    def _store(self, taken: MediaResult) -> OpChanges:
        if self.editor is None and self.session.note.id:
            self.session.note.load()  # a saved note as it is now: only the target's field changes
        return self.session.store(taken)

    def _stored(self, changes: OpChanges) -> None:
        self._storing = False
        report = self.session.report
        if report is not None and report.filled:
            self.message = f"{self.session.field}: the chosen {self.session.kind.word} is in."
        elif report is not None and report.errors:
            self.message = f"{self.session.field} was not changed: {report.errors[0].message}."
        else:
            self.message = f"{self.session.field} was not changed; choose again."
        editor = self.editor
        if editor is not None and not sip.isdeleted(editor.widget) and editor.note is self.session.note:
            editor.loadNoteKeepingFocus()
        parent = self.parentWidget()
        tooltip(html.escape(self.message), parent=parent if parent is not None and not sip.isdeleted(parent) else None)
        self.accept()

    def _fail(self, exc: Exception) -> None:
        log.info("Choose… stopped: %s", exc)
        self.asking = self._storing = False
        self.message = f"Choose… stopped: {explain(exc)}"
        if not sip.isdeleted(self):
            self.status.setText(html.escape(self.message))

    # Keys and closing

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        if event is None:
            return
        key = event.key()
        if key in _NUMBER_KEYS:
            self.pick(_NUMBER_KEYS[key] - 1)
        elif key == Qt.Key.Key_Space:
            self.play()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.take()
        else:
            super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self._cancel.set()
        if self.taken is None:
            self.session.close()
        shutil.rmtree(self._temp, ignore_errors=True)
        super().done(result)
        self._on_done(self)

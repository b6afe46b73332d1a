"""The voice picker: the voices of a sound provider, filtered by provider, language and gender,
with Play sample (a short sentence in the language, made by the voice, kept so that hearing it
again is free; what a new sample costs is shown for paid providers), and Use (the chosen voice, or
several, for a target that takes turns).

The list is fetched once per provider and window (`provider_voices`, kept by the provider too) and
filtered here as the user types; Refresh asks the provider again. Fetching a list and making a
sample run on Anki's worker threads (no collection), so Anki never waits on the network.

Thread safety: main thread only; `provider_voices` and `voice_sample` run on workers and their
results come back to the main thread (`taskman.run_in_background`'s done callback).
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path

from aqt.main import AnkiQt
from aqt.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from aqt.sound import av_player
from PyQt6 import sip

from ...core.base.errors import MediaFillError
from ...core.engine.job_session import price_per_request
from ...core.media.types import MediaKind
from ...core.media.voice_list import GENDERS, Voice, filter_voices
from ...core.provider_system.registry import ProviderRegistry
from ...core.provider_system.voice_catalog import provider_voices
from ...core.provider_system.voice_samples import SAMPLES_FOLDER, sample_language, voice_sample
from ...core.text.sample_sentences import has_sample_sentence
from ..user_messages import explain

COLUMNS = ("Voice", "Id", "Languages", "Gender")
ANY_GENDER = "Any gender"
# Called with the voice ids chosen (in the list's order) when Use is pressed.
OnChosen = Callable[[list[str]], None]


class VoicePicker(QDialog):
    """Pick a voice (or several, ``several``) of one of ``providers``; see the module docstring.
    ``registry`` gives the registry to ask (the settings as saved, or as typed in the settings
    window); samples are kept in ``state_dir``/`SAMPLES_FOLDER` (a temporary folder without one)."""

    def __init__(
        self,
        mw: AnkiQt,
        *,
        parent: QWidget | None,
        registry: Callable[[], ProviderRegistry],
        providers: Sequence[str],
        language: str = "",
        chosen: Sequence[str] = (),
        several: bool = False,
        samples_dir: Path,
        on_chosen: OnChosen,
    ) -> None:
        super().__init__(parent or mw)
        self.mw = mw
        self.setObjectName("media_fill_voice_picker")
        self.setWindowTitle("Choose a voice")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(720, 520)
        self._registry = registry
        self._chosen = list(chosen)
        self._samples_dir = samples_dir
        self._on_chosen = on_chosen
        self._listed: dict[str, list[Voice]] = {}
        self.shown: list[Voice] = []
        self.busy = False
        self.played: list[str] = []
        # How a sample is played (Anki's player); tests put a recorder here.
        self.play_file: Callable[[str], None] = av_player.play_file

        self.provider = QComboBox(self)
        self.provider.setObjectName("voice_provider")
        for name in providers:
            self.provider.addItem(name, name)
        self.language = QLineEdit(language, self)
        self.language.setObjectName("voice_language")
        self.language.setPlaceholderText("Language, e.g. es or pt-BR (empty: all)")
        self.gender = QComboBox(self)
        self.gender.setObjectName("voice_gender")
        self.gender.addItem(ANY_GENDER, "")
        for gender in GENDERS:
            self.gender.addItem(gender.capitalize(), gender)
        self.table = self._make_table(several=several)
        self.status = QLabel("", self)
        self.status.setObjectName("voice_status")
        self.status.setWordWrap(True)
        self.cost = QLabel("", self)
        self.cost.setObjectName("sample_cost")
        self.cost.setWordWrap(True)
        self.play_button = self._button("play_sample", "Play sample", self.play_sample)
        self.refresh_button = self._button("refresh_voices", "Refresh", lambda: self.load(refresh=True))
        self.use_button = self._button("use_voice", "Use these voices" if several else "Use this voice", self.use)
        self.use_button.setDefault(True)
        self._lay_out(several)
        self.provider.currentIndexChanged.connect(lambda _index: self.load())
        self.language.textChanged.connect(lambda _text: self._show())
        self.gender.currentIndexChanged.connect(lambda _index: self._show())
        self._selection_changed()

    def _make_table(self, *, several: bool) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS), self)
        table.setObjectName("voice_table")
        table.setHorizontalHeaderLabels(list(COLUMNS))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        mode = QAbstractItemView.SelectionMode
        table.setSelectionMode(mode.ExtendedSelection if several else mode.SingleSelection)
        header = table.horizontalHeader()
        assert header is not None
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        vertical = table.verticalHeader()
        assert vertical is not None
        vertical.setVisible(False)
        table.itemSelectionChanged.connect(self._selection_changed)
        table.itemDoubleClicked.connect(lambda _item: self.play_sample())
        return table

    def _button(self, name: str, text: str, action: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: action())
        return button

    def _lay_out(self, several: bool) -> None:
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        for widget in (self.provider, self.language, self.gender, self.refresh_button):
            filters.addWidget(widget)
        layout.addLayout(filters)
        if several:
            hint = QLabel("Select several voices (Ctrl or Shift and click) for a target whose voices take turns.")
            hint.setWordWrap(True)
            layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.cost)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self._button("cancel_voice", "Cancel", self.reject))
        layout.addLayout(buttons)

    # The list

    def provider_name(self) -> str:
        return str(self.provider.currentData() or "")

    def load(self, *, refresh: bool = False) -> None:
        """Show the current provider's voices, asking it (in the background) when this window has
        not yet, or ``refresh``."""
        name = self.provider_name()
        self._show_cost(name)
        if name in self._listed and not refresh:
            self._show()
            return
        self.busy = True
        self.status.setText(f"Asking {name} for its voices…")
        self.table.setRowCount(0)
        registry = self._registry()
        self.mw.taskman.run_in_background(
            lambda: provider_voices(registry, name, refresh=refresh),
            lambda future: self._loaded(name, future),
            uses_collection=False,
        )

    def _loaded(self, name: str, future: Future[list[Voice]]) -> None:
        if sip.isdeleted(self):
            return
        self.busy = False
        try:
            self._listed[name] = future.result()
        except (MediaFillError, OSError) as exc:
            self.status.setText(f"{name} {explain(exc)}" if isinstance(exc, MediaFillError) else str(exc))
            return
        if name == self.provider_name():
            self._show()

    def _show(self) -> None:
        """Fill the table with the listed voices that pass the filters; the chosen ones selected."""
        voices = filter_voices(self._listed.get(self.provider_name(), []), self.language.text().strip())
        gender = str(self.gender.currentData() or "")
        self.shown = [voice for voice in voices if not gender or voice.gender == gender]
        self.table.setRowCount(len(self.shown))
        for row, voice in enumerate(self.shown):
            languages = ", ".join(voice.languages) or "every language"
            for column, text in enumerate((voice.name, voice.id, languages, voice.gender or "not said")):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.clearSelection()
        for row, voice in enumerate(self.shown):
            if voice.id in self._chosen:
                self._add_row(row)
        total = len(self._listed.get(self.provider_name(), []))
        if self.provider_name() in self._listed:
            self.status.setText(f"{len(self.shown)} of {total} voices of {self.provider_name()} shown.")
        self._selection_changed()

    def _add_row(self, row: int) -> None:
        model = self.table.selectionModel()
        assert model is not None
        flags = model.SelectionFlag
        model.select(self.table.model().index(row, 0), flags.Select | flags.Rows)  # type: ignore[union-attr]

    def selected_voices(self) -> list[Voice]:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        return [self.shown[row] for row in rows if row < len(self.shown)]

    def select_voice(self, voice_id: str, *, add: bool = False) -> None:
        """Select the shown voice ``voice_id`` (``add``: keep the others selected)."""
        row = next(i for i, voice in enumerate(self.shown) if voice.id == voice_id)
        if add:
            self._add_row(row)
        else:
            self.table.selectRow(row)

    def _selection_changed(self) -> None:
        chosen = bool(self.selected_voices())
        self.play_button.setEnabled(chosen and not self.busy)
        self.use_button.setEnabled(chosen)

    def _show_cost(self, name: str) -> None:
        price = price_per_request(self._registry(), MediaKind.AUDIO, name)
        if price > 0:
            self.cost.setText(
                f"Each new sample from {name} costs about ${_money(price)} (one request); "
                "a sample heard before plays from this computer, free."
            )
        else:
            self.cost.setText(f"Samples from {name} are free.")

    # Play and use

    def play_sample(self) -> None:
        """Make (or find) the sample of the first selected voice in the background, then play it."""
        voices = self.selected_voices()
        if not voices or self.busy:
            return
        voice = voices[0]
        language = sample_language(voice, self.language.text())
        self.busy = True
        self._selection_changed()
        note = "" if has_sample_sentence(language) else " (in English: no sample sentence for this language yet)"
        self.status.setText(f"Making a sample of {voice.name}{note}…")
        registry, folder = self._registry(), self._samples_dir
        self.mw.taskman.run_in_background(
            lambda: voice_sample(registry, voice, language=language, folder=folder),
            lambda future: self._sampled(voice, future),
            uses_collection=False,
        )

    def _sampled(self, voice: Voice, future: Future[tuple[Path, bool]]) -> None:
        if sip.isdeleted(self):
            return
        self.busy = False
        self._selection_changed()
        try:
            path, made = future.result()
        except MediaFillError as exc:
            self.status.setText(f"No sample of {html.escape(voice.name)}: {voice.provider} {explain(exc)}")
            return
        except OSError as exc:  # the samples folder: full disk, no permission
            self.status.setText(
                f"No sample of {voice.name}: it could not be kept in {self._samples_dir} ({exc.strerror or exc}); "
                "free some disk space or fix that folder's permissions, then press Play sample again."
            )
            return
        self.status.setText(f"Playing {voice.name}" + (" (a new sample)." if made else " (heard before, free)."))
        self.played.append(str(path))
        self.play_file(str(path))

    def use(self) -> None:
        """Hand the selected voices to whoever opened the picker, and close."""
        ids = [voice.id for voice in self.selected_voices()]
        if not ids:
            return
        self._on_chosen(ids)
        self.accept()


def _money(amount: float) -> str:
    """Dollars with as many decimals as a small price needs: 0.015, 0.0002, 0.10."""
    text = f"{amount:.6f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


def open_voice_picker(
    mw: AnkiQt,
    *,
    parent: QWidget | None,
    registry: Callable[[], ProviderRegistry],
    providers: Sequence[str],
    state_dir: Path | None,
    on_chosen: OnChosen,
    language: str = "",
    chosen: Sequence[str] = (),
    several: bool = False,
) -> VoicePicker:
    """Show a `VoicePicker` (not modal) and start listing the first provider's voices."""
    base = state_dir if state_dir is not None else Path(tempfile.gettempdir()) / "media_fill"
    samples = base / SAMPLES_FOLDER
    picker = VoicePicker(
        mw,
        parent=parent,
        registry=registry,
        providers=providers,
        language=language,
        chosen=chosen,
        several=several,
        samples_dir=samples,
        on_chosen=on_chosen,
    )
    # Modal to its window: the voices chosen go to the target or page that opened it, which the
    # user cannot switch away from meanwhile.
    picker.setWindowModality(Qt.WindowModality.WindowModal)
    picker.show()
    picker.load()
    return picker


class TargetVoiceChooser:
    """Opens the picker for a target's voices in the Fill Media dialog (`VoiceEditor.chooser`):
    the provider's voices in the target's language (``language()``, read when opened), several
    selectable; the chosen ids go back through ``apply``."""

    def __init__(
        self,
        mw: AnkiQt,
        *,
        parent: QWidget,
        registry: Callable[[], ProviderRegistry],
        state_dir: Path | None,
        language: Callable[[], str],
    ) -> None:
        self._mw, self._parent, self._registry = mw, parent, registry
        self._state_dir, self._language = state_dir, language
        self.picker: VoicePicker | None = None  # the last one opened (tests drive it)

    def __call__(self, provider: str, current: list[str], _several: bool, apply: OnChosen) -> None:
        self.picker = open_voice_picker(
            self._mw,
            parent=self._parent,
            registry=self._registry,
            providers=[provider],
            state_dir=self._state_dir,
            on_chosen=apply,
            language=self._language(),
            chosen=current,
            several=True,
        )

"""The job report window in the real Anki: counts, the failures table, Show in Browser, Retry failed
and Copy report, with server text shown as text and huge reports cut in the table but not in the copy."""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QApplication, QLabel, QPushButton, QTableWidget, QTextDocument, QWidget
from PyQt6 import sip
from PyQt6.QtCore import QItemSelectionModel, Qt

from tests.support.harness import ADDON, pump

HTML_REASON = "<b>Bad</b> <img src=x onerror=alert(1)> answer & more"
LABELS = {1: "apple", 2: "banana", 3: "cherry"}


@pytest.fixture
def dialog_module(mw: Any) -> ModuleType:
    return importlib.import_module(f"{ADDON}.ui.fill.report_dialog")


@pytest.fixture
def make_report(mw: Any) -> Callable[..., Any]:
    """Builds the loaded add-on's `JobReport`; ``errors`` as (note id, field, provider, message)."""
    module = sys.modules[f"{ADDON}.core.job.report"]

    def make(errors: list[tuple[int, str, str, str]] = (), **fields: Any) -> Any:  # type: ignore[assignment]
        report = module.JobReport(**fields)
        report.errors = [module.TargetError(*error) for error in errors]
        report.failed = fields.get("failed", len(report.errors))
        return report

    return make


class Calls:
    def __init__(self) -> None:
        self.shown: list[list[int]] = []
        self.retries = 0
        self.settings: list[Any] = []

    def show_notes(self, ids: list[int]) -> None:
        self.shown.append(ids)

    def retry(self) -> None:
        self.retries += 1


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def open_report(mw: Any, anki_app: Any, dialog_module: ModuleType, calls: Calls) -> Iterator[Callable[..., Any]]:
    """Shows a report window over the main window (the way the job does); closes it after the test."""
    opened: list[Any] = []

    def open_with(
        report: Any, *, retry: bool = True, labels: dict[int, str] = LABELS, settings_links: bool = False
    ) -> Any:
        dialog = dialog_module.show_report(
            mw,
            report,
            note_labels=labels,
            on_show_notes=calls.show_notes,
            on_retry_failed=calls.retry if retry else None,
            on_open_settings=calls.settings.append if settings_links else None,
        )
        opened.append(dialog)
        pump(anki_app, dialog.isVisible, what="the report window")
        return dialog

    yield open_with
    for dialog in opened:
        if not sip.isdeleted(dialog):
            dialog.close()
    anki_app.processEvents()


def child(dialog: Any, object_name: str, kind: type[QWidget] = QLabel) -> Any:
    found = dialog.findChild(kind, object_name)
    assert found is not None, f"no {kind.__name__} named {object_name}"
    return found


def table_rows(table: QTableWidget) -> list[list[str]]:
    return [[table.item(row, col).text() for col in range(table.columnCount())] for row in range(table.rowCount())]  # type: ignore[union-attr]


def three_failures() -> list[tuple[int, str, str, str]]:
    return [
        (2, "Image", "openverse", "nothing found for this word"),
        (1, "Audio", "forvo", "daily limit reached"),
        (2, "Audio", "espeak", "espeak-ng is not installed"),
    ]


def test_counts_headline_money_and_details(open_report: Callable[..., Any], make_report: Callable[..., Any]) -> None:
    report = make_report(
        three_failures(),
        filled=12,
        skipped=4,
        reused=3,
        not_started=2,
        cancelled=True,
        spent_usd=0.12,
        estimated_usd=0.3,
        skip_reasons=Counter({"field already filled": 3, "no source text": 1}),
        provider_problems={"openai_image": "no API key: set providers.image.openai_image.api_key"},
        notes_changed=12,
    )
    dialog = open_report(report)

    assert dialog.windowTitle() == "Fill Media — report"
    assert child(dialog, "headline").text() == "Fill Media cancelled"
    counts = {name: child(dialog, f"count_{name}").text() for name in ("filled", "skipped", "reused", "failed")}
    assert counts == {"filled": "12", "skipped": "4", "reused": "3", "failed": "3"}
    assert child(dialog, "count_not_started").text() == "2"
    number, caption = child(dialog, "count_filled"), child(dialog, "caption_filled")
    assert caption.text() == "Filled"
    assert number.font().pointSizeF() > caption.font().pointSizeF(), "counts are large numbers"
    assert child(dialog, "money").text() == "Spent $0.12 of an estimated $0.30"
    assert child(dialog, "providers_not_used").text() == (
        "openai_image was not used: no API key: set openai_image → API key"  # the form's label, not the key path
    )
    assert child(dialog, "skip_reasons").text().splitlines() == [
        "Skipped 3× — field already filled",
        "Skipped 1× — no source text",
    ]


def test_nothing_failed_hides_the_table_and_says_so(
    open_report: Callable[..., Any], make_report: Callable[..., Any]
) -> None:
    dialog = open_report(make_report(filled=5))

    assert child(dialog, "headline").text() == "Fill Media done"
    assert child(dialog, "failures_table", QTableWidget).isHidden()
    assert child(dialog, "no_failures").text() == "Nothing failed."
    assert dialog.findChild(QLabel, "count_not_started") is None, "not started only shows when some were"
    assert dialog.findChild(QLabel, "money") is None, "no money line for a free job"
    assert not child(dialog, "retry_failed", QWidget).isEnabled()
    dialog.adjustSize()  # as small as the window lets itself be: every button keeps its whole label
    squeezed = [b.text() for b in dialog.findChildren(QPushButton) if b.width() < b.sizeHint().width()]
    assert squeezed == []


def test_a_job_where_everything_failed_is_titled_failed_and_a_partial_one_partly_failed(
    open_report: Callable[..., Any], make_report: Callable[..., Any]
) -> None:
    failed = open_report(make_report(three_failures(), skipped=2))
    assert child(failed, "headline").text() == "Fill Media failed"
    partly = open_report(make_report(three_failures(), filled=4))
    assert child(partly, "headline").text() == "Fill Media partly failed"
    reused = open_report(make_report(three_failures(), reused=1))
    assert child(reused, "headline").text() == "Fill Media partly failed"


def test_show_in_browser_without_failures_shows_the_filled_notes(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls
) -> None:
    dialog = open_report(make_report(filled=2, reused=1, filled_note_ids=[3, 1, 2]))
    button = child(dialog, "show_in_browser", QWidget)
    assert button.isEnabled() and "filled" in button.toolTip()

    button.click()

    assert calls.shown == [[3, 1, 2]], "the notes the job filled, in the order it filled them"


def test_show_in_browser_is_off_when_nothing_was_filled_or_failed(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls
) -> None:
    dialog = open_report(make_report(skipped=4))
    assert not child(dialog, "show_in_browser", QWidget).isEnabled()
    dialog.show_in_browser()
    assert calls.shown == []


def test_show_in_browser_shows_the_failures_when_there_are_some(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls
) -> None:
    dialog = open_report(make_report(three_failures(), filled=2, filled_note_ids=[3]))
    child(dialog, "show_in_browser", QWidget).click()
    assert calls.shown == [[2, 1]], "the failed notes, not the filled one"


def test_budget_headline(open_report: Callable[..., Any], make_report: Callable[..., Any]) -> None:
    dialog = open_report(make_report(filled=2, budget_reached=True, cancelled=True, spent_usd=1.5, estimated_usd=4))
    assert child(dialog, "headline").text() == "Fill Media stopped at its budget ($1.50 spent)"
    assert child(dialog, "money").text() == "Spent $1.50 of an estimated $4.00"


def test_failures_table_rows_match_the_errors(open_report: Callable[..., Any], make_report: Callable[..., Any]) -> None:
    errors = [*three_failures(), (99, "Image", "", "no media returned")]
    dialog = open_report(make_report(errors))
    table = child(dialog, "failures_table", QTableWidget)

    assert not table.isHidden() and dialog.findChild(QLabel, "no_failures") is None
    assert child(dialog, "failures_heading").text().startswith("Failures (4)")
    assert [table.horizontalHeaderItem(c).text() for c in range(4)] == ["Note", "Field", "Provider", "Reason"]
    assert table_rows(table) == [
        ["banana", "Image", "openverse", "nothing found for this word"],
        ["apple", "Audio", "forvo", "daily limit reached"],
        ["banana", "Audio", "espeak", "espeak-ng is not installed"],
        ["note 99", "Image", "—", "no media returned"],
    ]
    assert table.isSortingEnabled()
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [table.item(r, 0).text() for r in range(4)] == ["apple", "banana", "banana", "note 99"]


def test_html_in_server_text_is_shown_as_text(open_report: Callable[..., Any], make_report: Callable[..., Any]) -> None:
    report = make_report(
        [(1, "Audio", "forvo", HTML_REASON + "\nsecond line")],
        provider_problems={"forvo": HTML_REASON},
        skip_reasons=Counter({HTML_REASON: 1}),
    )
    dialog = open_report(report)
    table = child(dialog, "failures_table", QTableWidget)

    reason = table.item(0, 3)
    assert reason is not None and reason.text() == HTML_REASON + " second line"
    rendered = QTextDocument()
    rendered.setHtml(reason.toolTip())
    assert rendered.toPlainText() == HTML_REASON + "\nsecond line", "the tooltip shows the whole reason, as text"
    for name in ("providers_not_used", "skip_reasons"):
        label = child(dialog, name)
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert HTML_REASON in label.text()


def test_show_in_browser_with_selected_rows(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls
) -> None:
    errors = [*three_failures(), (3, "Image", "openverse", "nothing found")]
    dialog = open_report(make_report(errors))
    table = child(dialog, "failures_table", QTableWidget)
    selection = table.selectionModel()
    assert selection is not None
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (3, 0, 2):
        selection.select(table.model().index(row, 0), flags)

    child(dialog, "show_in_browser", QWidget).click()

    assert calls.shown == [[2, 3]], "the selected rows' notes, once each, in table order"
    assert dialog.isVisible(), "the report stays open"


def test_show_in_browser_without_selection_shows_all_failed_notes(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls
) -> None:
    errors = [*three_failures(), (3, "Image", "openverse", "nothing found")]
    dialog = open_report(make_report(errors))
    table = child(dialog, "failures_table", QTableWidget)
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)

    child(dialog, "show_in_browser", QWidget).click()

    assert calls.shown == [[3, 2, 1]], "every failed note, once, in the table's (sorted) order"


def test_double_click_a_row_shows_that_note(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls, qtbot: Any
) -> None:
    dialog = open_report(make_report(three_failures()))
    table = child(dialog, "failures_table", QTableWidget)
    viewport = table.viewport()
    assert viewport is not None
    cell = table.visualItemRect(table.item(1, 2))

    # A real double click: press and release, then the double-click event (Qt's item views only
    # take a double click on the cell that was pressed).
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, cell.center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, cell.center())

    assert calls.shown == [[1]]


def test_retry_failed_calls_back_and_closes(
    anki_app: Any, open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls
) -> None:
    dialog = open_report(make_report(three_failures()))
    retry = child(dialog, "retry_failed", QWidget)
    assert retry.isEnabled()

    retry.click()

    assert calls.retries == 1
    pump(anki_app, lambda: sip.isdeleted(dialog) or not dialog.isVisible(), what="the report to close")


def test_retry_failed_is_disabled_without_a_callback(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls
) -> None:
    dialog = open_report(make_report(three_failures()), retry=False)
    retry = child(dialog, "retry_failed", QWidget)
    assert not retry.isEnabled()
    dialog.retry_failed()
    assert calls.retries == 0 and dialog.isVisible()


def test_copy_report_has_every_failure_beyond_the_table(
    open_report: Callable[..., Any],
    make_report: Callable[..., Any],
    dialog_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    said: list[str] = []
    monkeypatch.setattr(dialog_module, "tooltip", lambda text, **kwargs: said.append(text))
    errors = [(n, "Audio", "forvo", f"reason {n}") for n in range(1, 2501)]
    report = make_report(
        errors,
        filled=7,
        spent_usd=0.004,
        provider_problems={"openai_tts": "no API key"},
        skip_reasons=Counter({"field already filled": 2}),
        job_id="job-1",
    )
    dialog = open_report(report)
    assert child(dialog, "failures_table", QTableWidget).rowCount() == 2000
    clipboard = QApplication.clipboard()
    assert clipboard is not None
    clipboard.setText("")

    child(dialog, "copy_report", QWidget).click()

    text = clipboard.text()
    lines = text.splitlines()
    assert lines[:3] == [
        "Fill Media partly failed",
        "7 filled · 0 skipped · 0 reused · 2500 failed",
        "Spent less than $0.01",
    ]
    assert "  openai_tts: no API key" in lines
    assert "  2× field already filled" in lines
    assert "Failures (2500):" in lines
    assert "  apple (1) · Audio · forvo · reason 1" in lines
    assert "  note 2500 (2500) · Audio · forvo · reason 2500" in lines
    assert sum(" · forvo · reason " in line for line in lines) == 2500
    assert text == dialog_module.report_text(report, note_labels=LABELS)
    assert said == ["Copied"]


def test_ten_thousand_failures_open_with_the_rest_counted(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls
) -> None:
    errors = [(n % 4000 + 1, "Image", "openverse", f"nothing found ({n})") for n in range(10_000)]
    dialog = open_report(make_report(errors))

    table = child(dialog, "failures_table", QTableWidget)
    assert table.rowCount() == 2000
    assert child(dialog, "more_failures").text() == "… and 8000 more (Copy report has them all)"
    child(dialog, "show_in_browser", QWidget).click()
    assert sorted(calls.shown[0]) == list(range(1, 4001)), "all failed notes, beyond the table's rows too"


def test_reasons_name_settings_by_their_labels_not_key_paths(
    open_report: Callable[..., Any], make_report: Callable[..., Any]
) -> None:
    reason = "espeak-ng was not found; install it or set providers.audio.espeak.binary"
    report = make_report(
        [(1, "Audio", "espeak", reason)],
        failed=1,
        provider_problems={"openai": "needs an API key: set providers.image.openai.api_key"},
    )
    dialog = open_report(report)
    assert table_rows(dialog.table)[0][3] == "espeak-ng was not found; install it or set eSpeak NG → Binary"
    not_used = child(dialog, "providers_not_used").text()
    assert not_used == "OpenAI (pictures) was not used: needs an API key: set OpenAI (pictures) → API key", not_used
    assert dialog.findChild(QLabel, "failure_settings") is None, "no links when nothing can open the settings"


def test_reasons_that_name_a_setting_link_to_it(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls
) -> None:
    """Issue 18, item 5: with a way to open the settings, each setting a reason names is a link to
    that field; server text around it stays text."""
    report = make_report(
        [
            (1, "Audio", "espeak", "espeak-ng was not found; install it or set providers.audio.espeak.binary"),
            (2, "Audio", "espeak", "espeak-ng was not found; install it or set providers.audio.espeak.binary"),
            (3, "Image", "openverse", HTML_REASON),
        ],
        provider_problems={"openai": f"{HTML_REASON}; set providers.image.openai.api_key (or api_key_env)"},
    )
    dialog = open_report(report, settings_links=True)

    not_used = child(dialog, "providers_not_used")
    assert not_used.textFormat() == Qt.TextFormat.RichText
    assert not_used.text() == (
        "OpenAI (pictures) was not used: &lt;b&gt;Bad&lt;/b&gt; &lt;img src=x onerror=alert(1)&gt; answer &amp; "
        'more; set <a href="settings:image:openai:api_key">OpenAI (pictures) → API key</a> (or '
        '<a href="settings:image:openai:api_key_env">Key from environment variable</a>)'
    )
    fixes = child(dialog, "failure_settings")
    assert fixes.text() == (
        'Settings the failures name: <a href="settings:audio:espeak:binary">eSpeak NG → Binary</a>'
    ), "each setting the failures name is linked once"
    assert fixes.textInteractionFlags() & Qt.TextInteractionFlag.LinksAccessibleByMouse

    kinds = sys.modules[f"{ADDON}.core.media.types"].MediaKind
    not_used.linkActivated.emit("settings:image:openai:api_key")
    fixes.linkActivated.emit("settings:audio:espeak:binary")
    fixes.linkActivated.emit("https://example.org")  # not a settings link: ignored
    assert calls.settings == [(kinds.IMAGE, "openai", "api_key"), (kinds.AUDIO, "espeak", "binary")]
    assert dialog.isVisible(), "the report stays open beside the settings"


def test_failures_the_report_only_counted_are_named_with_their_journal(
    open_report: Callable[..., Any], make_report: Callable[..., Any], calls: Calls, dialog_module: ModuleType
) -> None:
    """A job whose report kept its first 2,000 failures of 100,000: the window and Copy report say
    how many more there are and which journal lists them; Show in Browser and Retry failed reach them all."""
    kept = [(n, "Audio", "openai_tts", "the key was refused") for n in range(1, 2001)]
    report = make_report(
        kept,
        failed=100_000,
        errors_left_out=98_000,
        failed_note_ids=list(range(1, 100_001)),
        journal_path="/profile/media_fill/jobs/job-9.jsonl",
    )
    dialog = open_report(report)

    assert child(dialog, "failures_table", QTableWidget).rowCount() == 2000
    assert child(dialog, "failures_heading").text().startswith("Failures (100000) ")
    sentence = (
        "… and 98000 more failures, not listed here; the journal /profile/media_fill/jobs/job-9.jsonl lists them all."
    )
    assert child(dialog, "failures_left_out").text() == f"{sentence} Retry failed retries them all."
    assert dialog.findChild(QLabel, "more_failures") is None, "the table shows every failure the report kept"
    text = dialog_module.report_text(report, note_labels=LABELS)
    assert "Failures (100000):" in text.splitlines()
    assert text.splitlines()[-2:] == ["  note 2000 (2000) · Audio · openai_tts · the key was refused", f"  {sentence}"]
    child(dialog, "show_in_browser", QWidget).click()
    assert calls.shown[0] == list(range(1, 100_001)), "every failed note, those only counted too"
    assert child(dialog, "retry_failed", QWidget).isEnabled()

"""`make screenshots`: the Fill Media dialog, the job window, the report, the settings, the word
list import, the editor's Fill Media button and its Choose… window, checked sounds, captured from the real Anki (headless, offscreen) driving the real add-on against the
test fakes of OpenAI's image, speech and transcription APIs and of Openverse on loopback. No key, no network. Saves PNGs to
docs/screenshots/.

Usage: ``python -m devtools.screenshots [--out docs/screenshots]``.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from .anki_base import PROFILE, create_base, headless_environment, link_addon, pump
from .paths import ADDON_PACKAGE, REPO
from .sample_deck import ENGLISH_TYPE, SPANISH_TYPE, build_sample_collection

if str(REPO) not in sys.path:  # the fakes are imported as tests.fakes.…
    sys.path.insert(0, str(REPO))

WORDS = 12
IMPORT_WORDS = [
    ("el pan", "bread"), ("la leche", "milk"), ("el queso", "cheese"), ("la manzana", "apple"),
    ("el arroz", "rice"), ("la sopa", "soup"), ("el huevo", "egg"), ("la naranja", "orange"),
]  # fmt: skip


def settle(app: Any, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    pump(app, lambda: time.monotonic() > end)


def grab(app: Any, widget: Any, path: Path) -> None:
    widget.raise_()
    settle(app)
    if not widget.grab().save(str(path)):
        raise RuntimeError(f"could not save {path}")
    print(f"saved {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


@contextmanager
def running_anki(base: Path) -> Iterator[tuple[Any, Any]]:
    import os

    os.environ.update(headless_environment(single_instance_key=f"media-fill-shots-{uuid.uuid4().hex}", offscreen=True))
    import aqt

    app = aqt._run(argv=["anki", "-b", str(base), "-p", PROFILE], exec=False)
    assert app is not None, "Anki did not start"
    pump(app, lambda: aqt.mw is not None and aqt.mw.col is not None, what="the profile to open")
    try:
        yield app, aqt.mw
    finally:
        mw = aqt.mw
        assert mw is not None
        mw.unloadProfileAndExit()
        pump(app, lambda: mw.col is None, what="the profile to close")


def config_for(images: Any, speech: Any) -> dict[str, Any]:
    from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
    from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY

    limits = {"requests_per_minute": 6000, "max_concurrency": 2, "retry_attempts": 0}
    return {
        "rules": [],
        "budget_usd": 5,
        "providers": {
            "image": {
                "openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": images.url, **limits},
            },
            "audio": {"openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": speech.url, **limits}},
        },
    }


def capture(out: Path) -> None:
    from tests.fakes.openai_fake import safety_rejection, serve_openai
    from tests.fakes.openai_tts_fake import serve_openai_tts

    base = Path(tempfile.mkdtemp(prefix="media-fill-shots-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, base, ignore_errors=True)
        profile = create_base(base)
        ids = build_sample_collection(profile / "collection.anki2")
        link_addon(base)
        images = stack.enter_context(serve_openai())
        speech = stack.enter_context(serve_openai_tts())
        app, mw = stack.enter_context(running_anki(base))
        import aqt

        addon = sys.modules[ADDON_PACKAGE]
        notes = [nid for group in ids.values() for nid in group[: WORDS // 2]]
        browser = aqt.dialogs.open("Browser", mw)
        browser.resize(1100, 700)
        browser.search_for("nid:" + ",".join(map(str, notes)))
        browser.table.select_all()
        pump(app, lambda: len(browser.selected_notes()) == len(notes), what="the selection")
        capture_first_run(app, mw, addon, browser, out)
        mw.addonManager.writeConfig(ADDON_PACKAGE, config_for(images, speech))

        addon.controller.fill_selected(browser)
        pump(app, lambda: addon.controller.fill_dialog is not None, what="the Fill Media dialog")
        dialog = addon.controller.fill_dialog
        dialog.select_note_type(dialog.groups[0].name)
        pump(app, lambda: dialog.summary is not None and not dialog._replan_timer.isActive(), what="the plan")
        sys.modules["aqt.sound"].av_player.play_file = lambda path: None  # no speakers here
        dialog.run_preview()
        pump(app, lambda: dialog.preview.result is not None and not dialog.preview.running, what="the preview")
        grab(app, dialog, out / "fill_dialog.png")

        images.latency_s = speech.latency_s = 0.4
        images.fail(safety_rejection(), times=1)
        dialog.start_button.click()
        job = addon.controller.job
        pump(app, lambda: job.progress_window is not None and job.progress_window.bar.value() >= 4, what="progress")
        grab(app, job.progress_window, out / "job_window.png")

        images.latency_s = speech.latency_s = 0.0
        pump(app, lambda: not job.running, what="the job")
        pump(app, lambda: addon.controller.report_window is not None, what="the report")
        grab(app, addon.controller.report_window, out / "report.png")
        capture_review(app, addon, out)
        addon.controller.report_window.close()

        capture_settings(app, addon, out)
        capture_import(app, addon, out, words=base / "spanish-words.csv")
        capture_editor(app, mw, addon, out, config=config_for(images, speech))
        capture_choose(app, mw, addon, out)
        capture_checked_sounds(app, addon, browser, out, config=config_for(images, speech), speech=speech,
                               notes=ids[SPANISH_TYPE][WORDS // 2 : WORDS])  # fmt: skip
        capture_voices(app, addon, out)  # last: see its docstring
        browser.close()
        settle(app)


def capture_checked_sounds(
    app: Any, addon: Any, browser: Any, out: Path, *, config: dict[str, Any], speech: Any, notes: list[int]
) -> None:
    """Checked sounds: the dialog's "Check the sound with" row, and the report listing the sound
    that said another word ("ayer" heard as "hay el"), kept as doubtful."""
    from aqt.qt import QScrollArea

    from tests.fakes.openai_stt_fake import TEST_KEY as EARS_KEY
    from tests.fakes.openai_stt_fake import serve_openai_stt
    from tests.support.media_samples import silent_mp3

    from .sample_deck import SPANISH_WORDS

    target = {"field": "Audio", "kind": "audio", "source": "{Palabra}", "providers": ["openai_tts"],
              "verify_with": "openai_stt", "on_mismatch": "keep"}  # fmt: skip
    rule = {"note_type": SPANISH_TYPE, "language": "es", "mode": "skip", "targets": [target]}
    limits = {"requests_per_minute": 6000, "retry_attempts": 0}
    with serve_openai_stt() as ears:
        for n, (word, _) in enumerate(SPANISH_WORDS[WORDS // 2 : WORDS], start=20):
            sound = silent_mp3(n)  # a sound of its own for each word, heard as the word
            speech.text_payloads[word] = sound
            ears.say(sound, "hay el" if word == "ayer" else word.capitalize() + ".")
        ears_config = {"enabled": True, "api_key": EARS_KEY, "base_url": ears.url, **limits}
        providers = {**config["providers"], "text": {"openai_stt": ears_config}}
        addon.controller.mw.addonManager.writeConfig(ADDON_PACKAGE, {**config, "rules": [rule], "providers": providers})
        browser.search_for("nid:" + ",".join(map(str, notes)))
        browser.table.select_all()
        pump(app, lambda: len(browser.selected_notes()) == len(notes), what="the selection")
        addon.controller.fill_dialog = addon.controller.report_window = None  # the first job's
        addon.controller.fill_selected(browser)
        pump(app, lambda: addon.controller.fill_dialog is not None, what="the Fill Media dialog")
        dialog = addon.controller.fill_dialog
        pump(app, lambda: dialog.summary is not None and not dialog._replan_timer.isActive(), what="the plan")
        form = dialog.rule_form
        form.targets.setCurrentRow(
            next(r for r in range(form.targets.count()) if form.targets.item(r).text().startswith("Audio ←"))
        )
        dialog.resize(1040, dialog.height())  # room for the check row's two choices
        settle(app)
        scroll = next(w for w in dialog.findChildren(QScrollArea) if w.widget() is form)
        scroll.ensureWidgetVisible(form.editor.check, 0, 40)  # the "Check the sound with" row in view
        grab(app, dialog, out / "checked_sounds_dialog.png")
        dialog.start_button.click()
        job = addon.controller.job
        pump(app, lambda: not job.running, what="the job")
        pump(app, lambda: addon.controller.report_window is not None, what="the report")
        grab(app, addon.controller.report_window, out / "checked_sounds_report.png")
        addon.controller.report_window.close()
    addon.controller.mw.addonManager.writeConfig(ADDON_PACKAGE, config)


def capture_settings(app: Any, addon: Any, out: Path) -> None:
    """Tools → Media Fill → Settings…"""
    settings = addon.controller.open_settings()
    settle(app, 0.5)
    grab(app, settings, out / "settings.png")
    settings.close()


def capture_voices(app: Any, addon: Any, out: Path) -> None:
    """Settings → OpenAI speech → Choose voice…: the voice picker, a voice picked and its sample
    played. Taken last: run before the editor's picture, the Add window's Fill Media button then
    never started its fill in this script (not understood; the GUI tests of the editor pass)."""
    from aqt.qt import QPushButton

    from addon.core.media.types import MediaKind

    settings = addon.controller.open_settings(focus=(MediaKind.AUDIO, "openai_tts"))
    button = settings.findChild(QPushButton, "choose_voice:openai_tts")
    button.click()
    section = button.parent()
    pump(app, lambda: section.picker is not None and not section.picker.busy, what="the voice list")
    picker = section.picker
    picker.language.setText("es")
    picker.select_voice("nova")
    picker.play_sample()
    pump(app, lambda: not picker.busy and bool(picker.played), what="the sample")
    settle(app, 0.3)
    grab(app, picker, out / "voices.png")
    picker.close()
    settings.close()


def capture_first_run(app: Any, mw: Any, addon: Any, browser: Any, out: Path) -> None:
    """A new user's Fill Media dialog: the shipped settings (pictures off, espeak on), the Picture
    field guessed, and the one-click offer of a free picture provider."""
    mw.addonManager.writeConfig(ADDON_PACKAGE, {})
    addon.controller.fill_dialog = None
    addon.controller.fill_selected(browser)
    pump(app, lambda: addon.controller.fill_dialog is not None, what="the Fill Media dialog")
    dialog = addon.controller.fill_dialog
    dialog.select_note_type(dialog.groups[0].name)
    pump(app, lambda: dialog.summary is not None and not dialog._replan_timer.isActive(), what="the plan")
    grab(app, dialog, out / "first_run.png")
    dialog.reject()
    addon.controller.fill_dialog = None


def capture_import(app: Any, addon: Any, out: Path, *, words: Path) -> None:
    """The word-list import with a small Spanish list checked."""
    words.write_text(
        "Palabra,Significado,Nivel\n" + "".join(f"{w},{m},A1\n" for w, m in IMPORT_WORDS), encoding="utf-8"
    )
    importer = addon.controller.open_import()
    importer.note_type.setCurrentText("Basic")
    importer.setup_offer.linkActivated.emit("note-type:ready")
    preview = importer.setup_offer.preview
    pump(app, lambda: preview is not None and preview.isVisible(), what="the ready note type's preview")
    grab(app, preview, out / "ready_note_type.png")
    preview.reject()
    importer.note_type.setCurrentText(SPANISH_TYPE)
    importer.deck.setCurrentText("Spanish::Food")
    importer.file_edit.setText(str(words))
    importer.load_file(str(words))
    pump(app, lambda: importer.check is not None, what="the word list check")
    grab(app, importer, out / "import.png")
    importer.reject()


def capture_review(app: Any, addon: Any, out: Path) -> None:
    """The report's Review…: the first filled note, its picture shown and its fields listed."""
    review = addon.controller.review
    review.player = lambda name: None  # no speakers here
    addon.controller.report_window.review_button.click()
    pump(app, lambda: review.window is not None, what="the Review window")
    settle(app, 0.5)
    grab(app, review.window, out / "review.png")
    review.window.close()


def capture_editor(app: Any, mw: Any, addon: Any, out: Path, *, config: dict[str, Any]) -> None:
    """The Add window with its Fill Media button, once the button has filled the new note's
    picture and sound."""
    import aqt

    rule = {
        "note_type": ENGLISH_TYPE,
        "language": "en",
        "targets": [
            {"field": "Picture", "kind": "image", "source": "{Front}", "providers": ["openai"]},
            {"field": "Audio", "kind": "audio", "source": "{Front}", "providers": ["openai_tts"]},
        ],
    }
    mw.addonManager.writeConfig(ADDON_PACKAGE, {**config, "rules": [rule]})
    window = aqt.dialogs.open("AddCards", mw)
    window.resize(700, 640)
    model = mw.col.models.by_name(ENGLISH_TYPE)
    window.set_note_type(model["id"])
    editor = window.editor
    pump(app, lambda: editor.note is not None and editor.note.mid == model["id"], what="the Add window")
    editor.note["Front"] = "lighthouse"
    editor.loadNote()
    fills = addon.controller.editor_fills
    editor._links["media_fill"](editor)
    pump(app, lambda: fills.last is not None and not fills.last.running, what="the editor's fill")
    settle(app, 1.0)
    grab(app, window, out / "editor.png")
    editor.set_note(None)
    window._close()


def capture_choose(app: Any, mw: Any, addon: Any, out: Path) -> None:
    """The Choose… window of the Add window's picture field: six Openverse pictures side by side,
    with their credit and licence, the third picked."""
    from tests.fakes.openverse_fake import serve_openverse

    with serve_openverse(others="empty") as pictures:
        _capture_choose(app, mw, addon, out, pictures=pictures)


def _capture_choose(app: Any, mw: Any, addon: Any, out: Path, *, pictures: Any) -> None:
    import aqt

    from tests.fakes.openverse_fake import FakeImage
    from tests.support.media_samples import png_bytes

    colours = [(220, 60, 50), (240, 170, 40), (70, 160, 80), (60, 120, 200), (150, 80, 180), (120, 120, 120)]
    licences = ["by", "by-sa", "cc0", "by", "pdm", "by-sa"]
    pictures.add(
        "lighthouse",
        *(
            FakeImage(title=f"Lighthouse {n + 1}", creator=f"Photographer {n + 1}", license=licences[n],
                      thumb=png_bytes(160, 120, colours[n]))
            for n in range(6)
        ),
    )  # fmt: skip
    rule = {
        "note_type": ENGLISH_TYPE,
        "language": "en",
        "targets": [{"field": "Picture", "kind": "image", "source": "{Front}", "providers": ["openverse"]}],
    }
    providers = {"image": {"openverse": {"enabled": True, "base_url": pictures.url, "requests_per_minute": 6000}}}
    mw.addonManager.writeConfig(ADDON_PACKAGE, {"rules": [rule], "providers": providers})
    window = aqt.dialogs.open("AddCards", mw)
    model = mw.col.models.by_name(ENGLISH_TYPE)
    window.set_note_type(model["id"])
    editor = window.editor
    pump(app, lambda: editor.note is not None and editor.note.mid == model["id"], what="the Add window")
    editor.note["Front"] = "lighthouse"
    editor.loadNote()
    fills = addon.controller.editor_fills
    kinds = importlib.import_module(f"{ADDON_PACKAGE}.core.media.types").MediaKind  # the loaded add-on's
    chooser = fills.choose(editor, field="Picture", kind=kinds.IMAGE)
    assert chooser is not None
    pump(app, lambda: not chooser.asking and len(chooser.results) == 6, what="the candidates")
    chooser.pick(2)
    settle(app, 0.5)
    grab(app, chooser, out / "choose.png")
    chooser.reject()
    editor.set_note(None)
    window._close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    capture(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

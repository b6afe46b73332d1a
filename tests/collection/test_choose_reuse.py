"""Choose… stores the media taken like any fill, reuse index included: a later job asking the same
provider for the same text uses the user's choice instead of asking again (EchoSpeech fake over
loopback, a real temporary collection)."""

from __future__ import annotations

from pathlib import Path

from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.choose import ChooseSession
from addon.collection.fill import run_headless
from addon.core.media.types import MediaKind, MediaResult
from addon.core.provider_system.registry import ProviderRegistry
from tests.collection.test_job_streaming import KEY, echo_config, file_bytes, sound_file
from tests.support.fake_http import serve
from tests.support.notes_helpers import add_basic
from tests.support.streaming_fakes import SpeechServer, mp3_for


def test_the_media_taken_is_reused_by_a_later_job(col: Collection, tmp_path: Path) -> None:
    speech = SpeechServer(key=KEY)
    with serve(speech) as server:
        config = echo_config(server.url)
        registry = ProviderRegistry(config, state_dir=tmp_path)
        (chosen_id,) = add_basic(col, "quince")
        session = ChooseSession(
            note=col.get_note(NoteId(chosen_id)), config=config, registry=registry, field="Back", kind=MediaKind.AUDIO
        )
        item = session.plan(col)
        taken = mp3_for("quince", "the third voice")  # what the user took among the candidates
        session.store(
            MediaResult(
                request=item.request, provider="echo_speech", data=taken, extension="mp3", mime_type="audio/mpeg"
            )
        )
        assert session.report is not None and session.report.filled == 1
        assert file_bytes(col, sound_file(col, chosen_id)) == taken

        (later_id,) = add_basic(col, "quince")
        report = run_headless(col, [later_id], config, registry=registry, state_dir=tmp_path)

    assert (report.filled, report.reused) == (0, 1)
    assert speech.total() == 0, "the later job asked the provider again"
    assert file_bytes(col, sound_file(col, later_id)) == taken

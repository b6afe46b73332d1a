"""Checked sounds in the job's engine: each sound made for a work item with a check is heard by the
check's transcription provider through the pool, and a sound that says another word goes to the
next provider, is kept as doubtful, or fails its target, as ``on_mismatch`` says. A transcription
that fails keeps the sound, marked not checked."""

from __future__ import annotations

import threading
from typing import Any

from addon.core.base.errors import PermanentError, SoundMismatchError, TransientError
from addon.core.config.sound_check import SoundCheck
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.media_provider import HealthReport, MediaProvider
from tests.support.job_fakes import ID3_HEADER, Backup, Lookup, Primary, run

HEARD_AS = {"perro": "gato"}  # the primary voice's sound for "perro" says "gato"


def wrong_word(request: MediaRequest) -> bytes:
    return ID3_HEADER + HEARD_AS.get(request.text, request.text).encode() + b"\x00" * 64


class Ears(MediaProvider):
    """Hears what `job_fakes.speak` said: the text after the ID3 header."""

    name = "ears"
    kind = MediaKind.TEXT

    def __init__(self, error: Exception | None = None, **settings: Any) -> None:
        super().__init__({"retry_attempts": 0, "requests_per_minute": 60000, **settings})
        self.error = error
        self.heard: list[str] = []
        self._lock = threading.Lock()

    def generate(self, request: MediaRequest) -> MediaResult:
        assert request.kind is MediaKind.TEXT and request.audio is not None
        assert request.options["audio_sha1"] == request.audio.sha1
        words = request.audio.read()[len(ID3_HEADER) :].rstrip(b"\x00").decode()
        with self._lock:
            self.heard.append(words)
        if self.error is not None:
            raise self.error
        return MediaResult(request=request, provider=self.name, data=words.title().encode(), extension="txt")

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, ok=True, latency_s=0.0)


def checked(text: str, on_mismatch: str = "next", checker: str = "ears") -> WorkItem:
    check = SoundCheck(checker, on_mismatch=on_mismatch)  # type: ignore[arg-type]
    return WorkItem(MediaRequest(kind=MediaKind.AUDIO, text=text, language="es"), ("primary", "backup"), check=check)


def test_a_sound_saying_another_word_goes_to_the_next_provider() -> None:
    primary, backup, ears = Primary(wrong_word), Backup(), Ears()
    item = checked("perro")
    result = run([item, checked("casa")], primary, backup, ears).results[item.key]
    assert result.ok and result.provider == "backup"
    assert result.heard is not None and result.heard.status == "matched" and result.heard.heard == "Perro"
    assert primary.calls == ["perro", "casa"] and backup.calls == ["perro"]
    assert sorted(ears.heard) == ["casa", "gato", "perro"]


def test_with_keep_the_doubtful_sound_is_kept_with_what_was_heard() -> None:
    item = checked("perro", "keep")
    result = run([item], Primary(wrong_word), backup := Backup(), Ears()).results[item.key]
    assert result.ok and result.provider == "primary" and not backup.calls
    heard = result.heard
    assert heard is not None
    assert (heard.status, heard.expected, heard.heard, heard.checker) == ("doubtful", "perro", "Gato", "ears")
    assert heard.score < 0.8


def test_with_fail_the_target_fails_naming_what_was_heard() -> None:
    item = checked("perro", "fail")
    result = run([item], Primary(wrong_word), backup := Backup(), Ears()).results[item.key]
    assert not result.ok and isinstance(result.error, SoundMismatchError)
    assert "'Gato'" in result.error.message and "'perro'" in result.error.message
    assert "on_mismatch" in result.error.message  # the fix
    assert not backup.calls


def test_when_the_last_providers_sound_is_wrong_too_the_target_fails_naming_each() -> None:
    item = checked("perro")
    lookup = Lookup(Primary(wrong_word), Backup(wrong_word), Ears())
    outcome = generate(item, lookup)
    result = outcome.results[item.key]
    assert isinstance(result.error, SoundMismatchError)
    assert "primary's as 'Gato', backup's as 'Gato'" in result.error.message
    # A sound heard wrong is not a failure of the provider that made it.
    assert lookup.breakers["primary"].state == "closed" and lookup.healths["primary"].snapshot().failures == 0


def test_a_failed_transcription_keeps_the_sound_marked_not_checked() -> None:
    for error in (TransientError("server busy (503)"), PermanentError("HTTP 400: bad audio")):
        item = checked("perro")
        result = run([item], Primary(), Backup(), Ears(error)).results[item.key]
        assert result.ok and result.provider == "primary"
        assert result.heard is not None and result.heard.status == "not_checked"
        assert error.message in result.heard.reason and "ears" in result.heard.reason


def test_a_checker_that_cannot_run_keeps_the_sound_not_checked_and_is_named() -> None:
    item = checked("perro", checker="missing")
    outcome = run([item], Primary(wrong_word), Backup(), Ears())
    result = outcome.results[item.key]
    assert result.ok and result.heard is not None and result.heard.status == "not_checked"
    assert "missing" in outcome.provider_problems


def test_a_check_is_part_of_the_work_items_key() -> None:
    plain = WorkItem(MediaRequest(kind=MediaKind.AUDIO, text="perro", language="es"), ("primary", "backup"))
    assert plain.key != checked("perro").key != checked("perro", "keep").key
    assert plain.key == plain.request.cache_key + "|primary,backup"  # unchecked keys as before (journals)


def generate(item: WorkItem, lookup: Lookup) -> Any:
    return generate_all([item], providers=lookup, cancel=threading.Event())


class Renaming(Primary):
    """A third-party voice whose result names another request than the one it was asked (its own
    copy, with other text), while its sound says the word it was asked."""

    def generate(self, request: MediaRequest) -> MediaResult:
        made = super().generate(request)
        other = MediaRequest(kind=request.kind, text="gato", language="es")
        return MediaResult(request=other, provider=self.name, data=made.data, extension="mp3")


def test_the_sound_is_compared_with_the_planned_text_not_the_one_a_provider_names() -> None:
    item = checked("perro", "fail")
    result = run([item], Renaming(), Backup(), ears := Ears()).results[item.key]
    assert ears.heard == ["perro"]
    assert result.ok and result.heard is not None
    assert (result.heard.status, result.heard.expected) == ("matched", "perro")

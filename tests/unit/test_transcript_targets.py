"""Transcript targets (kind ``text``, issue 22): a target that hears the sound of one field and
fills another with what is said. Its config is checked with the key path of each mistake."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from addon.collection.field_markup import media_reference
from addon.collection.transcripts import transcript_text
from addon.core.base.errors import InvalidResponseError
from addon.core.config.rule_schema import rule_problems
from addon.core.config.rules import FillMode, parse_rules
from addon.core.engine.plan_reuse import RESUME, apply_journal, apply_reuse
from addon.core.engine.planner import plan_notes, what_will_be_read
from addon.core.engine.sound_sources import SoundFiles
from addon.core.job.plan import Plan, SourceNote
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.state.journal_records import JobHeader, JournalState, StoredEntry
from addon.core.state.reuse_index import ReuseIndex, ReuseRow, reuse_key

KNOWN = {MediaKind.TEXT: ["openai_stt"], MediaKind.AUDIO: ["espeak"], MediaKind.IMAGE: ["openverse"]}


def _rule(**target: Any) -> dict[str, Any]:
    return {
        "note_type": "Basic",
        "targets": [
            {"field": "Transcript", "kind": "text", "source": "{Audio}", "providers": ["openai_stt"], **target}
        ],
    }


def test_a_transcript_target_parses_with_its_language_and_mode() -> None:
    (rule,) = parse_rules({"rules": [{**_rule(mode="append"), "language": "es"}]})
    (target,) = rule.targets
    assert (target.kind, target.source_fields, target.language, target.mode) == (
        MediaKind.TEXT,
        ("Audio",),
        "es",
        FillMode.APPEND,
    )
    assert rule_problems([_rule(mode="overwrite", language="de")], KNOWN) == []


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("{Audio} {Word}", "names 2 fields"),
        ("say {Audio}", "write only that field in braces, like {Audio}"),
        ("{Audio}!", "write only that field in braces"),
    ],
)
def test_a_transcript_reads_exactly_one_field(source: str, said: str) -> None:
    ((at, message),) = rule_problems([_rule(source=source)], KNOWN)
    assert at == "rules[0].targets[0].source"
    assert said in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("voice", {"espeak": "en"}),
        ("voice_mode", "rotate"),
        ("prompt", "{text}"),
        ("image_max_px", 512),
        ("image_format", "png"),
        ("max_chars", 20),
        ("text_rules", [{"find": "a"}]),
    ],
)
def test_keys_a_transcript_cannot_use_are_refused_with_their_path(key: str, value: Any) -> None:
    problems = rule_problems([_rule(**{key: value})], KNOWN)
    assert (
        f"rules[0].targets[0].{key}",
        f"a transcript target does not use {key}; remove it from the target of Transcript",
    ) in problems


def test_a_sound_provider_is_not_a_transcription_provider() -> None:
    ((at, message),) = rule_problems([_rule(providers=["espeak"])], KNOWN)
    assert at == "rules[0].targets[0].providers"
    assert "unknown text provider 'espeak'" in message


def test_a_transcript_and_a_sound_may_not_read_the_target_itself() -> None:
    ((at, message),) = rule_problems([_rule(source="{Transcript}")], KNOWN)
    assert at == "rules[0].targets[0].source" and "cannot be its source" in message


# The planner: which sound is heard, hashed once per job; no sound, a missing file


def _plan(notes: list[SourceNote], sounds: SoundFiles | None, **target: Any) -> Plan:
    return plan_notes(notes, parse_rules({"rules": [_rule(**target)]}), sounds=sounds)


def _note(note_id: int, audio: str, transcript: str = "") -> SourceNote:
    return SourceNote(note_id, "Basic", {"Audio": audio, "Transcript": transcript, "Word": "casa"})


def test_the_first_sound_of_the_source_field_is_heard_from_the_media_folder(tmp_path: Path) -> None:
    (tmp_path / "casa.mp3").write_bytes(b"ID3 casa")
    (tmp_path / "other.mp3").write_bytes(b"ID3 other")
    sounds = SoundFiles(str(tmp_path), duration=lambda data, *, extension: 1.5)
    plan = _plan([_note(1, "la casa [sound:casa.mp3] [sound:other.mp3]")], sounds, language="es")
    (target,) = plan.targets
    assert target.work is not None and target.failure is None
    request = target.work.request
    assert (request.kind, request.text, request.language) == (MediaKind.TEXT, "", "es")
    assert dict(request.options) == {"audio_sha1": hashlib.sha1(b"ID3 casa").hexdigest()}
    assert request.audio is not None
    assert (request.audio.path, request.audio.extension, request.audio.duration_s) == (
        str(tmp_path / "casa.mp3"),
        "mp3",
        1.5,
    )
    assert request.audio.read() == b"ID3 casa"
    assert target.source_text == "casa.mp3"


def test_a_sound_whose_name_anki_wrote_html_escaped_is_found(tmp_path: Path) -> None:
    # Anki's editor writes a file "Tom & Jerry.mp3" as [sound:Tom &amp; Jerry.mp3] (html.escape);
    # the file is in the media folder, so the note must not fail as if it were missing.
    (tmp_path / "Tom & Jerry.mp3").write_bytes(b"ID3 tom")
    plan = _plan([_note(1, "[sound:Tom &amp; Jerry.mp3]")], SoundFiles(str(tmp_path)))
    (target,) = plan.targets
    assert target.failure is None and target.work is not None
    assert target.work.request.audio is not None
    assert target.work.request.audio.read() == b"ID3 tom"
    assert target.source_text == "Tom & Jerry.mp3"


def test_each_file_is_hashed_once_per_job_and_notes_sharing_it_share_one_request(tmp_path: Path) -> None:
    (tmp_path / "casa.mp3").write_bytes(b"ID3 casa")
    read: list[str] = []

    def duration(data: bytes, *, extension: str) -> float:
        read.append(extension)
        return 2.0

    sounds = SoundFiles(str(tmp_path), duration=duration)
    plan = _plan([_note(n, "[sound:casa.mp3]") for n in (1, 2, 3)], sounds)
    assert len(plan.to_generate) == 3
    assert len(plan.unique_work()) == 1
    assert read == ["mp3"], "read once"


def test_a_field_without_a_sound_is_skipped_with_the_reason(tmp_path: Path) -> None:
    plan = _plan([_note(1, "no sound here")], SoundFiles(str(tmp_path)))
    (target,) = plan.targets
    assert (target.work, target.failure, target.skip_reason) == (None, None, "Audio has no sound to transcribe")
    assert plan.skipped == [target]


def test_a_missing_file_fails_the_note_naming_the_field_the_file_and_the_fix(tmp_path: Path) -> None:
    plan = _plan([_note(1, "[sound:gone.mp3]")], SoundFiles(str(tmp_path)))
    (target,) = plan.targets
    assert target.work is None and target.skip_reason is None
    assert target.failure is not None
    assert "Audio plays gone.mp3, which is not in the media folder; put the file back" in target.failure
    assert plan.failing == [target] and plan.skipped == []


def test_a_filled_transcript_is_left_alone_in_skip_mode_and_replaced_in_overwrite(tmp_path: Path) -> None:
    (tmp_path / "casa.mp3").write_bytes(b"ID3 casa")
    sounds = SoundFiles(str(tmp_path))
    (kept,) = _plan([_note(1, "[sound:casa.mp3]", "la casa")], sounds).targets
    assert kept.skip_reason == "Transcript already has a transcript"
    (redone,) = _plan([_note(1, "[sound:casa.mp3]", "la casa")], sounds, mode="overwrite").targets
    assert redone.work is not None


def test_the_rule_editor_sample_names_the_sound_heard() -> None:
    (rule,) = parse_rules({"rules": [_rule()]})
    (target,) = rule.targets
    assert what_will_be_read({"Audio": "[sound:a.mp3]", "Transcript": ""}, target) == ("the sound a.mp3", None)
    assert what_will_be_read({"Audio": "", "Transcript": ""}, target) == ("", "Audio has no sound to transcribe")


# Earlier runs and earlier jobs: a transcript is kept as text, with no file to look for


def test_a_resumed_job_uses_a_transcript_its_journal_kept_without_looking_for_a_file(tmp_path: Path) -> None:
    (tmp_path / "casa.mp3").write_bytes(b"ID3 casa")
    plan = _plan([_note(1, "[sound:casa.mp3]")], SoundFiles(str(tmp_path)))
    (item,) = plan.unique_work()
    header = JobHeader(
        job_id="20260101-093000-a1b2", created=0.0, note_ids=[1], rules=[], kinds=["text"], fresh=False, collection="c"
    )
    state = JournalState(header=header, stored={item.key: StoredEntry(file_name="la casa", provider="openai_stt")})
    apply_journal(plan, state, mode=RESUME, exists=lambda name: False)
    assert plan.ready[item.key].file_name == "la casa"
    assert plan.requests_to_make() == []


def test_a_later_job_reuses_an_indexed_transcript_without_looking_for_a_file(tmp_path: Path) -> None:
    (tmp_path / "casa.mp3").write_bytes(b"ID3 casa")
    plan = _plan([_note(1, "[sound:casa.mp3]")], SoundFiles(str(tmp_path)))
    (item,) = plan.unique_work()
    key = reuse_key(provider="openai_stt", cache_key=item.request.cache_key, fingerprint="f")
    with ReuseIndex(tmp_path / "index.sqlite3", collection_id="c") as index:
        index.record_many([ReuseRow(key, "la casa", "openai_stt", "text", 7, "x")])
        marked = apply_reuse(plan, index=index, fingerprint=lambda kind, name: "f", exists=lambda name, size: False)
    assert marked == 1
    assert plan.ready[item.key].file_name == "la casa"


def test_the_estimate_prices_a_transcript_per_minute_of_its_sound(tmp_path: Path) -> None:
    (tmp_path / "casa.mp3").write_bytes(b"ID3 casa")
    plan = _plan([_note(1, "[sound:casa.mp3]")], SoundFiles(str(tmp_path), duration=lambda data, *, extension: 90.0))
    estimate = plan.estimate(lambda kind, name: 0.0, per_minute=lambda kind, name: 0.006)
    assert estimate.usd == {"openai_stt": pytest.approx(0.009)}


# The store step's cleaning, whatever a (third-party) provider hands back


def _heard(data: bytes) -> MediaResult:
    return MediaResult(MediaRequest(kind=MediaKind.TEXT, text=""), "some_stt", data=data, extension="txt")


def test_a_transcript_is_put_on_one_line_without_control_or_invisible_characters() -> None:
    heard = _heard("  la\x00 casa\u202e\n\n es\tgrande \x7f".encode())
    assert transcript_text(heard) == "la casa es grande"


@pytest.mark.parametrize(("data", "said"), [(b"\xff\xfe\x00", "not UTF-8 text"), (b" \n\t ", "heard no words")])
def test_a_transcript_that_is_no_words_is_refused_naming_the_provider(data: bytes, said: str) -> None:
    with pytest.raises(InvalidResponseError, match=said) as caught:
        transcript_text(_heard(data))
    assert caught.value.provider == "some_stt"


def test_a_sound_tag_in_a_transcript_never_reaches_the_field_where_a_card_would_play_it() -> None:
    # Escaping HTML leaves "[sound:…]" as it is, and Anki plays any sound tag in a field on the card.
    heard = _heard(b"[sound:../../evil.mp3] hola [sound:x.mp3]y [so\xe2\x80\x8bund:z.mp3]")
    text = transcript_text(heard)
    assert text == "hola y"
    assert "[sound:" not in media_reference(MediaKind.TEXT, text)
    with pytest.raises(InvalidResponseError, match="heard no words"):
        transcript_text(_heard(b"[sound:only.mp3]"))

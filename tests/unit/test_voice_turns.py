"""A target's ``voice_mode`` in the planner (issue 21 item 3): ``single`` asks for the first voice,
``rotate`` lets the voices take turns note by note (a skipped note keeps its turn, the turns run on
over a job's parts), ``random`` spreads the notes over the voices and gives a note the same voice
every time; the voice chosen is in the request's options, so its cache key follows it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from addon.core.config.rules import Rule, parse_rules
from addon.core.engine.planner import plan_notes
from addon.core.engine.voice_turns import VoiceTurns
from addon.core.job.plan import SourceNote

VOICES = ["nova", "alloy", "echo"]


def _rule(mode: str | None, voice: Any = VOICES, **target: Any) -> Rule:
    spec: dict[str, Any] = {
        "field": "Audio",
        "kind": "audio",
        "source": "{Word}",
        "providers": ["openai_tts", "espeak"],
        "voice": {"openai_tts": voice, "espeak": "es"},
        **target,
    }
    if mode is not None:
        spec["voice_mode"] = mode
    (rule,) = parse_rules({"rules": [{"note_type": "Vocab", "language": "es", "targets": [spec]}]})
    return rule


def _notes(*words: str, start: int = 1) -> list[SourceNote]:
    return [SourceNote(start + i, "Vocab", {"Word": w, "Audio": ""}) for i, w in enumerate(words)]


def in_turn(voices: list[str], *, among: list[str] = VOICES) -> list[str]:
    """What ``voices`` would be if they took turns, starting from the first one's place in ``among``."""
    start = among.index(voices[0])
    return [among[(start + i) % len(among)] for i in range(len(voices))]


def _voices(rule: Rule, notes: list[SourceNote], turns: VoiceTurns | None = None) -> list[dict[str, str] | None]:
    plan = plan_notes(notes, [rule], turns=turns)
    return [t.work.request.options.get("voice") if t.work is not None else None for t in plan.targets]


def test_rotate_gives_three_notes_three_voices_in_turn() -> None:
    voices = _voices(_rule("rotate"), _notes("uno", "dos", "tres", "cuatro"))
    asked = [v["openai_tts"] for v in voices if v]
    assert len(set(asked[:3])) == 3 and asked == in_turn(asked)
    assert all(v is not None and v["espeak"] == "es" for v in voices), "a provider with one voice keeps it"


def test_single_mode_asks_for_the_one_voice() -> None:
    assert _voices(_rule(None, "nova"), _notes("uno", "dos")) == [{"openai_tts": "nova", "espeak": "es"}] * 2


def test_a_skipped_note_keeps_its_turn_so_a_repeated_job_gives_each_note_its_voice() -> None:
    notes = _notes("uno", "dos", "tres")
    first = _voices(_rule("rotate"), notes)
    filled = [notes[0], SourceNote(2, "Vocab", {"Word": "dos", "Audio": "[sound:dos.mp3]"}), notes[2]]
    again = _voices(_rule("rotate"), filled)
    assert again[1] is None, "the filled note is skipped"
    assert again[2] == first[2], "the third note asks for the voice it had, so its earlier sound is found"


def test_the_turns_run_on_over_the_parts_of_a_job() -> None:
    rule, turns = _rule("rotate"), VoiceTurns()
    first = _voices(rule, _notes("uno", "dos"), turns)
    second = _voices(rule, _notes("tres", "cuatro", start=3), turns)
    asked = [v["openai_tts"] for v in first + second if v]
    assert asked == in_turn(asked) and len(asked) == 4


def test_random_spreads_the_notes_and_gives_a_note_the_same_voice_every_time() -> None:
    words = [f"palabra{i}" for i in range(60)]
    once = _voices(_rule("random"), _notes(*words))
    twice = _voices(_rule("random"), list(reversed(_notes(*words))))
    chosen = [v["openai_tts"] for v in once if v]
    assert set(chosen) == set(VOICES), "every voice gets some notes"
    assert max(Counter(chosen).values()) < 40, "not nearly all one voice"
    assert once == list(reversed(twice)), "a note's voice does not depend on where it is in the job"


def test_notes_filled_one_at_a_time_take_turns_about_evenly() -> None:
    """The editor fills one note per job: a rotating target must not always give the first voice."""
    rule = _rule("rotate")
    asked = [v["openai_tts"] for i in range(1, 61) for v in _voices(rule, _notes("uno", start=i)) if v]
    assert set(asked) == set(VOICES) and max(Counter(asked).values()) < 40


def test_the_voice_used_is_in_the_request_key() -> None:
    plan = plan_notes(_notes("uno", "uno"), [_rule("rotate")])
    keys = {t.work.key for t in plan.targets if t.work is not None}
    assert len(keys) == 2, "the same word in two voices is two requests"

"""Every case of the hostile corpus through text cleaning, the planner and file naming.

For each case: cleaning never raises and gives one clean line (no control, surrogate or bidi
character, NFC) that keeps what the case says the user sees and loses the markup, with or without
pauses at block elements; the planner makes an image request from exactly that text read with
pauses, math dropped and cut at a word to 200 characters, and an audio request from what of it is
spoken (emoji and pictographs dropped), or skips the target when nothing is left or the sound would
be too long; the
NFC and NFD forms of the field plan the same cache keys; and the media file name made from the
request — or from the raw field used as text, provider name, cache key and extension all at once,
as a careless provider might hand them back — is one safe file name.

The size-scaled cases (``big``: 100,000 characters of nested clozes, unclosed tags, brackets,
ampersands, comments…) take milliseconds with linear patterns; one with catastrophic backtracking
or a quadratic loop would stall this file for minutes instead of failing fast.
"""

from __future__ import annotations

import functools
import unicodedata

import pytest

from addon.core.config.rules import parse_rules
from addon.core.engine.planner import plan_notes
from addon.core.job.plan import Plan, SourceNote
from addon.core.media.naming import media_file_name
from addon.core.media.types import MediaKind
from addon.core.text.cleaning import clean_source_text
from addon.core.text.formulas import without_math
from addon.core.text.reading import PICTURE_MAX_CHARS, SOUND_MAX_CHARS, cut_at_word, is_fragment, what_else_it_holds
from addon.core.text.spoken import spoken_text
from tests.hostile.hostile_checks import assert_clean_text, assert_safe_name
from tests.hostile.hostile_corpus import CASES, Case

(RULE,) = parse_rules(
    {
        "rules": [
            {
                "note_type": "Hostile",
                "language": "en",
                "mode": "skip",
                "targets": [
                    {
                        "field": "Picture",
                        "kind": "image",
                        "source": "{Front}",
                        "providers": ["openverse"],
                        "prompt": "A picture of {text}",
                    },
                    {"field": "Back", "kind": "audio", "source": "{Front}", "providers": ["espeak"]},
                ],
            }
        ]
    }
)
CASE_PARAMS = [pytest.param(case, id=case.id) for case in CASES]


@functools.cache
def plan_field(value: str) -> Plan:
    """The plan for one note whose Front is ``value`` (made once per value: the size-scaled cases
    are planned by several tests)."""
    return plan_notes([SourceNote(1, "Hostile", {"Front": value, "Back": "", "Picture": ""})], [RULE])


@functools.cache
def cleaned(value: str, *, pauses: bool = False) -> str:
    return clean_source_text(value, pauses=pauses)


def target_keys(plan: Plan) -> list[str]:
    return [target.work.key if target.work else target.skip_reason or "" for target in plan.targets]


def test_the_corpus_has_more_than_100_cases() -> None:
    assert len(CASES) >= 100
    assert sum(case.big for case in CASES) >= 10
    assert sum(not case.in_anki for case in CASES) >= 1


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_cleaning_gives_one_clean_line(case: Case) -> None:
    for pauses in (False, True):
        text = cleaned(case.field, pauses=pauses)
        assert_clean_text(text)
        assert (text == "") is case.empty, f"cleaned to {text[:80]!r}"
        for kept in case.kept if not pauses else ():  # pauses may come between the kept words
            assert kept in text, f"{kept[:40]!r} was lost: {text[:80]!r}"
        for gone in case.gone:
            assert gone not in text, f"{gone!r} survived: {text[:80]!r}"


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_the_planner_asks_for_the_cleaned_text_or_skips(case: Case) -> None:
    read = cleaned(case.field, pauses=True)
    plan = plan_field(case.field)
    by_kind = {target.kind: target for target in plan.targets}
    assert set(by_kind) == {MediaKind.AUDIO, MediaKind.IMAGE}
    if case.empty:
        assert plan.to_generate == []
        held = what_else_it_holds(case.field)
        assert plan.skip_reasons() == {f"Front holds only {held}" if held else "Front is empty": 2}
        return
    text = without_math(read)
    if text != read and is_fragment(text):
        assert plan.to_generate == []
        return
    audio, image = by_kind[MediaKind.AUDIO].work, by_kind[MediaKind.IMAGE].work
    assert image is not None
    assert image.request.text == f"A picture of {cut_at_word(text, PICTURE_MAX_CHARS)}"
    assert image.providers == ("openverse",)
    spoken = spoken_text(text)
    if not spoken:
        assert audio is None
        assert (
            by_kind[MediaKind.AUDIO].skip_reason
            == "Front holds only emoji or symbols, which are not spoken; write the word there"
        )
        return
    if len(spoken) > SOUND_MAX_CHARS:
        assert audio is None
        assert by_kind[MediaKind.AUDIO].skip_reason == (
            "Front is too long for a card's sound (over 300 characters); put the part to say in a field of its own, "
            "or raise max_chars of Back"
        )
        return
    assert audio is not None
    assert audio.request.text == spoken
    assert audio.providers == ("espeak",)
    assert len({item.key for item in plan.requests_to_make()}) == 2  # the keys compute: the text encodes


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_nfc_and_nfd_forms_plan_the_same_requests(case: Case) -> None:
    nfc, nfd = (unicodedata.normalize(form, case.field) for form in ("NFC", "NFD"))
    assert target_keys(plan_field(nfc)) == target_keys(plan_field(nfd)) == target_keys(plan_field(case.field))
    assert cleaned(nfc) == cleaned(nfd) == cleaned(case.field)
    assert cleaned(nfc, pauses=True) == cleaned(nfd, pauses=True) == cleaned(case.field, pauses=True)


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_file_names_from_the_requests_are_safe(case: Case) -> None:
    for target in plan_field(case.field).to_generate:
        assert target.work is not None
        request = target.work.request
        name = media_file_name(text=request.text, provider="espeak", cache_key=request.cache_key, extension="mp3")
        assert_safe_name(name)
        assert name.startswith("mf_espeak_") and name.endswith(f"_{request.cache_key[:10]}.mp3")


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_a_file_name_made_of_the_raw_field_everywhere_is_safe(case: Case) -> None:
    """The field as the text, the provider name, the cache key and the extension a careless
    provider might hand back: still one safe name."""
    value = case.field
    assert_safe_name(media_file_name(text=value, provider=value, cache_key=value, extension=value))
    assert_safe_name(media_file_name(text=value, provider="espeak", cache_key="0" * 40, extension=f"mp3/{value}"))


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_a_hostile_target_field_is_read_right_in_skip_mode(case: Case) -> None:
    """The corpus in the fields to fill: skip mode skips exactly those that already play a sound
    (some "[sound:" closed by a later "]") or show an image, and reading them takes linear time
    (the size-scaled cases hold 20,000 unclosed "[sound:")."""
    value = case.field
    plan = plan_notes([SourceNote(1, "Hostile", {"Front": "word", "Back": value, "Picture": value})], [RULE])
    by_kind = {target.kind: target for target in plan.targets}
    opener = value.find("[sound:")
    has_sound = opener >= 0 and value.find("]", opener) >= 0
    assert (by_kind[MediaKind.AUDIO].work is None) is has_sound
    assert (by_kind[MediaKind.IMAGE].work is None) is ("<img" in value.lower())

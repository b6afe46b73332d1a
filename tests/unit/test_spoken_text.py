"""spoken_text: what speech providers are asked to say, without the emoji and pictographs a voice
would read by name; and the planner, which uses it for sound requests only."""

from __future__ import annotations

import pytest

from addon.core.config.rules import Rule, parse_rules
from addon.core.engine.planner import plan_notes
from addon.core.job.plan import SourceNote
from addon.core.media.types import MediaKind
from addon.core.text.spoken import spoken_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("el café ☕", "el café", id="hot-beverage"),
        pytest.param("☕café", "café", id="emoji-glued-to-a-word"),
        pytest.param("I ❤️ you", "I you", id="heart-with-emoji-presentation"),
        pytest.param("I ❤ you", "I you", id="heart-text-style"),
        pytest.param("la familia 👨\u200d👩\u200d👧\u200d👦", "la familia", id="zwj-family"),
        pytest.param("🏳️\u200d🌈 bandera", "bandera", id="zwj-with-selector"),
        pytest.param("bien 👍🏽", "bien", id="skin-tone"),
        pytest.param("España 🇪🇸", "España", id="regional-indicator-flag"),
        pytest.param(
            "Scotland 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "Scotland", id="tag-flag"
        ),
        pytest.param("1️⃣ uno", "1 uno", id="keycap-keeps-its-digit"),
        pytest.param("#️⃣", "#", id="keycap-hash"),
        pytest.param("¡hola‼️", "¡hola", id="punctuation-as-emoji"),
        pytest.param("ℹ️ info", "info", id="letter-as-emoji"),
        pytest.param("go → went", "go went", id="arrow"),
        pytest.param("Coca-Cola® ™ ©", "Coca-Cola", id="marks"),
        pytest.param("★★★ hotel", "hotel", id="stars"),
        pytest.param("20 °C, 5 ℃", "20 °C, 5 ℃", id="units-stay"),
        pytest.param("3 + 4 × 2 = 11 < 12", "3 + 4 × 2 = 11 < 12", id="math-stays"),
        pytest.param("cuesta 5 € o $6, ¿sí?", "cuesta 5 € o $6, ¿sí?", id="currency-and-punctuation-stay"),
        pytest.param("naïve café résumé", "naïve café résumé", id="accented-letters"),
        pytest.param("می\u200cخواهم", "می\u200cخواهم", id="persian-zero-width-non-joiner"),
        pytest.param("ക്\u200d", "ക്\u200d", id="malayalam-joiner-between-letters"),
        pytest.param("日本語です", "日本語です", id="japanese"),
        pytest.param("☕ 🍵", "", id="only-emoji"),
        pytest.param("", "", id="empty"),
    ],
)
def test_spoken_text(text: str, expected: str) -> None:
    assert spoken_text(text) == expected


def _rule() -> Rule:
    (rule,) = parse_rules(
        {
            "rules": [
                {
                    "note_type": "Basic",
                    "source_field": "Front",
                    "audio_field": "Audio",
                    "audio_providers": ["espeak"],
                    "image_field": "Picture",
                    "image_providers": ["pics"],
                    "image_prompt": "{text}",
                    "language": "es",
                }
            ]
        }
    )
    return rule


def _note(note_id: int, front: str) -> SourceNote:
    return SourceNote(note_id, "Basic", {"Front": front, "Audio": "", "Picture": ""})


def test_sound_requests_drop_emoji_and_pictures_keep_them() -> None:
    plan = plan_notes([_note(1, "el café ☕")], [_rule()])
    requests = {t.kind: t.work.request for t in plan.targets if t.work is not None}
    assert requests[MediaKind.AUDIO].text == "el café"
    assert requests[MediaKind.IMAGE].text == "el café ☕"
    # The store step compares against the cleaned field, emoji included.
    assert {t.source_text for t in plan.targets} == {"el café ☕"}


def test_the_reuse_key_follows_what_is_said() -> None:
    plan = plan_notes([_note(1, "el café ☕"), _note(2, "el café")], [_rule()], kinds=[MediaKind.AUDIO])
    assert len(plan.unique_work()) == 1, "the same words with or without an emoji make one sound"


def test_a_field_of_only_emoji_is_skipped_for_sound_but_pictured() -> None:
    plan = plan_notes([_note(1, "☕🥐")], [_rule()])
    (audio,) = [t for t in plan.targets if t.kind is MediaKind.AUDIO]
    (image,) = [t for t in plan.targets if t.kind is MediaKind.IMAGE]
    assert audio.work is None
    assert audio.skip_reason == "Front holds only emoji or symbols, which are not spoken; write the word there"
    assert image.work is not None and image.work.request.text == "☕🥐"

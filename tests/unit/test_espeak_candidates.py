"""espeak-ng's candidates for "Choose…" (issue 20 item 3), with the real espeak-ng and lame: the
text in the language's voice, then in espeak-ng's voice variants (``de+f2``, ``de+m3``…), each a
different sound captioned with its voice; a variant that fails is left out, and when none speaks the
first voice's error is raised."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from addon.core.base.errors import ProviderError
from addon.core.media.checks import sniff_audio
from addon.core.media.types import MediaKind, MediaRequest
from addon.providers.audio.espeak import EspeakSpeech

APFEL = MediaRequest(kind=MediaKind.AUDIO, text="Apfel", language="de")


def espeak(default_config: dict[str, Any], **changes: Any) -> EspeakSpeech:
    return EspeakSpeech({**default_config["providers"]["audio"]["espeak"], **changes})


def test_the_text_in_several_voices_of_the_language_each_captioned_with_its_voice(
    default_config: dict[str, Any],
) -> None:
    offered = espeak(default_config).candidates(APFEL, limit=4)

    assert [result.caption for result in offered] == ["voice de", "voice de+f2", "voice de+m3", "voice de+f3"]
    assert len({result.data for result in offered}) == 4, "four different sounds"
    assert all(result.data and sniff_audio(result.data) == "mp3" for result in offered)
    assert all(result.request is APFEL and result.provider == "espeak" for result in offered)
    assert len(espeak(default_config).candidates(APFEL, limit=30)) == 12, "the voice and its eleven variants"


def test_a_voice_setting_with_a_variant_comes_first_and_is_not_offered_twice(default_config: dict[str, Any]) -> None:
    offered = espeak(default_config, voices={"de": "de+f3"}).candidates(APFEL, limit=5)
    assert [result.caption for result in offered] == [
        "voice de+f3",
        "voice de+f2",
        "voice de+m3",
        "voice de+m2",
        "voice de+f4",
    ]


def test_a_failing_variant_is_left_out_and_when_none_speaks_the_error_is_raised(
    default_config: dict[str, Any], tmp_path: Path
) -> None:
    real = shutil.which("espeak-ng")
    assert real is not None, "espeak-ng is installed on the test machine"
    wrapper = tmp_path / "espeak-ng"
    wrapper.write_text(  # refuses the m3 variant, speaks with the real espeak-ng otherwise
        '#!/bin/sh\nfor a in "$@"; do if [ "$a" = "de+m3" ]; then echo "m3 is broken" >&2; exit 3; fi; done\n'
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)

    offered = espeak(default_config, binary=str(wrapper)).candidates(APFEL, limit=4)

    assert [result.caption for result in offered] == ["voice de", "voice de+f2", "voice de+f3"]
    broken = tmp_path / "broken" / "espeak-ng"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\necho 'segmentation fault' >&2\nexit 139\n")
    broken.chmod(0o755)
    with pytest.raises(ProviderError, match="exit 139"):
        espeak(default_config, binary=str(broken)).candidates(APFEL, limit=4)

"""The espeak provider against the real espeak-ng and lame programs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from addon.core.base.errors import PermanentError, ProviderError, ProviderUnavailableError, TransientError
from addon.core.media.checks import sniff_audio
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.registry import ProviderRegistry
from addon.providers.audio.espeak import EspeakSpeech
from tests.support.target_voice import assert_keys_follow_the_voice, refused_target_voice, voiced


def _provider(default_config: dict[str, Any], **changes: Any) -> EspeakSpeech:
    settings = {**default_config["providers"]["audio"]["espeak"], **changes}
    return EspeakSpeech(settings)


def _request(text: str = "hello world", language: str = "en") -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language=language)


def test_registry_builds_espeak_from_the_shipped_config(default_config: dict[str, Any]) -> None:
    registry = ProviderRegistry(default_config)
    try:
        provider = registry.get(MediaKind.AUDIO, "espeak")
        assert isinstance(provider, EspeakSpeech)
        assert provider is registry.get(MediaKind.AUDIO, "espeak")
        assert provider.max_concurrency == 2
    finally:
        registry.close()


def test_produces_mp3_when_lame_is_present(default_config: dict[str, Any]) -> None:
    request = _request()
    result = _provider(default_config).generate(request)
    assert result.ok
    assert result.data is not None
    assert sniff_audio(result.data) == "mp3"
    assert result.extension == "mp3"
    assert result.mime_type == "audio/mpeg"
    assert result.provider == "espeak"
    assert result.request == request
    assert len(result.data) > 1000


def test_produces_wav_when_asked(default_config: dict[str, Any]) -> None:
    result = _provider(default_config, output_format="wav").generate(_request())
    assert result.data is not None
    assert sniff_audio(result.data) == "wav"
    assert result.extension == "wav"
    assert result.mime_type == "audio/wav"


def test_falls_back_to_wav_when_lame_is_missing(default_config: dict[str, Any], tmp_path: Path) -> None:
    provider = _provider(default_config, lame_binary=str(tmp_path / "no-such-lame"))
    result = provider.generate(_request())
    assert result.ok
    assert result.data is not None
    assert sniff_audio(result.data) == "wav"
    assert result.extension == "wav"


def test_falls_back_to_wav_when_lame_fails(default_config: dict[str, Any], tmp_path: Path) -> None:
    broken_lame = tmp_path / "lame"
    broken_lame.write_text("#!/bin/sh\necho 'lame: broken' >&2\nexit 3\n")
    broken_lame.chmod(0o755)
    result = _provider(default_config, lame_binary=str(broken_lame)).generate(_request())
    assert result.data is not None
    assert sniff_audio(result.data) == "wav"
    assert result.extension == "wav"


def test_missing_binary_is_provider_unavailable_with_install_hint(
    default_config: dict[str, Any], tmp_path: Path
) -> None:
    missing = str(tmp_path / "espeak-ng-not-here")
    provider = _provider(default_config, binary=missing)
    with pytest.raises(ProviderUnavailableError) as excinfo:
        provider.generate(_request())
    error = excinfo.value
    assert error.provider_wide
    assert error.provider == "espeak"
    assert missing in error.message
    assert "apt install espeak-ng" in error.message
    assert "providers.audio.espeak.binary" in error.message


def test_missing_binary_test_connection_reports_it(default_config: dict[str, Any]) -> None:
    report = _provider(default_config, binary="espeak-ng-not-here").test_connection()
    assert not report.ok
    assert report.provider == "espeak"
    assert "install espeak-ng" in report.message


def test_test_connection_ok(default_config: dict[str, Any]) -> None:
    report = _provider(default_config).test_connection()
    assert report.ok
    assert report.provider == "espeak"
    assert "eSpeak NG" in report.message
    assert report.latency_s >= 0


def test_unknown_voice_is_a_permanent_error_naming_the_voice(default_config: dict[str, Any]) -> None:
    provider = _provider(default_config)
    with pytest.raises(PermanentError) as excinfo:
        provider.generate(_request(language="xx-bogus"))
    error = excinfo.value
    assert "'xx-bogus'" in error.message
    assert "espeak-ng --voices" in error.message
    assert not error.provider_wide, "another rule's language may still work"
    assert not isinstance(error, ProviderUnavailableError)
    # ...and the provider still works for a known voice afterwards.
    assert provider.generate(_request(language="en")).ok


def test_voices_mapping_is_used(default_config: dict[str, Any]) -> None:
    provider = _provider(default_config, voices={"xx-bogus": "en-us", "es": "es-419"})
    assert provider.voice_for("xx-bogus") == "en-us"
    assert provider.voice_for("es") == "es-419"
    assert provider.voice_for("es-MX") == "es-419", "a regional code falls back to its language's voice"
    assert provider.voice_for("pt_BR") == "pt-br"
    assert provider.voice_for("") == "en"
    # A language espeak-ng does not know works once the mapping names a real voice.
    result = provider.generate(_request(language="xx-bogus"))
    assert result.data is not None and sniff_audio(result.data) == "mp3"


def test_voice_mapping_changes_the_speech(default_config: dict[str, Any]) -> None:
    plain = _provider(default_config, output_format="wav").generate(_request("casa", language="es"))
    mapped = _provider(default_config, output_format="wav", voices={"es": "en"}).generate(
        _request("casa", language="es")
    )
    english = _provider(default_config, output_format="wav").generate(_request("casa", language="en"))
    assert mapped.data == english.data
    assert mapped.data != plain.data


@pytest.mark.parametrize("text", ["-w {out}", "--version", "-", "--stdin", "-v xx-bogus"])
def test_text_starting_with_a_dash_is_spoken(default_config: dict[str, Any], tmp_path: Path, text: str) -> None:
    hijack = tmp_path / "hijack.wav"
    result = _provider(default_config, output_format="wav").generate(_request(text.format(out=hijack)))
    assert result.data is not None
    assert sniff_audio(result.data) == "wav"
    assert not hijack.exists(), "the text was read as options"


def test_shell_metacharacters_are_spoken_not_executed(default_config: dict[str, Any], tmp_path: Path) -> None:
    marks = [tmp_path / f"mark{i}" for i in range(4)]
    text = f"$(touch {marks[0]}) `touch {marks[1]}`; touch {marks[2]} && touch {marks[3]} | cat; rm -rf /"
    result = _provider(default_config).generate(_request(text))
    assert result.data is not None
    assert sniff_audio(result.data) == "mp3"
    for mark in marks:
        assert not mark.exists(), f"{mark.name} was created: the text was run by a shell"
    assert Path("/").is_dir() and Path("/usr").is_dir()


def test_unicode_text_is_spoken(default_config: dict[str, Any]) -> None:
    result = _provider(default_config).generate(_request("el murciélago, ¿qué tal?", language="es"))
    assert result.data is not None and sniff_audio(result.data) == "mp3"


def test_espeak_failure_is_a_provider_error(default_config: dict[str, Any], tmp_path: Path) -> None:
    fake = tmp_path / "espeak-ng"
    fake.write_text("#!/bin/sh\necho 'segmentation fault' >&2\nexit 139\n")
    fake.chmod(0o755)
    with pytest.raises(ProviderError) as excinfo:
        _provider(default_config, binary=str(fake)).generate(_request())
    assert "exit 139" in excinfo.value.message
    assert "segmentation fault" in excinfo.value.message
    assert not excinfo.value.provider_wide


def test_espeak_that_writes_garbage_is_rejected(default_config: dict[str, Any], tmp_path: Path) -> None:
    fake = tmp_path / "espeak-ng"
    # Finds the -w argument and writes an HTML page there.
    fake.write_text(
        '#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ "$1" = "-w" ]; then out="$2"; fi; shift; done\n'
        'printf "<html><body>%s</body></html>" "not audio at all, just a long enough error page here" > "$out"\n'
    )
    fake.chmod(0o755)
    with pytest.raises(ProviderError, match="not audio"):
        _provider(default_config, binary=str(fake)).generate(_request())


def test_slow_espeak_times_out_as_transient(default_config: dict[str, Any], tmp_path: Path) -> None:
    fake = tmp_path / "espeak-ng"
    fake.write_text("#!/bin/sh\nexec sleep 5\n")
    fake.chmod(0o755)
    with pytest.raises(TransientError, match=r"took longer than 0\.2 s"):
        _provider(default_config, binary=str(fake), timeout_s=0.2).generate(_request())


# --- the target's voice (options["voice"]) ----------------------------------------------------------------


def test_the_targets_voice_comes_before_the_voices_setting(default_config: dict[str, Any]) -> None:
    provider = _provider(default_config, output_format="wav", voices={"es": "es-419"})
    spanish = _request("casa", language="es")
    english = provider.generate(_request("casa", language="en")).data
    usual = provider.generate(spanish).data
    assert provider.generate(voiced(spanish, espeak=" en ")).data == english
    assert provider.generate(voiced(spanish, openai_tts="nova", piper="/v/en.onnx")).data == usual  # not ours
    assert english != usual
    assert_keys_follow_the_voice(spanish, "espeak", "en", "es-419")


def test_a_target_voice_espeak_has_not_fails_that_request_naming_the_targets_voice(
    default_config: dict[str, Any],
) -> None:
    provider = _provider(default_config)
    error = refused_target_voice(provider, voiced(_request(), espeak="xx-nothing"))
    assert "'xx-nothing'" in error.message and "espeak-ng --voices" in error.message
    assert "providers.audio.espeak.voices" not in error.message
    assert provider.generate(_request()).ok


@pytest.mark.parametrize("voice", ["-w/tmp/x", "en us", "en;rm"])
def test_a_target_voice_that_is_not_an_espeak_voice_name_is_refused_before_espeak_runs(
    default_config: dict[str, Any], tmp_path: Path, voice: str
) -> None:
    marker = tmp_path / "ran"
    fake = tmp_path / "espeak-ng"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    fake.chmod(0o755)
    refused_target_voice(_provider(default_config, binary=str(fake)), voiced(_request(), espeak=voice))
    assert not marker.exists()

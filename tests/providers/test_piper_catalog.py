"""Piper's voice catalogue and voice downloads (`piper_catalog`, `piper_install`) against a loopback
fake of rhasspy/piper-voices (`tests.fakes.piper_voices_fake`); nothing is downloaded from anywhere
else. One test installs the real en_US-joe-medium voice from the fake and speaks with it through
the real ``piper`` program."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from addon.core.base.errors import InvalidResponseError, PermanentError, ProviderError, TransientError
from addon.core.media.checks import sniff_audio
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.media.voice_choice import VOICE_OPTION
from addon.providers.audio.piper import PiperSpeech
from addon.providers.audio.piper_catalog import (
    DEFAULT_VOICES_URL,
    CatalogVoice,
    fetch_catalog,
    filter_catalog,
    parse_catalog,
)
from addon.providers.audio.piper_install import (
    PARTIAL_FOLDER,
    DownloadCancelled,
    install_steps,
    install_voice,
    installed_model,
    voices_folder,
)
from tests.fakes.piper_voices_fake import (
    JOE_VOICE,
    FakeVoice,
    PiperVoicesFake,
    fake_voice,
    joe_voice,
    serve_piper_voices,
)
from tests.support.cli_runner import run_cli
from tests.support.shipped import shipped_slice

TIMEOUT_S = 10.0
VOICE = "en_US-test-low"


@pytest.fixture
def fake() -> Iterator[PiperVoicesFake]:
    with serve_piper_voices() as served:
        yield served


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


def catalog(fake: PiperVoicesFake, session: requests.Session) -> dict[str, CatalogVoice]:
    return {voice.key: voice for voice in fetch_catalog(session, fake.base_url, timeout_s=TIMEOUT_S)}


def install(
    fake: PiperVoicesFake, session: requests.Session, state_dir: Path, key: str = VOICE, **options: Any
) -> Path:
    voice = catalog(fake, session)[key]
    return install_voice(session, voice, base_url=fake.base_url, state_dir=state_dir, timeout_s=TIMEOUT_S, **options)


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def installed_bytes(state_dir: Path, voice: FakeVoice) -> dict[str, bytes]:
    folder = voices_folder(state_dir)
    return {path: (folder / path).read_bytes() for path in voice.files if (folder / path).is_file()}


def piper_for(state_dir: Path) -> PiperSpeech:
    provider = PiperSpeech({**shipped_slice("audio", "piper"), "enabled": True})
    provider.state_dir = state_dir
    return provider


# The catalogue


def test_the_catalogue_is_read_with_sizes_hashes_and_languages(fake: PiperVoicesFake, session: Any) -> None:
    voices = catalog(fake, session)
    assert sorted(voices) == sorted(voice.key for voice in fake.voices)
    spanish = voices["es_MX-claude-high"]
    source = fake.voice("es_MX-claude-high")
    assert spanish.language == "es_MX"
    assert spanish.language_text() == "Spanish (Mexico, es_MX)"
    assert (spanish.name, spanish.quality) == ("claude", "high")
    assert spanish.model.path == source.model_path
    assert spanish.model.size == len(source.files[source.model_path])
    assert spanish.model.md5 == hashlib.md5(source.files[source.model_path]).hexdigest()
    assert spanish.config.path == source.model_path + ".json"
    assert spanish.size == spanish.model.size + spanish.config.size
    assert [request.path for request in fake.requests] == ["voices.json"]


def test_the_real_index_entry_shape_is_read() -> None:
    """An entry exactly as rhasspy/piper's voices.json has it (provider_apis.md §9.3)."""
    entry = {
        "key": "ca_ES-upc_ona-medium",
        "name": "upc_ona",
        "language": {"code": "ca_ES", "family": "ca", "region": "ES", "name_native": "Català",
                     "name_english": "Catalan", "country_english": "Spain"},
        "quality": "medium",
        "num_speakers": 1,
        "speaker_id_map": {},
        "files": {
            "ca/ca_ES/upc_ona/medium/ca_ES-upc_ona-medium.onnx": {"size_bytes": 63201294,
                                                                  "md5_digest": "58ff3b049b6b721a4c353a551ec5ef3a"},
            "ca/ca_ES/upc_ona/medium/ca_ES-upc_ona-medium.onnx.json": {"size_bytes": 7008,
                                                                       "md5_digest": "2340f71d7b29683f746db6e03c0dfabd"},
            "ca/ca_ES/upc_ona/medium/MODEL_CARD": {"size_bytes": 296, "md5_digest": "395c782a56632400f46e7c442c7718bb"},
        },
        "aliases": [],
    }  # fmt: skip
    [voice] = parse_catalog({"ca_ES-upc_ona-medium": entry})
    assert (voice.key, voice.language, voice.language_native, voice.size) == (
        "ca_ES-upc_ona-medium",
        "ca_ES",
        "Català",
        63201294 + 7008,
    )


def test_the_language_filter_matches_the_language_alone_or_with_its_region(fake: PiperVoicesFake, session: Any) -> None:
    voices = list(catalog(fake, session).values())

    def keys(language: str | None) -> list[str]:
        return [voice.key for voice in filter_catalog(voices, language)]

    assert keys("es") == ["es_ES-davefx-medium", "es_MX-claude-high"]
    assert keys("en-US") == ["en_US-test-low"]
    assert keys("en_GB") == ["en_GB-alba-medium"]
    assert keys("EN") == ["en_GB-alba-medium", "en_US-test-low"]
    assert keys("span") == ["es_ES-davefx-medium", "es_MX-claude-high"]  # by the language's name
    assert keys("deutsch") == ["de_DE-thorsten-low"]
    assert keys("fr") == []
    assert len(keys("")) == len(keys(None)) == len(voices)


def test_entries_without_a_usable_model_and_config_are_left_out() -> None:
    good = fake_voice("de_DE", "thorsten", "low").entry()
    no_config = fake_voice("en_US", "lonely", "low").entry()
    no_config["files"] = {k: v for k, v in no_config["files"].items() if not k.endswith(".onnx.json")}
    bad_hash = fake_voice("en_US", "hashless", "low").entry()
    next(iter(bad_hash["files"].values()))["md5_digest"] = "not-a-hash"
    voices = parse_catalog({"a": good, "b": no_config, "c": bad_hash, "d": "text"})
    assert [voice.key for voice in voices] == ["de_DE-thorsten-low"]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"<html><body>Bad gateway</body></html>", "not readable JSON"),
        (b'{"en_US-test-low": {"key": "en_US-test-low", "files": {"a.onnx": {"size', "not readable JSON"),
        (b"[1, 2, 3]", "not Piper's voices.json"),
        (b'{"x": {"files": {}}}', "names no voice Piper can use"),
    ],
)
def test_a_bad_or_truncated_index_is_refused_naming_the_setting(body: bytes, said: str, session: Any) -> None:
    with serve_piper_voices(PiperVoicesFake(index_body=body)) as fake, pytest.raises(InvalidResponseError) as caught:
        fetch_catalog(session, fake.base_url, timeout_s=TIMEOUT_S)
    assert said in caught.value.message
    assert "providers.audio.piper.voices_url" in caught.value.message
    assert DEFAULT_VOICES_URL in caught.value.message


def test_a_missing_index_and_a_plain_http_address_elsewhere_are_refused(fake: PiperVoicesFake, session: Any) -> None:
    with pytest.raises(PermanentError, match=r"voices\.json does not exist \(HTTP 404\); check providers"):
        fetch_catalog(session, fake.base_url + "/nowhere", timeout_s=TIMEOUT_S)
    with pytest.raises(PermanentError, match="only https:// addresses are allowed"):
        fetch_catalog(session, "http://example.org/piper-voices", timeout_s=TIMEOUT_S)


# Downloads


def test_a_download_lands_model_and_config_and_the_provider_lists_the_voice(
    fake: PiperVoicesFake, session: Any, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    model = install(fake, session, tmp_path, progress=lambda done, total: seen.append((done, total)))
    source = fake.voice(VOICE)
    assert model == voices_folder(tmp_path) / source.model_path
    assert installed_bytes(tmp_path, source) == {
        path: data for path, data in source.files.items() if not path.endswith("MODEL_CARD")
    }
    assert not (tmp_path / PARTIAL_FOLDER).exists()  # no partial file left behind
    total = catalog(fake, session)[VOICE].size
    assert seen[-1] == (total, total)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert installed_model(catalog(fake, session)[VOICE], state_dir=tmp_path) == model
    [listed] = piper_for(tmp_path).fetch_voices()
    assert (listed.id, listed.name, listed.languages) == (str(model), VOICE, ("en-US",))


def test_a_corrupted_file_is_refused_by_its_hash_and_nothing_is_installed(
    fake: PiperVoicesFake, session: Any, tmp_path: Path
) -> None:
    fake.corrupt.add(fake.voice(VOICE).model_path)
    with pytest.raises(InvalidResponseError) as caught:
        install(fake, session, tmp_path)
    message = caught.value.message
    assert "is corrupted (its MD5 hash is" in message
    assert "deleted" in message and "press Download to try again" in message
    assert files_under(tmp_path) == []  # neither in the voices folder nor as a partial file
    assert piper_for(tmp_path).fetch_voices() == []


def test_a_partial_file_is_resumed_with_range_and_finishes(fake: PiperVoicesFake, session: Any, tmp_path: Path) -> None:
    source = fake.voice(VOICE)
    model_bytes = source.files[source.model_path]
    partial = tmp_path / PARTIAL_FOLDER / (source.model_path + ".part")
    partial.parent.mkdir(parents=True)
    partial.write_bytes(model_bytes[:100_000])
    install(fake, session, tmp_path)
    [asked] = fake.file_requests(source.model_path)
    assert asked.range == "bytes=100000-"
    assert installed_bytes(tmp_path, source)[source.model_path] == model_bytes


def test_a_download_cut_off_mid_way_keeps_its_part_and_resumes_on_the_next_try(
    fake: PiperVoicesFake, session: Any, tmp_path: Path
) -> None:
    source = fake.voice(VOICE)
    fake.cut_once[source.model_path] = 120_000
    with pytest.raises(TransientError, match=r"was cut off after \d+ of 300000 bytes.*Download again") as caught:
        install(fake, session, tmp_path)
    kept = int(caught.value.message.split("cut off after ")[1].split()[0])
    assert 0 < kept <= 120_000
    assert (tmp_path / PARTIAL_FOLDER / (source.model_path + ".part")).stat().st_size == kept
    assert not voices_folder(tmp_path).exists()
    install(fake, session, tmp_path)
    assert [r.range for r in fake.file_requests(source.model_path)] == [None, f"bytes={kept}-"]
    assert installed_bytes(tmp_path, source)[source.model_path] == source.files[source.model_path]


def test_a_server_that_ignores_range_still_gives_the_whole_file_once(session: Any, tmp_path: Path) -> None:
    with serve_piper_voices(PiperVoicesFake(ignore_range=True)) as fake:
        source = fake.voice(VOICE)
        partial = tmp_path / PARTIAL_FOLDER / (source.model_path + ".part")
        partial.parent.mkdir(parents=True)
        partial.write_bytes(source.files[source.model_path][:50_000])
        install(fake, session, tmp_path)
        assert [r.range for r in fake.file_requests(source.model_path)] == ["bytes=50000-"]
    assert installed_bytes(tmp_path, source)[source.model_path] == source.files[source.model_path]


def test_a_truncated_file_is_refused_and_nothing_is_installed(
    fake: PiperVoicesFake, session: Any, tmp_path: Path
) -> None:
    fake.truncate.add(fake.voice(VOICE).model_path + ".json")
    with pytest.raises(InvalidResponseError, match=r"ended after \d+ of the \d+ bytes the voice list names"):
        install(fake, session, tmp_path)
    assert not voices_folder(tmp_path).exists()
    assert [path for path in files_under(tmp_path) if not path.endswith(".onnx.part")] == []


def test_a_catalogue_path_that_escapes_the_folder_is_refused_before_any_download(session: Any, tmp_path: Path) -> None:
    evil = fake_voice("en_US", "evil", "low").entry()
    evil["files"] = {f"../../{name.rsplit('/', 1)[1]}": info for name, info in evil["files"].items()}
    state_dir = tmp_path / "user_files"
    with serve_piper_voices(PiperVoicesFake(extra_entries={"en_US-evil-low": evil})) as fake:
        voice = catalog(fake, session)["en_US-evil-low"]
        with pytest.raises(PermanentError, match="names a file outside the voices folder"):
            install_voice(session, voice, base_url=fake.base_url, state_dir=state_dir, timeout_s=TIMEOUT_S)
        assert [request.path for request in fake.requests] == ["voices.json"]
    assert files_under(tmp_path) == []


def test_cancelling_stops_the_download_and_keeps_the_part_to_resume(
    fake: PiperVoicesFake, session: Any, tmp_path: Path
) -> None:
    progress: list[int] = []
    with pytest.raises(DownloadCancelled, match="was stopped; press Download again"):
        install(
            fake,
            session,
            tmp_path,
            progress=lambda done, _: progress.append(done),
            cancelled=lambda: bool(progress[1:]),
        )
    assert not voices_folder(tmp_path).exists()
    kept = list((tmp_path / PARTIAL_FOLDER).rglob("*.part"))
    assert len(kept) == 1
    size = kept[0].stat().st_size
    assert 0 < size < 300_000
    install(fake, session, tmp_path)
    assert fake.file_requests(fake.voice(VOICE).model_path)[-1].range == f"bytes={size}-"


def test_the_real_joe_voice_installed_from_the_fake_speaks_and_is_listed_by_the_cli(
    session: Any, tmp_path: Path
) -> None:
    state_dir = tmp_path / "user_files"
    with serve_piper_voices(PiperVoicesFake(voices=[joe_voice()])) as fake:
        model = install(fake, session, state_dir, JOE_VOICE)
    provider = piper_for(state_dir)
    [listed] = provider.fetch_voices()
    assert listed.id == str(model)
    request = MediaRequest(
        kind=MediaKind.AUDIO, text="hello", language="en", options={VOICE_OPTION: {"piper": listed.id}}
    )
    try:
        result = provider.generate(request)
    except ProviderError as exc:  # pragma: no cover - shown when the real program fails
        pytest.fail(f"the installed voice did not speak: {exc}")
    assert result.data is not None and sniff_audio(result.data) == "wav"
    done = run_cli("voices", "piper", "--json", "--state-dir", state_dir)
    assert done.returncode == 0, done.stderr
    assert [voice["id"] for voice in json.loads(done.stdout)] == [str(model)]


@pytest.mark.parametrize(
    ("system", "home", "said"),
    [
        ("Linux", "/home/me", "in a terminal run: python3 -m venv /home/me/piper-tts && /home/me/piper-tts/bin/pip install "
         "piper-tts; then set Binary to /home/me/piper-tts/bin/piper"),
        ("Darwin", "/Users/me", "in Terminal run: python3 -m venv /Users/me/piper-tts && "),
        ("Windows", "C:\\Users\\me", "then set Binary to C:\\Users\\me\\piper-tts\\Scripts\\piper.exe"),
        ("Windows", "C:\\Users\\me", 'py -m venv "%USERPROFILE%\\piper-tts"'),
        ("Linux", "/home/John Smith", "python3 -m venv '/home/John Smith/piper-tts' && '/home/John Smith/piper-tts/bin/pip'"),
    ],
)  # fmt: skip
def test_how_to_install_piper_is_said_for_each_system(system: str, home: str, said: str) -> None:
    steps = install_steps(system=system, home=Path(home))
    assert said in steps
    assert "install piper-tts" in steps

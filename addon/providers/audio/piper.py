"""``piper``: offline neural text-to-speech through the ``piper`` program (Piper).

No key, no network. The add-on imports nothing of Piper (nor onnxruntime): it runs the ``piper``
program, the console script of the ``piper-tts`` Python package or a standalone build, as a
subprocess with an argument list (never a shell)::

    piper --model VOICE.onnx --output_file speech.wav [--length_scale X]

Both piper-tts 1.8 and the older standalone builds understand these options. The text goes in on
standard input (from a file in the call's own temporary folder), never in the argument list: the
Python ``piper`` speaks any argument it does not know, so nothing else is ever passed. The program
writes a WAV file, returned as it is (the job converts audio to the user's format centrally).

A voice is a ``.onnx`` model with its ``.onnx.json`` beside it. ``voices`` maps languages to model
paths (``{"en": "/voices/en_US-lessac-medium.onnx"}``); ``model`` is one voice for every language
without an entry whose language its ``.onnx.json`` names (or any language when it names none). A
request whose language has no voice raises `NotFoundError`, so the rule's next provider speaks it.
A target's voice for ``piper`` (`requested_voice`: the full path of a ``.onnx`` model) comes before
both; when its files are missing or unusable that request fails (`PermanentError` naming the target's
voice) and the provider keeps speaking for other targets.

`fetch_voices` lists the voices it knows: those the settings name (``voices``, then ``model``) and
the models (with their ``.onnx.json``) in ``piper-voices/`` of the add-on's user_files
(`INSTALLED_VOICES_FOLDER`, where downloaded voices go), each by its full path (the target's voice
takes it) and the language its ``.onnx.json`` names; a file that is missing or unreadable is left
out. Listing runs nothing.

Thread safety: `generate` may run on several worker threads at once; each call has its own
temporary folder (also the program's working directory) and its own process, and the provider
keeps no state between calls.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...core.base.errors import (
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    ProviderUnavailableError,
    TransientError,
)
from ...core.media.checks import require_audio
from ...core.media.types import MediaRequest, MediaResult
from ...core.media.voice_choice import requested_voice, target_voice
from ...core.media.voice_list import Voice
from ...core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, KeyUse, Program
from .voice_lists import piper_models, piper_voice

INSTALL_HINT = (
    "install Piper with 'pip install piper-tts' (Python 3.9 or later) or download a build from the "
    "releases page of github.com/rhasspy/piper, then set providers.audio.piper.binary to the full path "
    "of its 'piper' program if it is not on PATH"
)
VOICES_HINT = (
    "a Piper voice is a .onnx file with its .onnx.json beside it (download both from "
    "huggingface.co/rhasspy/piper-voices); set providers.audio.piper.voices to language -> full path "
    'of the .onnx file, e.g. {"en": "/home/me/piper/en_US-lessac-medium.onnx"}, '
    "or providers.audio.piper.model to one voice"
)

DEFAULT_BINARY = "piper"
# The folder of the add-on's user_files/ that holds the Piper voices installed from the settings.
INSTALLED_VOICES_FOLDER = "piper-voices"
PIPER = Program(setting="binary", default=DEFAULT_BINARY, label="Piper", install_hint=INSTALL_HINT)
# The program's last words kept in an error message.
_DETAIL_CHARS = 300
_KILL_WAIT_S = 5.0
# Signs in piper's standard error that the voice model itself is unusable (not a one-off failure).
_MODEL_UNUSABLE = re.compile(r"Load model from .* failed|INVALID_PROTOBUF|INVALID_GRAPH|JSONDecodeError")
# The Python piper exits this way when a text holds nothing it can say ("..."): no audio chunk, so
# its WAV writer never learns the channel count.
_NOTHING_SPOKEN = "channels not specified"
_BROKEN_INSTALL = re.compile(r"ModuleNotFoundError|ImportError|error while loading shared libraries")


@dataclass(frozen=True)
class VoiceModel:
    """One usable voice: the model file, the setting that named it ("" for the target's voice),
    and the language its ``.onnx.json`` names ("" when it names none)."""

    model: Path
    setting: str
    language: str


def _language_tags(language: str) -> list[str]:
    """The keys to look a request's language up under, most specific first: "pt-BR" gives
    ["pt-br", "pt"]; "" gives []."""
    tag = language.strip().replace("_", "-").lower()
    if not tag:
        return []
    family = tag.split("-")[0]
    return [tag] if family == tag else [tag, family]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:_DETAIL_CHARS] if lines else "no message"


class PiperSpeech(AudioProvider):
    """Natural-sounding offline speech with Piper voices; see the module docstring."""

    name = "piper"
    title = "Piper"
    description = "Offline neural speech with Piper voices (natural, free, no key; needs Piper and a voice file)."
    capabilities = Capabilities(offline=True, key=KeyUse.NONE)
    default_max_concurrency = 2
    priority = 800  # before espeak (900): much more natural, just as offline
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "binary": {"type": "string", "minLength": 1},
        "model": {"type": "string"},
        "voices": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}},
        "length_scale": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 5},
        "voices_url": {"type": "string", "minLength": 1},  # the voice catalogue (`piper_catalog`)
    }
    # Where the program lives does not change the speech its voice makes.
    settings_not_changing_output: ClassVar[frozenset[str]] = frozenset(
        {"batch_size", "user_agent", "binary", "voices_url"}
    )

    # -- the program ------------------------------------------------------------------------------

    def programs(self) -> tuple[Program, ...]:
        return (PIPER,)

    def output_audio_format(self) -> str:
        return "wav"

    def find_program(self, program: Program) -> str | None:
        """The program's full path: the ``binary`` setting as a path or a name on PATH, else a
        program of that name beside the running Python (a virtual environment's bin/Scripts
        folder, which is often not on PATH); None when there is none."""
        configured = self.configured_program(program)
        found = self.which(configured)
        if found is None and os.path.basename(configured) == configured:
            found = shutil.which(configured, path=str(Path(sys.executable).parent))
        return found

    def find_binary(self) -> str | None:
        """The ``piper`` program's full path (`find_program`), or None."""
        return self.find_program(PIPER)

    def _binary(self) -> str:
        found = self.find_binary()
        if found is None:
            raise ProviderUnavailableError(self.missing_program_problem(PIPER), provider=self.name)
        return found

    # -- voices -----------------------------------------------------------------------------------

    def _configured(self) -> list[tuple[str, str]]:
        """Every (setting, path) the settings name, ``voices`` entries first."""
        voices: Mapping[str, Any] = self.settings.get("voices") or {}
        pairs = [(f"voices.{language}", str(path)) for language, path in voices.items()]
        model = str(self.settings.get("model") or "").strip()
        if model:
            pairs.append(("model", model))
        return pairs

    def _where(self, setting: str) -> str:
        """What messages call the place a voice came from (``setting`` "" is the target's voice)."""
        return self.setting_path(setting) if setting else target_voice(self.name)

    def _voice(self, setting: str, raw_path: str) -> VoiceModel:
        """Check the model and its ``.onnx.json`` named by ``setting`` ("" for the target's voice);
        raise `ConfigError` naming the setting (`PermanentError` naming the target's voice: only its
        requests fail) when either is missing or unreadable."""
        where = self._where(setting)
        error = ConfigError if setting else PermanentError
        path = Path(os.path.expanduser(raw_path.strip()))
        if not path.is_absolute():
            raise error(
                f"{where} must be the full path of a Piper voice model (.onnx), not {raw_path!r}", provider=self.name
            )
        if not path.is_file():
            raise error(f"the voice model {path} named by {where} does not exist; {VOICES_HINT}", provider=self.name)
        config = path.with_name(path.name + ".json")
        if not config.is_file():
            raise error(
                f"the voice model {path} named by {where} has no {config.name} beside it (Piper needs both files); "
                f"{VOICES_HINT}",
                provider=self.name,
            )
        try:
            settings = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise error(
                f"the voice configuration {config} (for {where}) cannot be read ({exc}); download it again with "
                "its .onnx file",
                provider=self.name,
            ) from None
        if not isinstance(settings, dict):
            raise error(f"the voice configuration {config} (for {where}) is not a Piper voice's", provider=self.name)
        language = settings.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        return VoiceModel(model=path, setting=setting, language=str(code or ""))

    def voice_for(self, language: str, *, requested: str | None = None) -> VoiceModel:
        """The voice for a request's language: ``requested`` (the target's voice, a model path;
        `PermanentError` when its files are unusable), else its ``voices`` entry (exact tag, then
        the language alone: "pt-BR", then "pt"), else ``model`` when its own language matches.
        Raises `ConfigError` when no voice is set or the chosen one's files are unusable,
        `NotFoundError` when none speaks ``language``."""
        if requested:
            return self._voice("", requested)
        configured = self._configured()
        if not configured:
            raise ConfigError(f"has no voice; {VOICES_HINT}", provider=self.name)
        voices: Mapping[str, Any] = self.settings.get("voices") or {}
        by_tag = {tag: key for key in voices for tag in _language_tags(key)[:1]}
        for tag in _language_tags(language):
            if tag in by_tag:
                key = by_tag[tag]
                return self._voice(f"voices.{key}", str(voices[key]))
        model = str(self.settings.get("model") or "").strip()
        if model:
            voice = self._voice("model", model)
            wanted = _language_tags(language)
            own = _language_tags(voice.language)
            if not wanted or not own or wanted[-1] == own[-1]:
                return voice
            raise NotFoundError(
                f"has no voice for the language {language!r} (the voice in {self.setting_path('model')} speaks "
                f"{voice.language}); add one to {self.setting_path('voices')}",
                provider=self.name,
            )
        raise NotFoundError(
            f"has no voice for the language {language or '(none)'!r}; add one to {self.setting_path('voices')}",
            provider=self.name,
        )

    def fetch_voices(self) -> list[Voice]:
        """The usable voices of the settings, then those in `INSTALLED_VOICES_FOLDER` (see the
        module docstring); reads files only."""
        folder = self.state_dir / INSTALLED_VOICES_FOLDER if self.state_dir is not None else None
        found = [*self._configured(), *(("", str(path)) for path in piper_models(folder))]
        voices = []
        for setting, path in found:
            try:
                model = self._voice(setting, path)
            except ProviderError:
                continue
            voices.append(piper_voice(model.model, model.language, provider=self.name))
        return voices

    def setup_problem(self) -> str | None:
        """No voice set, or a voice file missing or unreadable: found when a job starts."""
        problem = super().setup_problem()
        if problem is not None:
            return problem
        configured = self._configured()
        if not configured:
            return f"has no voice; {VOICES_HINT}"
        for setting, path in configured:
            try:
                self._voice(setting, path)
            except ConfigError as exc:
                return exc.message
        return None

    # -- speaking ---------------------------------------------------------------------------------

    def command(self, binary: str, voice: VoiceModel, output: Path) -> list[str]:
        """The argument list for one call; it never holds the text."""
        command = [binary, "--model", str(voice.model), "--output_file", str(output)]
        length_scale = self.settings.get("length_scale")
        if length_scale is not None:
            command += ["--length_scale", f"{float(length_scale):g}"]
        return command

    def generate(self, request: MediaRequest) -> MediaResult:
        text = " ".join(request.text.split())  # one line: piper speaks each input line separately
        if not text:
            raise NotFoundError("there is no text to speak", provider=self.name)
        binary = self._binary()
        voice = self.voice_for(request.language, requested=requested_voice(request, self.name))
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="media-fill-piper-") as tmp:
            folder = Path(tmp)
            text_file = folder / "text.txt"
            text_file.write_text(text + "\n", encoding="utf-8")
            output = folder / "speech.wav"
            returncode, stderr = self._run(self.command(binary, voice, output), stdin=text_file, folder=folder)
            if returncode != 0:
                raise self._failure(returncode, stderr, voice)
            data = output.read_bytes() if output.is_file() else b""
        if not data:
            raise InvalidResponseError("piper finished but wrote no sound file", provider=self.name)
        require_audio(data, expected="wav", provider=self.name)
        return self.result(request, data=data, extension="wav", started=started)

    def _run(self, command: list[str], *, stdin: Path, folder: Path) -> tuple[int, str]:
        """Run ``command`` in ``folder`` with ``stdin`` as standard input; return its exit code and
        standard error. Past ``timeout_s`` the program (and anything it started) is killed."""
        stderr_file = folder / "stderr.txt"
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}  # the Python piper reads stdin as text
        options: dict[str, Any] = (
            {"start_new_session": True}  # its own process group, killed whole on timeout
            if os.name == "posix"
            else {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)}  # no console flashing up
        )
        with stdin.open("rb") as stdin_handle, stderr_file.open("wb") as stderr_handle:
            try:
                process = subprocess.Popen(
                    command,
                    stdin=stdin_handle,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr_handle,
                    cwd=folder,
                    env=env,
                    **options,
                )
            except OSError as exc:
                raise ProviderUnavailableError(
                    f"cannot run {command[0]}: {exc.strerror or exc}; {INSTALL_HINT}", provider=self.name
                ) from None
            try:
                returncode = process.wait(timeout=self.timeout_s)
            except subprocess.TimeoutExpired:
                _kill(process)
                raise TransientError(
                    f"piper took longer than {self.timeout_s:g} s and was stopped; raise {self.setting_path('timeout_s')} "
                    "for long texts or a slow computer",
                    provider=self.name,
                ) from None
        return returncode, stderr_file.read_text(encoding="utf-8", errors="replace")

    def _failure(self, returncode: int, stderr: str, voice: VoiceModel) -> ProviderError:
        detail = _last_line(stderr)
        if returncode < 0:
            return TransientError(f"piper was stopped by signal {-returncode}", provider=self.name)
        if _NOTHING_SPOKEN in stderr:
            return NotFoundError(
                "piper made no sound for this text (it holds nothing a voice can say)", provider=self.name
            )
        if _MODEL_UNUSABLE.search(stderr):
            error = ConfigError if voice.setting else PermanentError  # a target's voice fails only its requests
            return error(
                f"piper could not load the voice model {voice.model} named by {self._where(voice.setting)} "
                f"({detail}); download the voice again or choose another",
                provider=self.name,
            )
        if _BROKEN_INSTALL.search(stderr):
            return ProviderUnavailableError(f"piper cannot start ({detail}); {INSTALL_HINT}", provider=self.name)
        return PermanentError(f"piper failed (exit {returncode}): {detail}", provider=self.name)

    def test_connection(self) -> HealthReport:
        """Runs ``piper --help`` (which loads its Python modules, onnxruntime included) and checks
        every configured voice's files; no speech is made."""
        started = time.monotonic()

        def report(ok: bool, message: str) -> HealthReport:
            return HealthReport(self.name, ok=ok, latency_s=time.monotonic() - started, message=message)

        try:
            binary = self._binary()
        except ProviderError as exc:
            return report(False, exc.message)
        with tempfile.TemporaryDirectory(prefix="media-fill-piper-") as tmp:
            folder = Path(tmp)
            (folder / "empty.txt").write_bytes(b"")
            try:
                returncode, stderr = self._run([binary, "--help"], stdin=folder / "empty.txt", folder=folder)
            except ProviderError as exc:
                return report(False, exc.message)
        if returncode != 0:
            return report(False, f"{binary} --help failed (exit {returncode}): {_last_line(stderr)}; {INSTALL_HINT}")
        problem = self.setup_problem()
        if problem is not None:
            return report(False, problem)
        voices = ", ".join(f"{setting}: {Path(path).name}" for setting, path in self._configured())
        return report(True, f"{binary} runs; {voices}")


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` and, on POSIX, everything in its process group; wait for it briefly."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_KILL_WAIT_S)

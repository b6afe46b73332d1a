"""``espeak``: offline text-to-speech through the ``espeak-ng`` program.

No key, no network. The text goes to ``espeak-ng`` on standard input (never through a shell or the
argument list); the WAV it writes is converted to MP3 with ``lame`` when ``output_format`` is
``mp3`` and ``lame`` is on PATH, else kept as WAV under a ``.wav`` name. Without ``espeak-ng`` (the
``binary`` setting) the provider has a setup problem, found when the plan is made.

The voice (``-v``) is the target's voice for ``espeak`` when the request names one
(`requested_voice`), else the ``voices`` entry of the request's language, else the language itself.
For "Choose…", `candidates` speaks the text in that voice and then in espeak-ng's voice variants of
the same language (``de+f2``, ``de+m3``…: `VARIANTS`, shipped with every espeak-ng), each captioned
with its voice; a variant that fails is left out.

`fetch_voices` runs ``espeak-ng --voices`` and reads its table (`espeak_voices`, §9.1: ``Pty
Language Age/Gender VoiceName File Other Languages``): the voices espeak-ng itself speaks (MBROLA
voices, which need the separate ``mbrola`` program, are not in it), each by its language column
(``-v es-419``), or by its voice file when another voice has the same language
(``sit/yue-Latn-jyutping``), with its other languages; `list_voices` applies the language filter.

Thread safety: `generate` may run on several worker threads at once; each call uses its own
temporary folder and processes.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from ...core.base.errors import PermanentError, ProviderError, ProviderUnavailableError, TransientError
from ...core.base.log import get_logger
from ...core.media.checks import require_audio
from ...core.media.types import MediaRequest, MediaResult
from ...core.media.voice_choice import target_voice, valid_requested_voice
from ...core.media.voice_list import Voice, normal_gender, normal_tag
from ...core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, Program

log = get_logger(__name__)

INSTALL_HINT = (
    "install espeak-ng (Debian/Ubuntu: 'sudo apt install espeak-ng'; Fedora: 'sudo dnf install espeak-ng'; "
    "macOS: 'brew install espeak-ng'; Windows: the installer from the espeak-ng project's releases page) "
    "or set providers.audio.espeak.binary to its full path"
)
ESPEAK = Program(setting="binary", default="espeak-ng", label="espeak-ng", install_hint=INSTALL_HINT)
# An espeak-ng voice ("en-us", "es-419", "en+f3", "mb/mb-de4"); a target's voice may not start with
# "-" (it is one argument, but it must never look like an option).
VOICE_PATTERN = r"^[A-Za-z0-9_+\-/]+$"
TARGET_VOICE_PATTERN = r"^[A-Za-z0-9_+/][A-Za-z0-9_+\-/]*$"
# espeak-ng's classic voice variants (espeak-ng-data/voices/!v), women and men in turn, for "Choose…".
VARIANTS = ("f2", "m3", "f3", "m2", "f4", "m4", "f1", "m7", "f5", "m5", "m6")
# A row of ``espeak-ng --voices``: priority, language, age/gender, name, file, "(other-language priority)"….
_VOICE_ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(.+?)\s+(\S+)\s*((?:\([^)]*\)\s*)*)$")
_OTHER_LANGUAGE = re.compile(r"\(([^\s)]+)\s+\d+\)")


def espeak_voices(table: str, *, provider: str) -> list[Voice]:
    """The voices of ``espeak-ng --voices`` output (see the module docstring); the header and any
    line that is not a voice row are skipped."""
    voices: list[Voice] = []
    taken: set[str] = set()
    for line in table.splitlines():
        row = _VOICE_ROW.match(line)
        if row is None or row.group(2).lower() == "variant":
            continue
        language, age_gender, name, file, others = row.group(2, 3, 4, 5, 6)
        voice_id = language if language.lower() not in taken else file
        taken.add(language.lower())
        languages = tuple(dict.fromkeys(normal_tag(tag) for tag in [language, *_OTHER_LANGUAGE.findall(others)]))
        gender = normal_gender(age_gender.rpartition("/")[2])
        voices.append(Voice(voice_id, name.replace("_", " "), languages, gender, provider))
    return voices


class EspeakSpeech(AudioProvider):
    name = "espeak"
    title = "eSpeak NG"
    description = "Offline speech synthesis with espeak-ng (robotic but free, no key, many languages)."
    capabilities = Capabilities(offline=True)
    default_max_concurrency = 2
    priority = 900  # the fallback of last resort: robotic, but always there
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "binary": {"type": "string", "minLength": 1},
        "lame_binary": {"type": "string", "minLength": 1},
        "voices": {"type": "object", "additionalProperties": {"type": "string", "pattern": VOICE_PATTERN}},
        "speed_wpm": {"type": "integer", "minimum": 80, "maximum": 450},
        "pitch": {"type": "integer", "minimum": 0, "maximum": 99},
        "output_format": {"enum": ["mp3", "wav"]},
    }

    def programs(self) -> tuple[Program, ...]:
        return (ESPEAK,)

    def output_audio_format(self) -> str:
        """MP3 when asked for and ``lame`` is found, else WAV."""
        return "mp3" if self._lame() is not None else "wav"

    def _binary(self) -> str:
        found = self.find_program(ESPEAK)
        if found is None:
            raise ProviderUnavailableError(self.missing_program_problem(ESPEAK), provider=self.name)
        return found

    def _lame(self) -> str | None:
        if self.settings.get("output_format", "mp3") != "mp3":
            return None
        return self.which(str(self.settings.get("lame_binary", "lame")))

    def voice_for(self, language: str, *, requested: str | None = None) -> str:
        """``requested`` (the target's voice), else the ``voices`` entry of ``language`` (then of its
        base language), else the language itself as an espeak-ng voice."""
        if requested:
            return requested
        voices: Mapping[str, str] = self.settings.get("voices", {})
        lang = language or "en"
        return voices.get(lang) or voices.get(lang.split("-")[0].split("_")[0]) or lang.replace("_", "-").lower()

    def _voice(self, request: MediaRequest) -> tuple[str, bool]:
        """The voice of ``request`` and whether the target named it."""
        requested = valid_requested_voice(
            request,
            self.name,
            pattern=TARGET_VOICE_PATTERN,
            what="an espeak-ng voice name like en-us (see 'espeak-ng --voices')",
        )
        return self.voice_for(request.language, requested=requested), requested is not None

    def generate(self, request: MediaRequest) -> MediaResult:
        voice, requested = self._voice(request)
        return self._speak(request, voice, requested=requested)

    def candidate_count(self, *, limit: int) -> int:
        return max(1, min(limit, 1 + len(VARIANTS)))

    def candidates(self, request: MediaRequest, *, limit: int) -> list[MediaResult]:
        """The text in the request's voice, then in its variants (see the module docstring), up to
        ``limit``, each captioned "voice de+f2"; raises the first voice's error when none speaks."""
        voice, requested = self._voice(request)
        base = voice.split("+")[0]
        voices = list(dict.fromkeys([voice, *(f"{base}+{variant}" for variant in VARIANTS)]))
        results: list[MediaResult] = []
        first_error: ProviderError | None = None
        for each in voices[: self.candidate_count(limit=limit)]:
            try:
                results.append(self._speak(request, each, requested=requested, caption=f"voice {each}"))
            except ProviderError as exc:
                log.info("espeak: the voice %s was left out: %s", each, exc.message)
                first_error = first_error or exc
        if not results and first_error is not None:
            raise first_error
        return results

    def _speak(self, request: MediaRequest, voice: str, *, requested: bool, caption: str = "") -> MediaResult:
        binary = self._binary()
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="media-fill-espeak-") as tmp:
            wav = Path(tmp) / "speech.wav"
            command = [
                binary, "-b", "1", "-v", voice,
                "-s", str(self.settings.get("speed_wpm", 150)),
                "-p", str(self.settings.get("pitch", 50)),
                "-w", str(wav), "--stdin",
            ]  # fmt: skip
            self._run(
                command,
                stdin=request.text.encode("utf-8"),
                what="espeak-ng",
                voice=voice,
                requested=requested,
            )
            if not wav.is_file():
                raise ProviderError("espeak-ng produced no sound for this text", provider=self.name)
            data, extension = wav.read_bytes(), "wav"
            require_audio(data, expected="wav", provider=self.name)
            lame = self._lame()
            if lame is not None:
                mp3 = Path(tmp) / "speech.mp3"
                try:
                    self._run([lame, "--quiet", "-V", "5", str(wav), str(mp3)], stdin=b"", what="lame", voice=voice)
                    mp3_data = mp3.read_bytes()
                    require_audio(mp3_data, expected="mp3", provider=self.name)
                    data, extension = mp3_data, "mp3"
                except (ProviderError, OSError) as exc:
                    log.warning("espeak: MP3 conversion failed (%s); keeping WAV", exc)
        return self.result(request, data=data, extension=extension, started=started, caption=caption)

    def _run(self, command: list[str], *, stdin: bytes, what: str, voice: str, requested: bool = False) -> None:
        try:
            completed = subprocess.run(command, input=stdin, capture_output=True, timeout=self.timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise TransientError(f"{what} took longer than {self.timeout_s:g} s", provider=self.name) from None
        except OSError as exc:
            raise ProviderUnavailableError(
                f"cannot run {what}: {exc.strerror or exc}; {INSTALL_HINT}", provider=self.name
            ) from None
        if completed.returncode != 0:
            stderr = completed.stderr.decode("utf-8", "replace").strip()
            if "voice does not exist" in stderr and requested:
                raise PermanentError(
                    f"espeak-ng has no voice {voice!r}; set {target_voice(self.name)} to a voice listed by "
                    "'espeak-ng --voices'",
                    provider=self.name,
                )
            if "voice does not exist" in stderr:
                raise PermanentError(
                    f"espeak-ng has no voice {voice!r}; set the rule's language or providers.audio.espeak.voices "
                    "to a voice listed by 'espeak-ng --voices'",
                    provider=self.name,
                )
            raise ProviderError(f"{what} failed (exit {completed.returncode}): {stderr[:200]}", provider=self.name)

    def fetch_voices(self) -> list[Voice]:
        """The voices of ``espeak-ng --voices``; runs the program (raises with the install hint
        when it is missing)."""
        try:
            completed = subprocess.run(
                [self._binary(), "--voices"], capture_output=True, timeout=self.timeout_s, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ProviderUnavailableError(
                f"cannot list espeak-ng's voices ({exc}); {INSTALL_HINT}", provider=self.name
            ) from None
        if completed.returncode != 0:
            stderr = completed.stderr.decode("utf-8", "replace").strip()[:200]
            raise ProviderError(
                f"espeak-ng --voices failed (exit {completed.returncode}): {stderr}", provider=self.name
            )
        return espeak_voices(completed.stdout.decode("utf-8", "replace"), provider=self.name)

    def test_connection(self) -> HealthReport:
        started = time.monotonic()
        try:
            completed = subprocess.run(
                [self._binary(), "--version"], capture_output=True, timeout=self.timeout_s, check=False
            )
        except ProviderError as exc:
            return HealthReport(self.name, ok=False, latency_s=time.monotonic() - started, message=exc.message)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return HealthReport(self.name, ok=False, latency_s=time.monotonic() - started, message=str(exc))
        version = completed.stdout.decode("utf-8", "replace").strip()
        return HealthReport(
            self.name, ok=completed.returncode == 0, latency_s=time.monotonic() - started, message=version
        )

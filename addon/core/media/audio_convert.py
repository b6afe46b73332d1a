"""Audio in the format the user asked for (``audio_format``, MP3 by default: it plays on every Anki,
AnkiMobile and AnkiDroid included), converted with whichever of ``lame``, ``ffmpeg`` or ``sox`` is
installed.

* WAV → MP3 with ``lame``; anything ffmpeg reads → anything with ``ffmpeg``; WAV, Ogg Vorbis and
  FLAC → WAV, Ogg or FLAC with ``sox`` (and on to MP3 through ``lame``).
* When no program can do it, the audio is kept under its true extension if the user allows
  (``keep_unconverted_audio``), else the request fails with a message naming what to install.
* The result is checked like any provider's bytes, so the extension always matches the bytes.

`convert_audio_bytes` turns a sound into what a transcription service takes (another format, a
sample rate, one channel), the same programs doing it (``lame --decode`` reads MP3 when there is no
ffmpeg).

Programs get argument lists (never a shell) and work on files in a temporary folder of their own.

Thread safety: `convert_audio` may run on several worker threads at once.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..base.errors import PermanentError, ProviderError
from ..base.log import get_logger
from .checks import mime_type, require_media
from .types import MediaKind, MediaResult

log = get_logger(__name__)

AUDIO_FORMATS = ("mp3", "ogg", "wav", "flac")
_SOX_READS = frozenset({"wav", "ogg", "flac"})
_SOX_WRITES = frozenset({"wav", "ogg", "flac"})
INSTALL_HINT = (
    "install ffmpeg or lame (Debian/Ubuntu: 'sudo apt install ffmpeg lame'; macOS: 'brew install ffmpeg lame'), "
    "or set keep_unconverted_audio to true"
)

Which = Callable[[str], str | None]


@dataclass(frozen=True)
class AudioOutput:
    """What the user wants audio stored as."""

    audio_format: str = "mp3"
    keep_unconverted: bool = True
    timeout_s: float = 60.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AudioOutput:
        """The config's ``audio_format`` and ``keep_unconverted_audio``."""
        return cls(
            audio_format=str(config.get("audio_format", "mp3")),
            keep_unconverted=bool(config.get("keep_unconverted_audio", True)),
        )


def _steps(source: str, target: str, which: Which) -> list[list[str]] | None:
    """The programs to run, each as ``[program, from, to]``; None when nothing installed can."""
    ffmpeg, lame, sox = which("ffmpeg"), which("lame"), which("sox")
    if source == "wav" and target == "mp3" and lame:
        return [[lame, "wav", "mp3"]]
    if ffmpeg:
        return [[ffmpeg, source, target]]
    if sox and source in _SOX_READS:
        if target in _SOX_WRITES:
            return [[sox, source, target]]
        if target == "mp3" and lame:
            return [[sox, source, "wav"], [lame, "wav", "mp3"]]
    return None


def conversion_problem(source: str, output: AudioOutput, *, which: Which = shutil.which) -> str | None:
    """Why audio made as ``source`` (an extension) cannot be stored as the user asks: it must be
    converted (another format, and keeping it unconverted is not allowed) and no program here can
    do it; None when it can be stored. Runs no program (only looks them up)."""
    source, target = source.lower(), output.audio_format.lower()
    if source == target or output.keep_unconverted or _steps(source, target, which) is not None:
        return None
    return f"makes {source} audio and nothing here converts it to {target} (the audio_format setting); {INSTALL_HINT}"


def _argv(program: str, source: Path, target: Path, *, rate: int | None = None, mono: bool = False) -> list[str]:
    name = Path(program).name.lower()
    if name.startswith("lame"):
        if source.suffix == ".mp3":
            return [program, "--quiet", "--decode", str(source), str(target)]
        return [program, "--quiet", "-V", "4", str(source), str(target)]
    shape = []
    if name.startswith("ffmpeg"):
        shape = [*(["-ar", str(rate)] if rate else []), *(["-ac", "1"] if mono else [])]
        return [program, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), *shape, str(target)]
    if rate or mono:
        shape = [*(["-r", str(rate)] if rate else []), *(["-c", "1"] if mono else []), "-b", "16"]
    return [program, "-q", str(source), *shape, str(target)]


def _shaped_steps(source: str, target: str, *, shaped: bool, which: Which) -> list[list[str]] | None:
    """The programs that turn ``source`` into ``target`` (resampled or made mono when ``shaped``:
    ffmpeg, or sox after ``lame --decode`` for MP3); None when nothing installed can."""
    ffmpeg, lame, sox = which("ffmpeg"), which("lame"), which("sox")
    if ffmpeg:
        return [[ffmpeg, source, target]]
    if source == "mp3" and lame:
        if target == "wav" and not shaped:
            return [[lame, "mp3", "wav"]]
        rest = _shaped_steps("wav", target, shaped=shaped, which=which)
        return None if rest is None else [[lame, "mp3", "wav"], *rest]
    if not shaped:
        return _steps(source, target, which)
    if sox and source in _SOX_READS and target in _SOX_WRITES:
        return [[sox, source, target]]
    return None


def convert_audio_bytes(
    data: bytes,
    *,
    source: str,
    target: str,
    provider: str,
    rate: int | None = None,
    mono: bool = False,
    timeout_s: float = 60.0,
    which: Which = shutil.which,
) -> bytes:
    """``data`` (a sound of the extension ``source``) as ``target``, resampled to ``rate`` Hz and
    made one channel of 16-bit samples when asked (``mono``). Raises `PermanentError` naming what to
    install when nothing here can, or the converter's last words when it fails."""
    source, target = source.lower(), target.lower()
    shaped = bool(rate or mono)
    if source == target and not shaped:
        return data
    steps = _shaped_steps(source, target, shaped=shaped, which=which)
    if steps is None:
        what = f"{target} audio" + (f" at {rate} Hz" if rate else "") + (", one channel" if mono else "")
        raise PermanentError(
            f"needs {what} and nothing here converts {source} audio to it; "
            "install ffmpeg (Debian/Ubuntu: 'sudo apt install ffmpeg'; macOS: 'brew install ffmpeg'), "
            "or sox and lame",
            provider=provider,
        )
    return _run(steps, data, timeout_s=timeout_s, provider=provider, rate=rate, mono=mono)


def convert_audio(result: MediaResult, output: AudioOutput, *, which: Which = shutil.which) -> MediaResult:
    """``result`` in ``output.audio_format`` (unchanged when it already is, or when it cannot be
    converted and the user allows keeping it). Raises `PermanentError` when it must be converted
    and cannot be, naming what to install."""
    source = result.extension.lower()
    target = output.audio_format.lower()
    if result.request.kind is not MediaKind.AUDIO or result.data is None or source == target:
        return result
    steps = _steps(source, target, which)
    if steps is None:
        if output.keep_unconverted:
            log.info("%s audio kept as %s: no program here converts it to %s", result.provider, source, target)
            return result
        raise PermanentError(
            f"returned {source} audio and nothing here converts it to {target}; {INSTALL_HINT}",
            provider=result.provider,
        )
    data = _run(steps, result.data, timeout_s=output.timeout_s, provider=result.provider)
    require_media(MediaKind.AUDIO, data, extension=target, provider=result.provider)
    return replace(result, data=data, extension=target, mime_type=mime_type(target))


def _run(
    steps: Sequence[list[str]],
    data: bytes,
    *,
    timeout_s: float,
    provider: str,
    rate: int | None = None,
    mono: bool = False,
) -> bytes:
    with tempfile.TemporaryDirectory(prefix="media-fill-convert-") as folder:
        current = Path(folder) / f"in.{steps[0][1]}"
        current.write_bytes(data)
        for index, (program, _, to) in enumerate(steps):
            out = Path(folder) / f"step{index}.{to}"
            last = index == len(steps) - 1
            argv = _argv(program, current, out, rate=rate if last else None, mono=mono and last)
            try:
                completed = subprocess.run(argv, capture_output=True, timeout=timeout_s, check=False)
            except subprocess.TimeoutExpired:
                raise _failure(provider, program, f"took longer than {timeout_s:g} s") from None
            except OSError as exc:
                raise _failure(provider, program, exc.strerror or type(exc).__name__) from None
            if completed.returncode != 0 or not out.is_file():
                detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
                raise _failure(provider, program, detail[0][:200])
            current = out
        return current.read_bytes()


def _failure(provider: str, program: str, detail: str) -> ProviderError:
    return PermanentError(f"its audio could not be converted with {Path(program).name}: {detail}", provider=provider)

"""Installing a Piper voice from the catalogue (`piper_catalog`): its ``.onnx`` model and
``.onnx.json`` configuration, downloaded into the add-on's ``user_files/piper-voices/`` (the folder
the ``piper`` provider lists, `piper.INSTALLED_VOICES_FOLDER`), each at its catalogue path there.

How a file comes down (`install_voice`):

* Into a partial file first, under ``user_files/piper-downloads/`` (`PARTIAL_FOLDER`), never into the
  voices folder: a voice appears there only once both of its files are whole and checked.
* Resumable: a partial file left by a cut connection or a cancel is continued with ``Range:
  bytes=<its size>-``. A ``206`` whose ``Content-Range`` starts there is appended; a ``200`` (a
  server that ignores Range) starts the file again from its first byte; a ``416`` starts again too.
* Checked against the catalogue: a file that comes out larger than its ``size_bytes`` is stopped at
  once; one that ends shorter (the server's copy is cut) or whose MD5 differs from its
  ``md5_digest`` (corrupted) is refused and its partial file deleted, with a message that says so
  and names the fix. Only then are the files moved into place (the configuration first, so the
  model never stands there without it).
* An error answer (4xx, 5xx) is never written anywhere; a connection cut mid-file keeps what came
  for the next try; network failures become `TransientError`.
* A catalogue path that is absolute, holds ``..`` or a backslash, or would land outside the folders
  is refused before anything is requested.
* ``progress(done, total)`` reports the bytes of both files; ``cancelled()`` is asked between
  chunks and stops the download (`DownloadCancelled`), keeping the partial file to resume.

Thread safety: `install_voice` blocks on the network and the disk: call it from a worker thread.
Two installs of the same voice at once are not supported (the settings page runs one at a time).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shlex
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import requests

from ...core.base.errors import InvalidResponseError, PermanentError, TransientError
from ..http.download import CHUNK_BYTES, display_url, network_error
from .piper import INSTALLED_VOICES_FOLDER
from .piper_catalog import (
    CHECK_URL,
    PROVIDER,
    CatalogFile,
    CatalogVoice,
    check_address,
    file_url,
    refuse_bad_redirects,
    status_problem,
)

PARTIAL_FOLDER = "piper-downloads"
PARTIAL_SUFFIX = ".part"
AGAIN = "press Download again to go on from where it stopped"

Progress = Callable[[int, int], None]


class DownloadCancelled(TransientError):
    """The user stopped the download; what came is kept for the next try."""


def voices_folder(state_dir: Path) -> Path:
    """Where installed voices live: ``<user_files>/piper-voices``."""
    return state_dir / INSTALLED_VOICES_FOLDER


def safe_place(folder: Path, path: str) -> Path:
    """``folder / path`` for a catalogue path, or `PermanentError` when the path could land
    anywhere else (absolute, ``..``, a backslash or a drive, an empty part)."""
    parts = PurePosixPath(path).parts
    refused = (
        not parts
        or path.startswith("/")
        or "\\" in path
        or ":" in path
        or any(part in ("", ".", "..") for part in path.split("/"))
    )
    place = folder.joinpath(*parts) if parts else folder
    if not refused:
        try:
            place.resolve().relative_to(folder.resolve())
        except ValueError:
            refused = True
    if refused:
        raise PermanentError(
            f"the voice list names a file outside the voices folder ({path!r}); nothing was downloaded; {CHECK_URL}",
            provider=PROVIDER,
        )
    return place


def installed_model(voice: CatalogVoice, *, state_dir: Path) -> Path | None:
    """The voice's model in the voices folder when both of its files are there, else None."""
    model = voices_folder(state_dir).joinpath(*PurePosixPath(voice.model.path).parts)
    config = model.with_name(model.name + ".json")
    return model if model.is_file() and config.is_file() else None


def install_voice(
    session: requests.Session,
    voice: CatalogVoice,
    *,
    base_url: str,
    state_dir: Path,
    timeout_s: float,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """Download ``voice`` from ``base_url`` into ``state_dir``'s voices folder (see the module
    docstring) and return its model's path. Raises `PermanentError` (refused path or address),
    `InvalidResponseError` (a file not as the catalogue says: nothing installed), `TransientError`
    (network; cut off: resumable) or `DownloadCancelled`."""
    targets = [safe_place(voices_folder(state_dir), item.path) for item in voice.files]
    partials = [
        safe_place(state_dir / PARTIAL_FOLDER, item.path).with_name(Path(item.path).name + PARTIAL_SUFFIX)
        for item in voice.files
    ]
    total = voice.size
    done = [_size(partial) for partial in partials]

    def report(index: int, size: int) -> None:
        done[index] = size
        if progress is not None:
            progress(min(sum(done), total), total)

    for index, (item, partial) in enumerate(zip(voice.files, partials, strict=True)):
        if _matches(targets[index], item):  # installed before: a part left beside it is stale
            partial.unlink(missing_ok=True)
            report(index, item.size)
            continue
        url = file_url(base_url, item.path)
        check_address(url)
        partial.parent.mkdir(parents=True, exist_ok=True)
        _download(
            session,
            url,
            partial,
            item,
            timeout_s=timeout_s,
            report=functools.partial(report, index),
            cancelled=cancelled or (lambda: False),
        )
        _verify(partial, item, url=url)
    for target, partial in reversed(list(zip(targets, partials, strict=True))):  # the model last
        if partial.is_file():  # not when the file was in place already
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(partial, target)
    _remove_empty_folders(partials[0].parent, stop=state_dir / PARTIAL_FOLDER)
    return targets[0]


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _matches(path: Path, item: CatalogFile) -> bool:
    return path.is_file() and path.stat().st_size == item.size and _md5(path) == item.md5


def _download(
    session: requests.Session,
    url: str,
    partial: Path,
    item: CatalogFile,
    *,
    timeout_s: float,
    report: Callable[[int], None],
    cancelled: Callable[[], bool],
) -> None:
    """Bring ``partial`` up to ``item.size`` bytes from ``url``, resuming what it holds."""
    have = _size(partial)
    if have > item.size:
        partial.unlink()
        have = 0
    if have == item.size:
        report(have)
        return
    shown = display_url(url)
    # The catalogue's sizes and hashes are of the file's own bytes: ask for them unencoded.
    headers = {"Accept-Encoding": "identity", **({"Range": f"bytes={have}-"} if have else {})}
    try:
        response = session.get(
            url, stream=True, timeout=timeout_s, headers=headers, hooks={"response": [refuse_bad_redirects]}
        )
    except requests.RequestException as exc:
        raise network_error(exc, url=url, provider=PROVIDER, timeout_s=timeout_s) from None
    with response:
        for hop in (*response.history, response):
            check_address(hop.url)
        status = response.status_code
        if have and status == 416:  # the partial file is not a start of this file: begin again
            partial.unlink()
            response.close()
            return _download(session, url, partial, item, timeout_s=timeout_s, report=report, cancelled=cancelled)
        if status == 206 and have and _range_start(response) == have:
            mode = "ab"
        elif status == 200:  # no Range asked, or a server that ignores it: the whole file again
            mode, have = "wb", 0
        else:
            if status == 206:  # a part that does not follow ours: drop ours, so Download starts afresh
                partial.unlink(missing_ok=True)
            raise status_problem(status, url=url, what=f"the voice file {Path(item.path).name}")
        report(have)
        received = have
        try:
            with partial.open(mode) as handle:
                for chunk in response.iter_content(chunk_size=CHUNK_BYTES):
                    if cancelled():
                        raise DownloadCancelled(
                            f"the download of {Path(item.path).name} was stopped; {AGAIN}", provider=PROVIDER
                        )
                    received += len(chunk)
                    if received > item.size:
                        handle.close()
                        partial.unlink()
                        raise InvalidResponseError(
                            f"{shown} is larger than the voice list says ({item.size} bytes), so it is not that "
                            f"voice's file and was deleted; {CHECK_URL}",
                            provider=PROVIDER,
                        )
                    handle.write(chunk)
                    report(received)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
            raise TransientError(
                f"the download of {Path(item.path).name} was cut off after {received} of {item.size} bytes "
                f"({type(exc).__name__}); {AGAIN}",
                provider=PROVIDER,
            ) from None
        except requests.RequestException as exc:
            raise network_error(exc, url=url, provider=PROVIDER, timeout_s=timeout_s) from None
    return None


def _range_start(response: requests.Response) -> int | None:
    """Where a 206's ``Content-Range: bytes START-END/TOTAL`` starts, or None."""
    value = response.headers.get("Content-Range", "").strip()
    unit, _, rest = value.partition(" ")
    start = rest.partition("-")[0]
    return int(start) if unit.lower() == "bytes" and start.isdigit() else None


def _verify(partial: Path, item: CatalogFile, *, url: str) -> None:
    """Refuse (and delete) a partial file that is not the catalogue's file."""
    name = Path(item.path).name
    size = _size(partial)
    if size != item.size:
        partial.unlink(missing_ok=True)
        raise InvalidResponseError(
            f"the download of {name} ended after {size} of the {item.size} bytes the voice list names, so "
            f"nothing was installed and the part was deleted; press Download to try again, or {CHECK_URL}",
            provider=PROVIDER,
        )
    digest = _md5(partial)
    if digest != item.md5:
        partial.unlink(missing_ok=True)
        raise InvalidResponseError(
            f"{name} from {display_url(url)} is corrupted (its MD5 hash is {digest}, the voice list says "
            f"{item.md5}), so it was deleted and nothing was installed; press Download to try again, or "
            f"{CHECK_URL}",
            provider=PROVIDER,
        )


def _remove_empty_folders(folder: Path, *, stop: Path) -> None:
    """Remove ``folder`` and its parents up to and including ``stop`` while they are empty."""
    current = folder
    while True:
        with contextlib.suppress(OSError):
            current.rmdir()
        if current == stop or stop not in current.parents:
            return
        current = current.parent


def install_steps(*, system: str, home: Path) -> str:
    """How to install the ``piper`` program on ``system`` (`platform.system()`: "Windows",
    "Darwin", else Linux and the like), in a Python of the user's own (Anki's cannot take
    packages), ending with the path to put in the Binary setting."""
    if system == "Windows":
        return (
            'install Python 3 from python.org, then in a Command Prompt run: py -m venv "%USERPROFILE%\\piper-tts" '
            'and "%USERPROFILE%\\piper-tts\\Scripts\\pip" install piper-tts; then set Binary to '
            f"{home}\\piper-tts\\Scripts\\piper.exe"
        )
    folder = home / "piper-tts"
    terminal = "Terminal" if system == "Darwin" else "a terminal"
    return (
        f"in {terminal} run: python3 -m venv {shlex.quote(str(folder))} && "
        f"{shlex.quote(f'{folder}/bin/pip')} install piper-tts; then set Binary to "
        f"{folder}/bin/piper"
    )

"""The bytes of a word list as text: opening and reading the file, the encoding (stated or
detected from the start of the file), and decoding it a chunk at a time.

Thread safety: pure functions over their arguments; each pass has its own decoder.
"""

from __future__ import annotations

import codecs
from collections.abc import Generator
from pathlib import Path
from typing import BinaryIO

from ._word_list_types import WordListError

CHUNK_BYTES = 1 << 16
"""The file is read this much at a time."""
# UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252",
}


def open_binary(path: Path) -> BinaryIO:
    """The file opened for reading bytes; `WordListError` saying why it cannot be."""
    name = path.name
    try:
        if path.is_dir():
            raise WordListError("is a folder, not a file; choose a .csv or .json file", path=name)
        return path.open("rb")
    except FileNotFoundError:
        raise WordListError("was not found; check that the file exists and choose it again", path=name) from None
    except PermissionError:
        raise WordListError(
            "cannot be opened: permission denied; allow reading it or copy it to another folder", path=name
        ) from None
    except OSError as exc:
        raise WordListError(f"cannot be opened ({exc.strerror or exc}); check the file", path=name) from None


def read_bytes(stream: BinaryIO, size: int, *, name: str) -> bytes:
    """At most ``size`` bytes of ``stream``; `WordListError` when the disk fails."""
    try:
        return stream.read(size)
    except OSError as exc:
        raise WordListError(f"could not be read ({exc.strerror or exc}); check the file", path=name) from None


def stated_encoding(encoding: str, *, name: str) -> str:
    """The codec name of the encoding the user chose; `WordListError` when it is unknown or not a text codec."""
    try:
        codec = codecs.lookup(encoding)
        b"x".decode(codec.name, "replace")  # refuses codecs that do not make text (base64, zlib, …)
    except LookupError:
        raise WordListError(
            f'cannot be read: unknown encoding "{encoding}"; choose one such as utf-8 or cp1252', path=name
        ) from None
    except (UnicodeError, ValueError):
        raise WordListError(
            f'cannot be read with the encoding "{encoding}"; choose one such as utf-8 or cp1252', path=name
        ) from None
    return codec.name


def detect_encoding(sample: bytes, *, whole: bool, name: str) -> str:
    """The encoding of the file that starts with ``sample`` (``whole``: the sample is the whole file):
    a byte order mark, else UTF-16 without one, else UTF-8, else Windows-1252."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    unmarked = _utf16_without_mark(sample)
    if unmarked is not None:
        return unmarked
    try:
        # A character cut at the end of the sample is fine unless the sample is the whole file.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=whole)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass
    raise WordListError(
        "is neither UTF-8 nor Windows-1252 text; save the file as UTF-8 or choose its encoding", path=name
    )


def _utf16_without_mark(sample: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark (some Windows tools do): text in Latin, Cyrillic,
    Greek… script has a zero byte in every other place, which UTF-8 and Windows-1252 text never
    has. Returns the codec, or None."""
    pairs = len(sample) // 2
    if pairs < 2 or b"\x00" not in sample:
        return None
    even = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd >= pairs * 0.3 and even == 0:
        return "utf-16-le"
    if even >= pairs * 0.3 and odd == 0:
        return "utf-16-be"
    return None


class UndecodableText(Exception):
    """Internal: the text stops being valid in its encoding here (the valid part before it was yielded).
    ``character`` is the 1-based position in its line, once known."""

    def __init__(self, encoding: str, character: int = 0) -> None:
        super().__init__(encoding)
        self.encoding = encoding
        self.character = character


def undecodable_error(
    exc: UndecodableText, *, name: str, row: int | None, column: str, line: int | None = None
) -> WordListError:
    """The `WordListError` for text that stops decoding at ``row`` (and CSV ``line``) and ``column``."""
    shown = _ENCODING_NAMES.get(exc.encoding, exc.encoding)
    message = f"is not valid {shown} text; save the file as UTF-8 or choose its encoding"
    return WordListError(message, path=name, row=row, column=column, line=line)


def decoded_chunks(stream: BinaryIO, *, encoding: str, name: str, complete: bool = True) -> Generator[str, None, None]:
    """The stream's text, a chunk at a time, without a leading U+FEFF; never yields "". On bytes that
    do not decode, yields the valid text before them, then raises `UndecodableText`. ``complete``:
    the stream ends where the file ends (else a character cut at its end is dropped silently)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    at_start = True
    while True:
        data = read_bytes(stream, CHUNK_BYTES, name=name)
        final = not data
        if final and not complete:
            return
        state = decoder.getstate()
        try:
            text = decoder.decode(data, final=final)
            failure = None
        except UnicodeDecodeError as exc:
            text = _valid_prefix(decoder, state, data, exc)
            failure = exc
        if at_start and text:
            text = text.removeprefix("\ufeff")
            at_start = False
        if text:
            yield text
        if failure is not None:
            raise UndecodableText(encoding) from None
        if final:
            return


def _valid_prefix(
    decoder: codecs.IncrementalDecoder, state: tuple[bytes, int], data: bytes, exc: UnicodeDecodeError
) -> str:
    """The text of ``data`` before the byte that failed. The error counts from the start of the
    decoder's buffered bytes (the state before the call), which come before ``data``."""
    buffered = state[0] if isinstance(state[0], bytes) else b""
    good = max(0, exc.start - len(buffered))
    try:
        decoder.setstate(state)
        return decoder.decode(data[:good], final=False)
    except (UnicodeDecodeError, ValueError, TypeError):
        return ""

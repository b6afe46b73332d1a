"""Reading a word list — a CSV file with a header row, or a JSON array of objects — row by row.

`open_word_list` looks at the start of the file only (at most `SAMPLE_BYTES`): it settles the format
(stated, else by the file's extension, else by its first character), the encoding (stated, else a
byte order mark, else UTF-8 when the start decodes as UTF-8, else Windows-1252), and the columns (the
CSV header; the keys of the first JSON items). `WordList.rows` then streams the whole file, a chunk
(`CHUNK_BYTES`) at a time, on every call: memory stays flat whatever the file's size. A single CSV
cell or JSON item is capped at `ITEM_LIMIT` characters, and a CSV row at that much per column, so a
hostile file cannot balloon memory either.

Every problem is a `WordListError` that says where it is (file, row, column or character) in words
for users; rows before the problem have already been yielded when it is raised.

One process-wide change: the `csv` module's cell limit (`csv.field_size_limit`, 128 Ki characters
by default) is raised to `ITEM_LIMIT` the first time a CSV file is read. It is never lowered.

Threading: no shared state besides that limit. A `WordList` does not change after it is opened, and
each `rows()` call is its own pass with its own file handle, so passes may run on any thread, also
at the same time. Reading a large file takes a while: do it off Anki's main thread.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, BinaryIO

from ..base.errors import MediaFillError

if TYPE_CHECKING:
    from _csv import Reader as _CsvReader  # what csv.reader returns; no public name

SAMPLE_BYTES = 1 << 20
"""At most this much of the file is read by `open_word_list`."""
CHUNK_BYTES = 1 << 16
"""The file is read this much at a time."""
ITEM_LIMIT = 1 << 20
"""The most characters one CSV cell or one JSON item may have."""
JSON_COLUMN_ITEMS = 100
"""The JSON columns are the keys of this many items at most (those within the sample)."""
FORMATS = ("csv", "json")

_EXTENSION_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json"}
_DELIMITERS = (",", ";", "\t", "|")
_TAB_FIRST = ("\t", ",", ";", "|")
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
_LINE_ENDS = ("\n", "\r")
_QUOTED = re.compile(r'"[^"]*(?:"|$)')
_NOT_SPACE = re.compile(r"\S")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_SPACE_CHARS = " \t\n\r"
_POSITION = re.compile(r"(?:line \d+, )?character \d+")
_NOT_AN_ARRAY = 'must be a JSON array of objects, like [{"Front": "apple"}]'
_ITEM_TOO_LARGE = "is larger than 1 MiB; a word list holds short texts, so check the file"
_CELL_TOO_LARGE = 'has a cell larger than 1 MiB; check for a quote (") that is never closed'
_ROW_TOO_LONG = 'is too long (over 1 MiB for each column); check for a quote (") that is never closed'
_MAX_BLANK_LINES = 100_000


class WordListError(MediaFillError):
    """A word list that cannot be read as it is; says where: ``row`` and ``column`` (both optional).

    ``path`` is the file's name only. ``row`` is a CSV line number or a JSON item number. ``column``
    is a column (``"3 (Back)"``, a JSON key) or a character position (``"character 17"``,
    ``"line 5, character 17"``); ``str()`` shows the latter without the word "column".
    """

    def __init__(self, message: str, *, path: str = "", row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = PurePath(path).name if path else ""
        self.row = row
        self.column = column

    def __str__(self) -> str:
        where: list[str] = []
        if self.path:
            where.append(self.path)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(self.column if _POSITION.fullmatch(self.column) else f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class WordRow:
    """One row of a word list.

    ``number``: CSV: the file's line number where the row starts (the header is line 1 unless blank
    lines come first); JSON: the item's 1-based index. ``values``: column → text. A CSV row has every
    column; a JSON row has the keys its item has, numbers and booleans as their JSON text ("3",
    "2.50", "true") and null as "".
    """

    number: int
    values: dict[str, str]


class WordList:
    """An opened word list: what `open_word_list` found out. Read its rows with `rows` or `preview`."""

    def __init__(self, *, path: Path, file_format: str, encoding: str, columns: list[str], delimiter: str = "") -> None:
        self.path = path
        self.file_format = file_format
        self.encoding = encoding
        self.columns = columns
        self._delimiter = delimiter

    def __repr__(self) -> str:
        return f"<WordList {self.path.name!r} {self.file_format} {self.encoding} columns={self.columns!r}>"

    def rows(self) -> Iterator[WordRow]:
        """A fresh pass over the whole file, streamed; raises `WordListError` at the first bad row."""
        return self._pass()

    def preview(self, limit: int = 10) -> list[WordRow]:
        """The first ``limit`` rows (reads only as far as needed)."""
        rows = self._pass()
        try:
            return list(itertools.islice(rows, max(limit, 0)))
        finally:
            rows.close()

    def _pass(self) -> Generator[WordRow, None, None]:
        name = self.path.name
        with _open_binary(self.path) as stream:
            chunks = _decoded_chunks(stream, encoding=self.encoding, name=name)
            if self.file_format == "json":
                yield from _json_rows(chunks, name=name)
            else:
                yield from self._csv_rows(chunks, name=name)

    def _csv_rows(self, chunks: Iterator[str], *, name: str) -> Iterator[WordRow]:
        records = _CsvRecords(chunks, name=name, delimiter=self._delimiter)
        lines = iter(records)
        header = next(lines, None)
        if header is None or _column_names(header[1], line=header[0], name=name) != self.columns:
            raise WordListError("has changed since it was opened; open it again", path=name)
        records.row_limit = ITEM_LIMIT * (len(self.columns) + 1)
        return _word_rows(lines, records, columns=self.columns, name=name)


def _word_rows(
    lines: Iterator[tuple[int, list[str]]], records: _CsvRecords, *, columns: list[str], name: str
) -> Iterator[WordRow]:
    """The CSV records after the header as rows. The loop every row goes through: kept short."""
    width = len(columns)
    # csv itself stops a longer cell unless something else in the process raised its limit.
    check_sizes = csv.field_size_limit() > ITEM_LIMIT
    for number, record in lines:
        cells = record if len(record) == width else _fit_to_header(record, width=width, line=number, name=name)
        if check_sizes and sum(map(len, cells)) > ITEM_LIMIT:
            _check_cell_sizes(cells, columns=columns, line=number, name=name)
        if records.quoted_cr:
            cells = [cell[:-1] if cell.endswith("\r") else cell for cell in cells]
        yield WordRow(number, dict(zip(columns, cells, strict=False)))  # same length: fitted above


def open_word_list(path: Path, *, encoding: str | None = None, file_format: str | None = None) -> WordList:
    """Opens a word list: reads at most `SAMPLE_BYTES` of it to find its format, encoding and columns.

    ``encoding``: a Python codec name, or None to detect it. ``file_format``: "csv" or "json", or
    None to go by the extension, then by the first character. Raises `WordListError` when the file
    is missing or unreadable, empty, in an unknown encoding, or (CSV) has a bad header row. Blocks
    on the disk briefly; any thread.
    """
    path = Path(path)
    name = path.name
    stated_format = _stated_format(file_format, name=name) if file_format is not None else None
    stated_encoding = _stated_encoding(encoding, name=name) if encoding is not None else None
    with _open_binary(path) as stream:
        sample = _read(stream, SAMPLE_BYTES, name=name)
        whole = len(sample) < SAMPLE_BYTES or not _read(stream, 1, name=name)
    chosen = stated_encoding or _detect_encoding(sample, whole=whole, name=name)
    text = codecs.getincrementaldecoder(chosen)(errors="replace").decode(sample, final=whole).removeprefix("\ufeff")
    first = _NOT_SPACE.search(text)
    if first is None:
        raise WordListError("is empty" if whole else "starts with more than 1 MiB of blank space", path=name)
    first_char = first.group()
    del text
    chosen_format = (
        stated_format or _EXTENSION_FORMATS.get(path.suffix.lower()) or ("json" if first_char == "[" else "csv")
    )
    if chosen_format == "json":
        if first_char != "[":
            raise WordListError(_NOT_AN_ARRAY, path=name)
        columns = _json_columns(sample, encoding=chosen, whole=whole, name=name)
        return WordList(path=path, file_format="json", encoding=chosen, columns=columns)
    with _open_binary(path) as stream:
        records = _CsvRecords(
            _decoded_chunks(stream, encoding=chosen, name=name),
            name=name,
            delimiter=None,
            tab_first=path.suffix.lower() == ".tsv",
        )
        lines = iter(records)
        header = next(lines, None)
        if isinstance(lines, Generator):
            lines.close()
    if header is None:
        raise WordListError("is empty", path=name)
    columns = _column_names(header[1], line=header[0], name=name)
    return WordList(path=path, file_format="csv", encoding=chosen, columns=columns, delimiter=records.delimiter)


# --- the file and its encoding -----------------------------------------------------------------


def _open_binary(path: Path) -> BinaryIO:
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


def _read(stream: BinaryIO, size: int, *, name: str) -> bytes:
    try:
        return stream.read(size)
    except OSError as exc:
        raise WordListError(f"could not be read ({exc.strerror or exc}); check the file", path=name) from None


def _stated_format(file_format: str, *, name: str) -> str:
    chosen = file_format.strip().lower().lstrip(".")
    if chosen not in FORMATS:
        raise WordListError(f'cannot be read as "{file_format}"; choose the format csv or json', path=name)
    return chosen


def _stated_encoding(encoding: str, *, name: str) -> str:
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


def _detect_encoding(sample: bytes, *, whole: bool, name: str) -> str:
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


class _UndecodableText(Exception):
    """Internal: the text stops being valid in its encoding here (the valid part before it was yielded).
    ``character`` is the 1-based position in its line, once known."""

    def __init__(self, encoding: str, character: int = 0) -> None:
        super().__init__(encoding)
        self.encoding = encoding
        self.character = character


def _undecodable(exc: _UndecodableText, *, name: str, row: int, column: str) -> WordListError:
    shown = _ENCODING_NAMES.get(exc.encoding, exc.encoding)
    message = f"is not valid {shown} text; save the file as UTF-8 or choose its encoding"
    return WordListError(message, path=name, row=row, column=column)


def _decoded_chunks(stream: BinaryIO, *, encoding: str, name: str, complete: bool = True) -> Generator[str, None, None]:
    """The stream's text, a chunk at a time, without a leading U+FEFF; never yields "". On bytes that
    do not decode, yields the valid text before them, then raises `_UndecodableText`. ``complete``:
    the stream ends where the file ends (else a character cut at its end is dropped silently)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    at_start = True
    while True:
        data = _read(stream, CHUNK_BYTES, name=name)
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
            raise _UndecodableText(encoding) from None
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


# --- CSV -------------------------------------------------------------------------------------------


class _RowTooLong(Exception):
    """Internal: the current CSV row grew past its limit (a quote that is never closed, usually)."""


class _LineFeed:
    """Cuts the text into lines (``\\n``, ``\\r\\n`` or ``\\r``, kept) for `csv.reader`, one list per
    chunk, and guards the length of a row: the reader of the rows sets ``row_start = fed`` after each
    row, and a row that spans more than ``row_limit`` characters of lines raises `_RowTooLong`."""

    def __init__(self, chunks: Iterator[str], *, row_limit: int) -> None:
        self._chunks = chunks
        self.row_limit = row_limit
        self.fed = 0
        self.row_start = 0
        self.quoted_cr = False  # a CR right before a quote was seen: a quoted cell may end with one

    def batches(self) -> Iterator[list[str]]:
        carry = ""  # the last, maybe unfinished, line: it is finished by the next chunk
        while True:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                if carry:
                    yield [carry]
                return
            except _UndecodableText as exc:
                lines = _split_lines(carry)
                partial = lines.pop() if lines and not lines[-1].endswith(_LINE_ENDS) else ""
                if lines:
                    yield lines
                raise _UndecodableText(exc.encoding, len(partial) + 1) from None
            text = carry + chunk
            if not self.quoted_cr and '\r"' in text:
                self.quoted_cr = True
            lines = _split_lines(text)
            carry = lines.pop()
            if len(carry) > self.row_limit or self.fed - self.row_start > self.row_limit:
                raise _RowTooLong
            if lines:
                self.fed += len(text) - len(carry)
                yield lines


def _split_lines(text: str) -> list[str]:
    return io.StringIO(text, newline="").readlines()


class _CsvRecords:
    """One pass over a CSV file's records: (line where the record starts, cells), blank records
    skipped; the first is the header. The delimiter, when not given, is found in the first line
    that is not blank, and kept in ``delimiter``. Set ``row_limit`` once the header is read."""

    def __init__(self, chunks: Iterator[str], *, name: str, delimiter: str | None, tab_first: bool = False) -> None:
        self._feed = _LineFeed(chunks, row_limit=ITEM_LIMIT)
        self._name = name
        self.delimiter = delimiter or ""
        self._tab_first = tab_first

    @property
    def quoted_cr(self) -> bool:
        """Whether a cell read so far may end with a CR (only a quoted one can)."""
        return self._feed.quoted_cr

    @property
    def row_limit(self) -> int:
        return self._feed.row_limit

    @row_limit.setter
    def row_limit(self, value: int) -> None:
        self._feed.row_limit = value

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader = self._reader()
        if reader is None:
            return iter(())
        return self._records(reader)

    def _reader(self) -> _CsvReader | None:
        """A `csv.reader` over the whole text, the delimiter found in the first line that is not
        blank (read ahead here, and given to the reader again); None when there is none."""
        feed, name = self._feed, self._name
        _allow_large_csv_cells()
        batches = feed.batches()
        head: list[str] = []
        try:
            for batch in batches:
                head.extend(batch)
                first = next((line for line in batch if line.strip()), None)
                if first is not None:
                    if not self.delimiter:
                        self.delimiter = _detect_delimiter(first, tab_first=self._tab_first)
                    break
                if len(head) > _MAX_BLANK_LINES:
                    raise WordListError(
                        f"starts with more than {_MAX_BLANK_LINES:,} blank lines; remove them", path=name
                    )
        except (_UndecodableText, _RowTooLong) as exc:
            raise _csv_read_error(exc, name=name, row=len(head) + 1) from None
        if not head:
            return None
        return csv.reader(itertools.chain(head, itertools.chain.from_iterable(batches)), delimiter=self.delimiter)

    def _records(self, reader: _CsvReader) -> Iterator[tuple[int, list[str]]]:
        # The loop every row goes through: kept short (tracemalloc, for one, pays per line of it).
        feed = self._feed
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (_UndecodableText, _RowTooLong, csv.Error) as exc:
                raise _csv_read_error(exc, name=self._name, row=start, line=reader.line_num + 1) from None
            feed.row_start = feed.fed
            if cells and ((cells[0] and not cells[0].isspace()) or "".join(cells).strip()):
                yield start, cells


def _csv_read_error(exc: Exception, *, name: str, row: int, line: int | None = None) -> WordListError:
    """The `WordListError` for a problem met while reading the record that starts on line ``row``
    (``line``: the line being read then)."""
    if isinstance(exc, _UndecodableText):
        return _undecodable(exc, name=name, row=line or row, column=f"character {exc.character}")
    if isinstance(exc, _RowTooLong):
        return WordListError(_ROW_TOO_LONG, path=name, row=row)
    if "field larger than field limit" in str(exc):
        return WordListError(_CELL_TOO_LARGE, path=name, row=row)
    return WordListError(f"cannot be read as CSV ({exc}); check the file", path=name, row=row)


def _allow_large_csv_cells() -> None:
    """csv's cell limit is one number for the whole process: raise it to `ITEM_LIMIT`, never lower it."""
    if csv.field_size_limit() < ITEM_LIMIT:
        csv.field_size_limit(ITEM_LIMIT)


def _detect_delimiter(line: str, *, tab_first: bool) -> str:
    """The most frequent of `, ; tab |` outside quotes (ties: that order, or tab first); ``,`` when none."""
    unquoted = _QUOTED.sub("", line)
    order = _TAB_FIRST if tab_first else _DELIMITERS
    counts = {delimiter: unquoted.count(delimiter) for delimiter in order}
    best = max(order, key=counts.__getitem__)
    return best if counts[best] else ","


def _column_names(cells: list[str], *, line: int, name: str) -> list[str]:
    """The header's cells, outer spaces removed, trailing empty cells dropped; every name given, once."""
    names = [cell.strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    positions: dict[str, int] = {}
    for position, column in enumerate(names, start=1):
        if not column:
            raise WordListError(
                f"column {position} has no name; give every column a name in the first row", path=name, row=line
            )
        if column in positions:
            raise WordListError(
                f'has two columns named "{column}" (columns {positions[column]} and {position}); '
                "give each column its own name",
                path=name,
                row=line,
            )
        positions[column] = position
    return names


def _fit_to_header(cells: list[str], *, width: int, line: int, name: str) -> list[str]:
    """``cells`` cut to the header's width when only empty cells are beyond it; else an error."""
    count = len(cells)
    while count > width and not cells[count - 1].strip():
        count -= 1
    if count == width:
        return cells[:width]
    noun = "cell" if count == 1 else "cells"
    raise WordListError(f"has {count} {noun}; the header has {width}", path=name, row=line)


def _check_cell_sizes(cells: list[str], *, columns: list[str], line: int, name: str) -> None:
    for index, cell in enumerate(cells):
        if len(cell) > ITEM_LIMIT:
            raise WordListError(_CELL_TOO_LARGE, path=name, row=line, column=f"{index + 1} ({columns[index]})")


# --- JSON ------------------------------------------------------------------------------------------


class _JsonText:
    """A window on the text of a JSON file: ``buf[pos:]`` is what is not read yet. More text is added
    a chunk at a time, and what has been read is dropped then; line and column of a position in
    ``buf`` count the dropped text too. ``row`` is the item being read, for errors."""

    def __init__(self, chunks: Iterator[str], *, name: str) -> None:
        self._chunks = chunks
        self.name = name
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.row = 1
        self._lines_dropped = 0
        self._column_dropped = 0  # characters after the last dropped newline

    def more(self) -> bool:
        """Adds a chunk; False at the end of the file."""
        if self.eof:
            return False
        try:
            chunk = next(self._chunks)
        except StopIteration:
            self.eof = True
            return False
        except _UndecodableText as exc:
            line, character = self.location(len(self.buf))
            raise _undecodable(
                exc, name=self.name, row=self.row, column=f"line {line}, character {character}"
            ) from None
        buf, pos = self.buf, self.pos
        newlines = buf.count("\n", 0, pos)
        if newlines:
            self._lines_dropped += newlines
            self._column_dropped = pos - buf.rfind("\n", 0, pos) - 1
        else:
            self._column_dropped += pos
        self.buf = buf[pos:] + chunk
        self.pos = 0
        return True

    def peek(self) -> str:
        """Skips JSON white space; the next character, or "" at the end of the file."""
        if self.pos < len(self.buf) and self.buf[self.pos] not in _JSON_SPACE_CHARS:
            return self.buf[self.pos]  # the usual case, without a regex match
        while True:
            match = _JSON_SPACE.match(self.buf, self.pos)
            assert match is not None  # the pattern matches the empty string
            self.pos = match.end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def location(self, index: int) -> tuple[int, int]:
        """1-based line and column of ``buf[index]`` in the file."""
        newlines = self.buf.count("\n", 0, index)
        if newlines:
            return self._lines_dropped + newlines + 1, index - self.buf.rfind("\n", 0, index)
        return self._lines_dropped + 1, self._column_dropped + index + 1

    def invalid(self, message: str, index: int) -> WordListError:
        line, column = self.location(index)
        return WordListError(f"invalid JSON at line {line}, column {column}: {message}", path=self.name, row=self.row)

    def item(self, decoder: json.JSONDecoder) -> object:
        """Decodes the value at ``pos`` (after white space), adding chunks until it is whole."""
        if not self.peek():
            raise self.invalid("Expecting value", self.pos)
        while True:
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos <= ITEM_LIMIT and self.more():
                    continue
                if self.eof:
                    raise self.invalid(exc.msg, exc.pos) from None
                if exc.msg.startswith("Unterminated string") or exc.pos - self.pos >= ITEM_LIMIT - CHUNK_BYTES:
                    raise WordListError(_ITEM_TOO_LARGE, path=self.name, row=self.row) from None
                raise self.invalid(exc.msg, exc.pos) from None
            if end - self.pos > ITEM_LIMIT:
                raise WordListError(_ITEM_TOO_LARGE, path=self.name, row=self.row)
            self.pos = end
            return value


def _json_rows(chunks: Iterator[str], *, name: str) -> Generator[WordRow, None, None]:
    text = _JsonText(chunks, name=name)
    decoder = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)
    first = text.peek()
    if first != "[":
        raise WordListError(_NOT_AN_ARRAY if first else "is empty", path=name)
    text.pos += 1
    if text.peek() == "]":
        text.pos += 1
    else:
        while True:
            item = text.item(decoder)
            yield WordRow(text.row, _json_values(item, row=text.row, name=name))
            text.row += 1
            after = text.peek()
            text.pos += 1
            if after == "]":
                break
            if after != ",":
                raise text.invalid("Expecting ',' delimiter", text.pos - 1)
    if text.peek():
        line, column = text.location(text.pos)
        raise WordListError(f"has more text after the closing ] (line {line}, column {column}); remove it", path=name)


def _json_values(item: object, *, row: int, name: str) -> dict[str, str]:
    if not isinstance(item, dict):
        raise WordListError(f"item {row} is not an object; the file {_NOT_AN_ARRAY}", path=name, row=row)
    for value in item.values():
        if type(value) is not str:
            return _converted_values(item, row=row, name=name)
    return item  # all text already (the decoder turns numbers into their text): no copy needed


def _converted_values(item: dict[str, object], *, row: int, name: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in item.items():
        if isinstance(value, str):
            values[key] = value
        elif value is None:
            values[key] = ""
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        else:
            held = "a list" if isinstance(value, list) else "an object"
            raise WordListError(
                f"holds {held}; each value must be text, a number, true, false or null",
                path=name,
                row=row,
                column=str(key),
            )
    return values


def _json_columns(sample: bytes, *, encoding: str, whole: bool, name: str) -> list[str]:
    """The keys of the first `JSON_COLUMN_ITEMS` items that lie within the sample, in order of first
    appearance. Stops quietly at a problem: `WordList.rows` reports it, with its place."""
    chunks = _decoded_chunks(io.BytesIO(sample), encoding=encoding, name=name, complete=whole)
    rows = _json_rows(chunks, name=name)
    keys: dict[str, None] = {}
    try:
        for row in itertools.islice(rows, JSON_COLUMN_ITEMS):
            keys.update(dict.fromkeys(row.values))
    except WordListError:
        pass
    finally:
        rows.close()
    return list(keys)

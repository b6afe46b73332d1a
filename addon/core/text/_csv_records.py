"""The CSV side of the word-list reader: the file's text cut into records (`_CsvRecords`), the
delimiter found in the first line, the header's column names, and the rows after it. A row with
fewer cells than the header is read with the missing cells empty (and marked short); one with more
non-empty cells than the header is an error. Rows are numbered from the first row after the header
(`WordRow.number`); errors name that row and the file's line.

One process-wide change: the `csv` module's cell limit (`csv.field_size_limit`, 128 Ki characters
by default) is raised to `ITEM_LIMIT` the first time a CSV file is read. It is never lowered.

Thread safety: no shared state besides that limit; each pass has its own `_CsvRecords`.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

from ._decoding import UndecodableText, undecodable_error
from ._word_list_types import ITEM_LIMIT, WordListError, WordRow

if TYPE_CHECKING:
    from _csv import Reader as _CsvReader  # what csv.reader returns; no public name

_DELIMITERS = (",", ";", "\t", "|")
_TAB_FIRST = ("\t", ",", ";", "|")
_LINE_ENDS = ("\n", "\r")
_QUOTED = re.compile(r'"[^"]*(?:"|$)')
_CELL_TOO_LARGE = 'has a cell larger than 1 MiB; check for a quote (") that is never closed'
_ROW_TOO_LONG = 'is too long (over 1 MiB for each column); check for a quote (") that is never closed'
_MAX_BLANK_LINES = 100_000


def read_header(chunks: Iterator[str], *, name: str, tab_first: bool) -> tuple[list[str], str]:
    """The column names in the first line that is not blank, and the delimiter found there (tab
    first among equals when ``tab_first``); `WordListError` when there is no such line."""
    records = _CsvRecords(chunks, name=name, delimiter=None, tab_first=tab_first)
    lines = iter(records)
    header = next(lines, None)
    if isinstance(lines, Generator):
        lines.close()
    if header is None:
        raise WordListError("is empty", path=name)
    return _column_names(header[1], line=header[0], name=name), records.delimiter


def csv_rows(chunks: Iterator[str], *, name: str, delimiter: str, columns: list[str]) -> Iterator[WordRow]:
    """The rows after the header, which must still name ``columns``."""
    records = _CsvRecords(chunks, name=name, delimiter=delimiter)
    lines = iter(records)
    header = next(lines, None)
    if header is None or _column_names(header[1], line=header[0], name=name) != columns:
        raise WordListError("has changed since it was opened; open it again", path=name)
    records.row_limit = ITEM_LIMIT * (len(columns) + 1)
    return _word_rows(lines, records, columns=columns, name=name)


def _word_rows(
    lines: Iterator[tuple[int, list[str]]], records: _CsvRecords, *, columns: list[str], name: str
) -> Iterator[WordRow]:
    """The CSV records after the header as rows. The loop every row goes through: kept short."""
    width = len(columns)
    # csv itself stops a longer cell unless something else in the process raised its limit.
    check_sizes = csv.field_size_limit() > ITEM_LIMIT
    for number, (line, record) in enumerate(lines, start=1):
        short = len(record) < width
        cells = (
            record if len(record) == width else _fit_to_header(record, width=width, row=number, line=line, name=name)
        )
        if check_sizes and sum(map(len, cells)) > ITEM_LIMIT:
            _check_cell_sizes(cells, columns=columns, row=number, line=line, name=name)
        if records.quoted_cr:
            cells = [cell[:-1] if cell.endswith("\r") else cell for cell in cells]
        yield WordRow(number, dict(zip(columns, cells, strict=False)), line=line, short=short)  # fitted above


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
            except UndecodableText as exc:
                lines = _split_lines(carry)
                partial = lines.pop() if lines and not lines[-1].endswith(_LINE_ENDS) else ""
                if lines:
                    yield lines
                raise UndecodableText(exc.encoding, len(partial) + 1) from None
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
    that is not blank, and kept in ``delimiter``. Set ``row_limit`` once the header is read.
    ``yielded`` counts the records handed out: the one being read is row ``yielded`` after the
    header (0: the header itself)."""

    def __init__(self, chunks: Iterator[str], *, name: str, delimiter: str | None, tab_first: bool = False) -> None:
        self._feed = _LineFeed(chunks, row_limit=ITEM_LIMIT)
        self._name = name
        self.delimiter = delimiter or ""
        self._tab_first = tab_first
        self.yielded = 0

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
        except (UndecodableText, _RowTooLong) as exc:
            raise _csv_read_error(exc, name=name, row=None, start=len(head) + 1) from None
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
            except (UndecodableText, _RowTooLong, csv.Error) as exc:
                row = self.yielded or None
                raise _csv_read_error(exc, name=self._name, row=row, start=start, line=reader.line_num + 1) from None
            feed.row_start = feed.fed
            if cells and ((cells[0] and not cells[0].isspace()) or "".join(cells).strip()):
                self.yielded += 1
                yield start, cells


def _csv_read_error(
    exc: Exception, *, name: str, row: int | None, start: int, line: int | None = None
) -> WordListError:
    """The `WordListError` for a problem met while reading ``row`` (None: the header), the record
    that starts on line ``start`` (``line``: the line being read then)."""
    if isinstance(exc, UndecodableText):
        return undecodable_error(exc, name=name, row=row, line=line or start, column=f"character {exc.character}")
    if isinstance(exc, _RowTooLong):
        return WordListError(_ROW_TOO_LONG, path=name, row=row, line=start)
    if "field larger than field limit" in str(exc):
        return WordListError(_CELL_TOO_LARGE, path=name, row=row, line=start)
    return WordListError(f"cannot be read as CSV ({exc}); check the file", path=name, row=row, line=start)


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
                f"column {position} has no name; give every column a name in the first row", path=name, line=line
            )
        if column in positions:
            raise WordListError(
                f'has two columns named "{column}" (columns {positions[column]} and {position}); '
                "give each column its own name",
                path=name,
                line=line,
            )
        positions[column] = position
    return names


def _fit_to_header(cells: list[str], *, width: int, row: int, line: int, name: str) -> list[str]:
    """``cells`` made the header's width: missing cells at the end are empty, empty cells beyond it
    are dropped; more cells that are not empty are an error."""
    count = len(cells)
    if count < width:
        return cells + [""] * (width - count)
    while count > width and not cells[count - 1].strip():
        count -= 1
    if count == width:
        return cells[:width]
    raise WordListError(
        f"has {count} cells; the header has {width}: remove the extra cells, or quote a cell that holds "
        'the delimiter ("a, b")',
        path=name,
        row=row,
        line=line,
    )


def _check_cell_sizes(cells: list[str], *, columns: list[str], row: int, line: int, name: str) -> None:
    for index, cell in enumerate(cells):
        if len(cell) > ITEM_LIMIT:
            column = f"{index + 1} ({columns[index]})"
            raise WordListError(_CELL_TOO_LARGE, path=name, row=row, line=line, column=column)

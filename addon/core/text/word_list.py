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

The parts: the bytes as text (`_decoding`), CSV records (`_csv_records`), JSON items
(`_json_items`). One process-wide change: the `csv` module's cell limit is raised to `ITEM_LIMIT`
the first time a CSV file is read (see `_csv_records`).

Thread safety: no shared state besides that limit. A `WordList` does not change after it is opened,
and each `rows()` call is its own pass with its own file handle, so passes may run on any thread,
also at the same time. Reading a large file takes a while: do it off Anki's main thread.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Generator, Iterator
from pathlib import Path

from ._csv_records import csv_rows, read_header
from ._decoding import CHUNK_BYTES, decoded_chunks, detect_encoding, open_binary, read_bytes, stated_encoding
from ._json_items import NOT_AN_ARRAY, json_columns, json_rows
from ._word_list_types import ITEM_LIMIT, WordListError, WordRow

__all__ = [
    "CHUNK_BYTES",
    "FORMATS",
    "ITEM_LIMIT",
    "SAMPLE_BYTES",
    "WordList",
    "WordListError",
    "WordRow",
    "open_word_list",
]

SAMPLE_BYTES = 1 << 20
"""At most this much of the file is read by `open_word_list`."""
FORMATS = ("csv", "json")

_EXTENSION_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json"}
_NOT_SPACE = re.compile(r"\S")


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
        with open_binary(self.path) as stream:
            chunks = decoded_chunks(stream, encoding=self.encoding, name=name)
            if self.file_format == "json":
                yield from json_rows(chunks, name=name)
            else:
                yield from csv_rows(chunks, name=name, delimiter=self._delimiter, columns=self.columns)


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
    stated = stated_encoding(encoding, name=name) if encoding is not None else None
    with open_binary(path) as stream:
        sample = read_bytes(stream, SAMPLE_BYTES, name=name)
        whole = len(sample) < SAMPLE_BYTES or not read_bytes(stream, 1, name=name)
    chosen = stated or detect_encoding(sample, whole=whole, name=name)
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
            raise WordListError(NOT_AN_ARRAY, path=name)
        columns = json_columns(sample, encoding=chosen, whole=whole, name=name)
        return WordList(path=path, file_format="json", encoding=chosen, columns=columns)
    with open_binary(path) as stream:
        chunks = decoded_chunks(stream, encoding=chosen, name=name)
        columns, delimiter = read_header(chunks, name=name, tab_first=path.suffix.lower() == ".tsv")
    return WordList(path=path, file_format="csv", encoding=chosen, columns=columns, delimiter=delimiter)


def _stated_format(file_format: str, *, name: str) -> str:
    chosen = file_format.strip().lower().lstrip(".")
    if chosen not in FORMATS:
        raise WordListError(f'cannot be read as "{file_format}"; choose the format csv or json', path=name)
    return chosen

"""The JSON side of the word-list reader: an array of objects read one item at a time
(`json_rows`), and the columns (keys) of the first items (`json_columns`).

Thread safety: pure functions over their arguments; each pass has its own `_JsonText`.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Generator, Iterator

from ._decoding import CHUNK_BYTES, UndecodableText, decoded_chunks, undecodable_error
from ._word_list_types import ITEM_LIMIT, WordListError, WordRow

JSON_COLUMN_ITEMS = 100
"""The JSON columns are the keys of this many items at most (those within the sample)."""
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_SPACE_CHARS = " \t\n\r"
NOT_AN_ARRAY = 'must be a JSON array of objects, like [{"Front": "apple"}]'
_ITEM_TOO_LARGE = "is larger than 1 MiB; a word list holds short texts, so check the file"


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
        except UndecodableText as exc:
            line, character = self.location(len(self.buf))
            raise undecodable_error(
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


def json_rows(chunks: Iterator[str], *, name: str) -> Generator[WordRow, None, None]:
    text = _JsonText(chunks, name=name)
    decoder = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)
    first = text.peek()
    if first != "[":
        raise WordListError(NOT_AN_ARRAY if first else "is empty", path=name)
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
        raise WordListError(f"item {row} is not an object; the file {NOT_AN_ARRAY}", path=name, row=row)
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


def json_columns(sample: bytes, *, encoding: str, whole: bool, name: str) -> list[str]:
    """The keys of the first `JSON_COLUMN_ITEMS` items that lie within the sample, in order of first
    appearance. Stops quietly at a problem: `WordList.rows` reports it, with its place."""
    chunks = decoded_chunks(io.BytesIO(sample), encoding=encoding, name=name, complete=whole)
    rows = json_rows(chunks, name=name)
    keys: dict[str, None] = {}
    try:
        for row in itertools.islice(rows, JSON_COLUMN_ITEMS):
            keys.update(dict.fromkeys(row.values))
    except WordListError:
        pass
    finally:
        rows.close()
    return list(keys)

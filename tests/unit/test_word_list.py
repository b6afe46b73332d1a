"""The word-list reader: real files in tmp_path, written byte by byte in the encodings and shapes
people's files come in (and a few hostile ones), plus a 100 MB CSV and a 100 MB JSON file read
with `tracemalloc` watching that memory stays flat."""

from __future__ import annotations

import codecs
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from addon.core.base.errors import MediaFillError
from addon.core.text.word_list import (
    CHUNK_BYTES,
    ITEM_LIMIT,
    SAMPLE_BYTES,
    WordList,
    WordListError,
    WordRow,
    open_word_list,
)
from devtools.measure import peak_memory

MiB = 1 << 20
_T = TypeVar("_T")


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _rows(word_list: WordList) -> list[tuple[int, dict[str, str]]]:
    """Each row's place in the file (CSV: the line it starts on; JSON: its item number) and values."""
    return [(row.number if row.line is None else row.line, row.values) for row in word_list.rows()]


def _error(call: Callable[[], object]) -> WordListError:
    with pytest.raises(WordListError) as caught:
        call()
    return caught.value


def _read_all(path: Path, **options: str) -> list[tuple[int, dict[str, str]]]:
    return _rows(open_word_list(path, **options))


# --- the error ------------------------------------------------------------------------------------


def test_the_error_says_where_with_the_file_name_only() -> None:
    error = WordListError("has 4 cells; the header has 3", path="/home/me/lists/words.csv", row=12, column="3 (Back)")
    assert isinstance(error, MediaFillError)
    assert (error.message, error.path, error.row, error.column) == (
        "has 4 cells; the header has 3",
        "words.csv",
        12,
        "3 (Back)",
    )
    assert str(error) == "words.csv, row 12, column 3 (Back): has 4 cells; the header has 3"
    assert str(WordListError("is empty", path="words.csv")) == "words.csv: is empty"
    assert str(WordListError("is empty")) == "is empty"
    assert str(WordListError("x", path="a.csv", column="Back")) == "a.csv, column Back: x"
    assert str(WordListError("x", path="a.csv", row=3, column="character 17")) == "a.csv, row 3, character 17: x"
    assert str(WordListError("x", row=2, column="line 5, character 1")) == "row 2, line 5, character 1: x"
    # A CSV row is named by its number in the preview and by the file's line; the header by its line.
    assert str(WordListError("x", path="a.csv", row=3, line=4)) == "a.csv, row 3 (line 4): x"
    assert str(WordListError("x", path="a.csv", line=1)) == "a.csv, line 1: x"


# --- encodings ------------------------------------------------------------------------------------


def test_utf8_without_a_mark(tmp_path: Path) -> None:
    path = _write(tmp_path, "words.csv", "Front,Back\nçà,日本語\n")
    word_list = open_word_list(path)
    assert (word_list.file_format, word_list.encoding, word_list.columns) == ("csv", "utf-8", ["Front", "Back"])
    assert word_list.path == path
    assert _rows(word_list) == [(2, {"Front": "çà", "Back": "日本語"})]


def test_utf8_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = _write(tmp_path, "words.csv", codecs.BOM_UTF8 + "Front,Back\nçà,x\n".encode())
    word_list = open_word_list(path)
    assert word_list.encoding == "utf-8-sig"
    assert word_list.columns == ["Front", "Back"]  # no U+FEFF glued to the first name
    assert _rows(word_list) == [(2, {"Front": "çà", "Back": "x"})]


def test_a_stated_utf8_also_drops_the_mark(tmp_path: Path) -> None:
    path = _write(tmp_path, "words.csv", codecs.BOM_UTF8 + b"Front\nx\n")
    word_list = open_word_list(path, encoding="UTF8")
    assert (word_list.encoding, word_list.columns) == ("utf-8", ["Front"])


@pytest.mark.parametrize(
    ("codec", "expected"),
    [("utf-16-le", "utf-16"), ("utf-16-be", "utf-16"), ("utf-32-le", "utf-32"), ("utf-32-be", "utf-32")],
)
def test_utf16_and_utf32_with_a_byte_order_mark(tmp_path: Path, codec: str, expected: str) -> None:
    text = "Front\tBack\nçé\t日本\n"
    path = _write(tmp_path, "words.txt", "\ufeff".encode(codec) + text.encode(codec))
    word_list = open_word_list(path)
    assert word_list.encoding == expected
    assert word_list.columns == ["Front", "Back"]
    assert _rows(word_list) == [(2, {"Front": "çé", "Back": "日本"})]


def test_a_windows_1252_file_is_detected(tmp_path: Path) -> None:
    path = _write(tmp_path, "words.csv", "Front;Back\ncafé;naïve – “quoted”\n".encode("cp1252"))
    word_list = open_word_list(path)
    assert word_list.encoding == "cp1252"
    assert _rows(word_list) == [(2, {"Front": "café", "Back": "naïve – “quoted”"})]


def test_a_character_cut_at_the_end_of_the_sample_is_still_utf8(tmp_path: Path) -> None:
    # "é" is two bytes; with a 6-byte header the 1 MiB sample ends between the two bytes of an "é".
    data = b"Words\n" + "é\n".encode() * (SAMPLE_BYTES // 3 + 10)
    assert data[SAMPLE_BYTES - 1 : SAMPLE_BYTES + 1] == "é".encode()
    word_list = open_word_list(_write(tmp_path, "words.csv", data))
    assert word_list.encoding == "utf-8"
    assert sum(1 for _ in word_list.rows()) == SAMPLE_BYTES // 3 + 10


def test_text_that_is_neither_utf8_nor_windows_1252(tmp_path: Path) -> None:
    # 0x81 and 0x8D are undefined in Windows-1252 and invalid as UTF-8 here.
    path = _write(tmp_path, "words.csv", b"Front\n\x81\x8d\x90\n")
    error = _error(lambda: open_word_list(path))
    assert error.path == "words.csv"
    assert "save the file as UTF-8 or choose its encoding" in error.message


def test_a_stated_wrong_encoding_names_the_row_and_character(tmp_path: Path) -> None:
    path = _write(tmp_path, "words.csv", "Front,Back\napple,pomme\n\nxx,un café\nlast,row\n".encode("cp1252"))
    word_list = open_word_list(path, encoding="utf-8")  # the header is fine, so opening works
    rows = word_list.rows()
    # rows before the bad one come first
    assert next(rows) == WordRow(1, {"Front": "apple", "Back": "pomme"}, line=2)
    error = _error(lambda: next(rows))
    assert (error.row, error.line, error.column) == (2, 4, "character 10")
    assert error.message == "is not valid UTF-8 text; save the file as UTF-8 or choose its encoding"
    assert str(error).startswith("words.csv, row 2 (line 4), character 10: ")


def test_a_bad_byte_far_into_the_file_is_placed_exactly(tmp_path: Path) -> None:
    # Past several chunks, with CRLF line ends and a multi-line cell before it.
    lines = ["Front,Back\r\n", '"two\r\nlines",x\r\n'] + [f"word{i},ok\r\n" for i in range(20_000)]
    data = "".join(lines).encode() + b"bad,caf\xe9\r\nnext,row\r\n"
    assert len(data) > 4 * CHUNK_BYTES
    path = _write(tmp_path, "words.csv", data)
    rows = open_word_list(path, encoding="utf-8").rows()
    starts: list[int | None] = []
    with pytest.raises(WordListError) as caught:
        starts.extend(row.line for row in rows)
    assert starts[:2] == [2, 4]
    assert starts[-1] == 20_003  # every good row before it was yielded
    assert (caught.value.row, caught.value.line, caught.value.column) == (20_002, 20_004, "character 8")


def test_a_bad_byte_at_a_chunk_boundary(tmp_path: Path) -> None:
    head = b"Word\n" + b"a" * (CHUNK_BYTES - 6) + b"\n"
    path = _write(tmp_path, "words.csv", head + b"\xe9t\xe9\n")  # the bad byte is the first of chunk 2
    error = _error(lambda: _read_all(path, encoding="utf-8"))
    assert (error.row, error.line, error.column) == (2, 3, "character 1")


def test_a_stated_encoding_is_used_and_named_as_python_names_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "words.csv", "Front\ncafé\n".encode("cp1252"))
    word_list = open_word_list(path, encoding="Windows-1252")
    assert word_list.encoding == "cp1252"
    assert _rows(word_list) == [(2, {"Front": "café"})]


@pytest.mark.parametrize("encoding", ["klingon-8", "base64", "zlib"])
def test_an_unknown_or_non_text_encoding(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path, "words.csv", "Front\nx\n")
    error = _error(lambda: open_word_list(path, encoding=encoding))
    assert f'unknown encoding "{encoding}"' in error.message
    assert error.path == "words.csv"


# --- format ---------------------------------------------------------------------------------------


def test_format_by_extension_then_by_first_character(tmp_path: Path) -> None:
    json_text = '  \n [{"Front": "apple"}]'
    assert open_word_list(_write(tmp_path, "a.json", json_text)).file_format == "json"
    assert open_word_list(_write(tmp_path, "a.dat", json_text)).file_format == "json"
    assert open_word_list(_write(tmp_path, "b.dat", "Front\napple\n")).file_format == "csv"
    assert open_word_list(_write(tmp_path, "b.TSV", "Front\tBack\n")).file_format == "csv"
    # The extension wins over the content; a stated format wins over both.
    error = _error(lambda: open_word_list(_write(tmp_path, "c.json", "Front\napple\n")))
    assert "must be a JSON array of objects" in error.message
    word_list = open_word_list(_write(tmp_path, "c.csv", json_text), file_format="JSON")
    assert (word_list.file_format, word_list.columns) == ("json", ["Front"])


def test_an_unknown_stated_format(tmp_path: Path) -> None:
    error = _error(lambda: open_word_list(_write(tmp_path, "a.csv", "Front\n"), file_format="xml"))
    assert error.message == 'cannot be read as "xml"; choose the format csv or json'


# --- CSV ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("Front;Back;Notes", "apple;pomme, la;n"),
        ("Front\tBack\tNotes", "apple\tpomme, la\tn"),
        ("Front|Back|Notes", "apple|pomme, la|n"),
        ('"Front, word";Back;Notes', '"apple";pomme, la;n'),  # commas inside quotes do not count
    ],
)
def test_the_delimiter_comes_from_the_header(tmp_path: Path, header: str, row: str) -> None:
    word_list = open_word_list(_write(tmp_path, "words.csv", f"{header}\n{row}\n"))
    assert len(word_list.columns) == 3
    assert list(_rows(word_list)[0][1].values()) == ["apple", "pomme, la", "n"]


def test_a_single_column_and_a_tie_in_a_tsv(tmp_path: Path) -> None:
    assert open_word_list(_write(tmp_path, "a.csv", "Front\napple\n")).columns == ["Front"]
    # One comma and one tab: a .tsv file prefers the tab.
    assert open_word_list(_write(tmp_path, "b.tsv", "Front, word\tBack\n")).columns == ["Front, word", "Back"]


def test_quoted_cells_with_delimiters_quotes_and_newlines_keep_row_numbers(tmp_path: Path) -> None:
    text = 'Front,Back\napple,"pomme, la"\n"two\nlines","say ""hi""\n\nand more"\npear,poire\n'
    path = _write(tmp_path, "words.csv", text)
    assert _read_all(path) == [
        (2, {"Front": "apple", "Back": "pomme, la"}),
        (3, {"Front": "two\nlines", "Back": 'say "hi"\n\nand more'}),
        (7, {"Front": "pear", "Back": "poire"}),
    ]
    assert [row.number for row in open_word_list(path).rows()] == [1, 2, 3], "numbered as rows, not lines"


def test_crlf_and_old_mac_line_ends(tmp_path: Path) -> None:
    crlf = 'Front,Back\r\napple,pomme\r\n"a\r\nb",c\r\npear,poire'
    assert _read_all(_write(tmp_path, "a.csv", crlf)) == [
        (2, {"Front": "apple", "Back": "pomme"}),
        (3, {"Front": "a\r\nb", "Back": "c"}),
        (5, {"Front": "pear", "Back": "poire"}),
    ]
    assert _read_all(_write(tmp_path, "b.csv", "Front,Back\rapple,pomme\rpear,poire\r")) == [
        (2, {"Front": "apple", "Back": "pomme"}),
        (3, {"Front": "pear", "Back": "poire"}),
    ]


def test_cell_text_is_kept_as_is_but_a_trailing_cr(tmp_path: Path) -> None:
    text = 'Front,Back\n  two  spaces ,"tab\there\r"\n'
    assert _read_all(_write(tmp_path, "words.csv", text)) == [(2, {"Front": "  two  spaces ", "Back": "tab\there"})]


def test_blank_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    text = "\n  \nFront,Back\n\napple,pomme\n,\n   \npear,poire\n\n"
    word_list = open_word_list(_write(tmp_path, "words.csv", text))
    assert _rows(word_list) == [(5, {"Front": "apple", "Back": "pomme"}), (8, {"Front": "pear", "Back": "poire"})]
    assert [row.number for row in word_list.rows()] == [1, 2], "blank lines are not rows"


def test_a_header_and_no_rows_is_not_an_error(tmp_path: Path) -> None:
    word_list = open_word_list(_write(tmp_path, "words.csv", "Front,Back\n"))
    assert word_list.columns == ["Front", "Back"]
    assert _rows(word_list) == []
    assert word_list.preview() == []


TOO_MANY = 'has 4 cells; the header has 3: remove the extra cells, or quote a cell that holds the delimiter ("a, b")'


def test_too_many_cells(tmp_path: Path) -> None:
    path = _write(tmp_path, "words.csv", "Front,Back,Notes\na,b,c\n\na,b,c,d\n")
    rows = open_word_list(path).rows()
    assert next(rows).line == 2
    error = _error(lambda: next(rows))
    assert (error.row, error.line, error.column, error.message) == (2, 4, None, TOO_MANY)
    assert str(error) == f"words.csv, row 2 (line 4): {TOO_MANY}"


def test_a_short_row_gets_empty_cells_and_is_marked(tmp_path: Path) -> None:
    # Spreadsheets leave a row's trailing empty cells out.
    text = "Front,Back,Notes\na,b\nc,d,e\nonly\n"
    rows = list(open_word_list(_write(tmp_path, "words.csv", text)).rows())
    assert rows == [
        WordRow(1, {"Front": "a", "Back": "b", "Notes": ""}, line=2, short=True),
        WordRow(2, {"Front": "c", "Back": "d", "Notes": "e"}, line=3),
        WordRow(3, {"Front": "only", "Back": "", "Notes": ""}, line=4, short=True),
    ]


def test_empty_cells_beyond_the_header_are_ignored(tmp_path: Path) -> None:
    text = "Front,Back\napple,pomme,\npear,poire,,  ,\nplum,prune,,x\n"
    rows = open_word_list(_write(tmp_path, "words.csv", text)).rows()
    assert [next(rows).values, next(rows).values] == [
        {"Front": "apple", "Back": "pomme"},
        {"Front": "pear", "Back": "poire"},
    ]
    error = _error(lambda: next(rows))
    assert (error.row, error.line) == (3, 4)
    assert error.message.startswith("has 4 cells; the header has 2: ")


def test_header_names_are_trimmed_and_a_trailing_empty_one_dropped(tmp_path: Path) -> None:
    word_list = open_word_list(_write(tmp_path, "words.csv", " Front , Back,\napple,pomme,\n"))
    assert word_list.columns == ["Front", "Back"]
    assert _rows(word_list) == [(2, {"Front": "apple", "Back": "pomme"})]


def test_an_empty_column_name(tmp_path: Path) -> None:
    error = _error(lambda: open_word_list(_write(tmp_path, "words.csv", "\nFront,,Notes\na,b,c\n")))
    assert (error.row, error.line) == (None, 2)
    assert error.message.startswith("column 2 has no name")


def test_a_duplicate_column_name(tmp_path: Path) -> None:
    error = _error(lambda: open_word_list(_write(tmp_path, "words.csv", "Front,Back,Front\na,b,c\n")))
    assert (error.row, error.line) == (None, 1)
    assert 'two columns named "Front" (columns 1 and 3)' in error.message


def test_a_huge_cell_names_its_row_and_memory_stays_bounded(tmp_path: Path) -> None:
    fits = "x" * ITEM_LIMIT
    assert _read_all(_write(tmp_path, "fits.csv", f"Front,Back\na,{fits}\n"))[0][1]["Back"] == fits
    path = _write(tmp_path, "huge.csv", f"Front,Back\na,b\nc,{fits}y\n")
    error = _error(lambda: _read_all(path))
    assert (error.row, error.line) == (2, 3)
    assert "larger than 1 MiB" in error.message


def test_a_quote_never_closed_stops_at_the_limit(tmp_path: Path) -> None:
    # 20 MB of lines inside one open quote: the error comes long before the end of the file.
    path = _write(tmp_path, "words.csv", b'Front,Back\na,b\nc,"open\n' + b"more text, more text\n" * 1_000_000)
    tracemalloc.start()
    try:
        error = _error(lambda: _read_all(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (error.row, error.line) == (2, 3)
    assert "quote" in error.message
    assert peak < 16 * MiB


def test_a_row_of_endless_cells_stops_at_the_limit(tmp_path: Path) -> None:
    path = _write(tmp_path, "words.csv", b"Front,Back\n" + b"a," * (4 * MiB))
    error = _error(lambda: _read_all(path))
    assert (error.row, error.line) == (1, 2)
    assert "too long" in error.message


def test_rows_are_a_fresh_pass_each_time_and_preview_stops_early(tmp_path: Path) -> None:
    text = "Front\n" + "".join(f"w{i}\n" for i in range(50)) + "bad,row\n"
    word_list = open_word_list(_write(tmp_path, "words.csv", text))
    first = word_list.rows()
    assert next(first).values == {"Front": "w0"}
    assert next(word_list.rows()).values == {"Front": "w0"}  # a second pass starts over
    assert next(first).values == {"Front": "w1"}  # and does not disturb the first
    assert [row.values["Front"] for row in word_list.preview(3)] == ["w0", "w1", "w2"]
    assert len(word_list.preview()) == 10
    assert word_list.preview(0) == []


def test_a_file_changed_after_opening(tmp_path: Path) -> None:
    path = _write(tmp_path, "words.csv", "Front,Back\na,b\n")
    word_list = open_word_list(path)
    path.write_text("Word,Meaning\na,b\n")
    assert "changed since it was opened" in _error(word_list.preview).message


# --- JSON -----------------------------------------------------------------------------------------


def test_json_values_become_text(tmp_path: Path) -> None:
    items = '[{"Front": "apple", "Count": 3, "Price": 2.50, "Big": 12345678901234567890123,\n'
    items += ' "Known": true, "New": false, "Note": null, "Exp": -1e5}, {"Back": "poire"}, {}]'
    word_list = open_word_list(_write(tmp_path, "words.json", items))
    assert word_list.columns == ["Front", "Count", "Price", "Big", "Known", "New", "Note", "Exp", "Back"]
    assert _rows(word_list) == [
        (
            1,
            {
                "Front": "apple",
                "Count": "3",
                "Price": "2.50",
                "Big": "12345678901234567890123",
                "Known": "true",
                "New": "false",
                "Note": "",
                "Exp": "-1e5",
            },
        ),
        (2, {"Back": "poire"}),
        (3, {}),
    ]


def test_json_columns_are_the_keys_of_the_first_100_items(tmp_path: Path) -> None:
    items = [{"Front": f"w{i}"} for i in range(150)]
    items[40]["Audio"] = "x"
    items[0]["Back"] = "y"
    items[120]["Late"] = "z"
    word_list = open_word_list(_write(tmp_path, "words.json", json.dumps(items, indent=2)))
    assert word_list.columns == ["Front", "Back", "Audio"]
    assert len(_rows(word_list)) == 150


def test_an_empty_json_array_is_not_an_error(tmp_path: Path) -> None:
    word_list = open_word_list(_write(tmp_path, "words.json", " [ \n ] \n"))
    assert (word_list.columns, _rows(word_list)) == ([], [])


@pytest.mark.parametrize("text", ['{"Front": "apple"}', '"apple"', "Front,Back\n"])
def test_json_that_is_not_an_array(tmp_path: Path, text: str) -> None:
    error = _error(lambda: open_word_list(_write(tmp_path, "words.json", text)))
    assert error.message == 'must be a JSON array of objects, like [{"Front": "apple"}]'
    assert error.row is None


def test_a_json_item_that_is_not_an_object(tmp_path: Path) -> None:
    rows = open_word_list(_write(tmp_path, "words.json", '[{"Front": "a"}, ["b"], {"Front": "c"}]')).rows()
    assert next(rows).values == {"Front": "a"}
    error = _error(lambda: next(rows))
    assert error.row == 2
    assert error.message.startswith("item 2 is not an object")


@pytest.mark.parametrize(("value", "held"), [('["a", "b"]', "a list"), ('{"x": 1}', "an object")])
def test_a_nested_json_value(tmp_path: Path, value: str, held: str) -> None:
    path = _write(tmp_path, "words.json", f'[{{"Front": "a"}},\n {{"Front": "b", "Back": {value}}}]')
    error = _error(lambda: _read_all(path))
    assert (error.row, error.column) == (2, "Back")
    assert error.message.startswith(f"holds {held}")
    assert str(error).startswith("words.json, row 2, column Back: ")


def test_invalid_json_gives_the_item_line_and_column(tmp_path: Path) -> None:
    text = '[\n  {"Front": "a"},\n  {"Front": "b"},\n  {"Front": "c",\n   "Back": "d" "Notes": "e"}\n]'
    error = _error(lambda: _read_all(_write(tmp_path, "words.json", text)))
    assert error.row == 3
    assert error.message == "invalid JSON at line 5, column 16: Expecting ',' delimiter"


def test_invalid_json_between_items_and_at_the_end(tmp_path: Path) -> None:
    missing_comma = _error(lambda: _read_all(_write(tmp_path, "a.json", '[{"a": "1"}\n {"a": "2"}]')))
    assert (missing_comma.row, missing_comma.message) == (
        2,
        "invalid JSON at line 2, column 2: Expecting ',' delimiter",
    )
    trailing_comma = _error(lambda: _read_all(_write(tmp_path, "b.json", '[{"a": "1"},]')))
    assert (trailing_comma.row, trailing_comma.message) == (2, "invalid JSON at line 1, column 13: Expecting value")
    cut = _error(lambda: _read_all(_write(tmp_path, "c.json", '[{"a": "1"}, {"a": "2')))
    assert cut.row == 2
    assert cut.message.startswith("invalid JSON at line 1, column 20: Unterminated string")


def test_invalid_json_far_into_the_file_is_placed_exactly(tmp_path: Path) -> None:
    good = ",\n".join(json.dumps({"Front": f"word {i}", "Back": "x" * 40}) for i in range(5_000))
    text = "[\n" + good + ',\n{"Front": "bad" "Back": "x"}\n]'
    assert len(text) > 4 * CHUNK_BYTES
    rows = open_word_list(_write(tmp_path, "words.json", text)).rows()
    seen: list[int] = []
    with pytest.raises(WordListError) as caught:
        seen.extend(row.number for row in rows)
    assert seen == list(range(1, 5_001))
    assert caught.value.row == 5_001
    with pytest.raises(json.JSONDecodeError) as python_says:
        json.loads(text)
    line, column = python_says.value.lineno, python_says.value.colno
    assert (line, column) == (5002, 17)
    assert caught.value.message == f"invalid JSON at line {line}, column {column}: Expecting ',' delimiter"


def test_invalid_json_on_one_long_line_is_placed_exactly(tmp_path: Path) -> None:
    # Minified JSON: the column counts every chunk read before the error.
    good = ",".join(json.dumps({"Front": f"word {i}", "Back": "x" * 40}) for i in range(5_000))
    text = "[" + good + ',{"Front": "bad",, "Back": "x"}]'
    assert len(text) > 4 * CHUNK_BYTES
    error = _error(lambda: _read_all(_write(tmp_path, "words.json", text)))
    with pytest.raises(json.JSONDecodeError) as python_says:
        json.loads(text)
    assert python_says.value.lineno == 1
    assert error.row == 5_001
    assert error.message == f"invalid JSON at line 1, column {python_says.value.colno}: {python_says.value.msg}"


def test_text_after_the_closing_bracket(tmp_path: Path) -> None:
    rows = open_word_list(_write(tmp_path, "words.json", '[{"Front": "a"}]\n\n  ]x')).rows()
    assert next(rows).values == {"Front": "a"}
    error = _error(lambda: next(rows))
    assert error.message.startswith("has more text after the closing ] (line 3, column 3)")
    assert _read_all(_write(tmp_path, "ok.json", '[{"Front": "a"}]\n \t\r\n')) == [(1, {"Front": "a"})]


def test_json_in_a_stated_wrong_encoding_names_the_item_line_and_character(tmp_path: Path) -> None:
    text = '[{"Front": "a"},\n {"Front": "café"}]'.encode("cp1252")
    rows = open_word_list(_write(tmp_path, "words.json", text), encoding="utf-8").rows()
    assert next(rows).number == 1
    error = _error(lambda: next(rows))
    assert (error.row, error.column) == (2, "line 2, character 16")
    assert "is not valid UTF-8 text" in error.message


def test_a_huge_json_item(tmp_path: Path) -> None:
    fits = "x" * (ITEM_LIMIT - 20)
    assert _read_all(_write(tmp_path, "fits.json", json.dumps([{"Front": fits}])))[0][1]["Front"] == fits
    for name, data in [
        ("string.json", '[{"Front": "a"}, {"Front": "' + "y" * ITEM_LIMIT + '"}]'),
        ("open.json", '[{"Front": "a"}, {"Front": "' + "y" * (3 * ITEM_LIMIT)),
        ("keys.json", '[{"Front": "a"}, {' + '"k": 1, ' * ITEM_LIMIT + "}]"),
    ]:
        error = _error(lambda data=data, name=name: _read_all(_write(tmp_path, name, data)))  # type: ignore[misc]
        assert (error.row, error.path) == (2, name)
        assert "larger than 1 MiB" in error.message


# --- empty and unreadable files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.csv", b""),
        ("b.csv", codecs.BOM_UTF8),
        ("c.csv", codecs.BOM_UTF16_LE),
        ("d.csv", b" \n\r\n\t \n"),
        ("e.json", b""),
        ("f.json", b"\n   \n"),
    ],
)
def test_an_empty_file(tmp_path: Path, name: str, data: bytes) -> None:
    error = _error(lambda: open_word_list(_write(tmp_path, name, data)))
    assert (error.message, error.path) == ("is empty", name)


def test_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    missing = _error(lambda: open_word_list(tmp_path / "nowhere" / "words.csv"))
    assert missing.path == "words.csv"
    assert "was not found" in missing.message
    folder = tmp_path / "lists.csv"
    folder.mkdir()
    error = _error(lambda: open_word_list(folder))
    assert (error.path, error.message) == ("lists.csv", "is a folder, not a file; choose a .csv or .json file")


def test_a_file_without_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root here, where chmod 000 does not stop reading: the OS refusal is simulated.
    path = _write(tmp_path, "words.csv", "Front\n")
    real_open = Path.open

    def refusing_open(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refusing_open)
    error = _error(lambda: open_word_list(path))
    assert error.path == "words.csv"
    assert "permission denied" in error.message
    assert str(tmp_path) not in str(error)


# --- streaming ------------------------------------------------------------------------------------

FILE_BYTES = 100_000_000
PEAK_LIMIT = 32 * MiB


def _write_repeated(path: Path, *, head: str, block: str, separator: str = "", tail: str = "") -> int:
    """Writes ``head``, then ``block`` (joined by ``separator``) until the file is ~100 MB; returns
    how many blocks were written."""
    blocks = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(head)
        while file.tell() < FILE_BYTES:
            if blocks:
                file.write(separator)
            file.write(block)
            blocks += 1
        file.write(tail)
    return blocks


def _open_and_preview(path: Path) -> tuple[WordList, list[WordRow]]:
    word_list = open_word_list(path)
    return word_list, word_list.preview(3)


def _check_streaming(path: Path, *, expected_rows: int, first: dict[str, str], columns: list[str]) -> None:
    try:
        (word_list, preview), peak = peak_memory(lambda: _open_and_preview(path))
        assert word_list.columns == columns
        assert preview[0].values == first
        assert peak < 8 * MiB  # a sample and a chunk, not the file
        count, peak = peak_memory(lambda: sum(1 for _ in word_list.rows()))
        assert count == expected_rows
        size = path.stat().st_size / MiB
        assert peak < PEAK_LIMIT, f"{peak / MiB:.1f} MiB traced while streaming a {size:.0f} MiB file"
    finally:
        path.unlink()


def test_a_100_mb_csv_streams_in_flat_memory(tmp_path: Path) -> None:
    rows_per_block = 500
    block = "".join(
        f'word {i},"translation, {i}",An example sentence that shows how word {i} is used in a longer text.\r\n'
        for i in range(rows_per_block)
    )
    path = tmp_path / "big.csv"
    blocks = _write_repeated(path, head="Front,Back,Example\r\n", block=block)
    assert path.stat().st_size >= FILE_BYTES
    _check_streaming(
        path,
        expected_rows=blocks * rows_per_block,
        first={
            "Front": "word 0",
            "Back": "translation, 0",
            "Example": "An example sentence that shows how word 0 is used in a longer text.",
        },
        columns=["Front", "Back", "Example"],
    )


def test_a_100_mb_json_streams_in_flat_memory(tmp_path: Path) -> None:
    items_per_block = 500
    block = ",\n".join(
        json.dumps(
            {
                "Front": f"word {i}",
                "Back": f"translation {i}",
                "Example": f"An example sentence that shows how word {i} is used in a longer text.",
                "Level": i % 7,
            }
        )
        for i in range(items_per_block)
    )
    path = tmp_path / "big.json"
    blocks = _write_repeated(path, head="[\n", block=block, separator=",\n", tail="\n]\n")
    assert path.stat().st_size >= FILE_BYTES
    _check_streaming(
        path,
        expected_rows=blocks * items_per_block,
        first={
            "Front": "word 0",
            "Back": "translation 0",
            "Example": "An example sentence that shows how word 0 is used in a longer text.",
            "Level": "0",
        },
        columns=["Front", "Back", "Example", "Level"],
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_detected(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "words.csv"
    path.write_bytes("Front,Back\ncafé,coffee\nжук,beetle\n".encode(codec))
    word_list = open_word_list(path)
    assert word_list.encoding == codec
    assert [row.values for row in word_list.rows()] == [
        {"Front": "café", "Back": "coffee"},
        {"Front": "жук", "Back": "beetle"},
    ]

"""What every part of the word-list reader shares: a row (`WordRow`), the error (`WordListError`)
and the size limit of one item (`ITEM_LIMIT`). Import them from `word_list`.

Thread safety: immutable values; safe anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from ..base.errors import MediaFillError

ITEM_LIMIT = 1 << 20
"""The most characters one CSV cell or one JSON item may have."""

_POSITION = re.compile(r"(?:line \d+, )?character \d+")


class WordListError(MediaFillError):
    """A word list that cannot be read as it is; says where: ``row`` and ``column`` (both optional).

    ``path`` is the file's name only. ``row`` is the row's number as the import preview shows it
    (`WordRow.number`: the first row after a CSV header is row 1; a JSON item's number); ``line``
    is the CSV file's line (where the row starts, or where a character could not be read), so a
    CSV problem is shown as "row 3 (line 4)", one in the header as "line 1". ``column`` is a column
    (``"3 (Back)"``, a JSON key) or a character position (``"character 17"``, ``"line 5, character
    17"``); ``str()`` shows the latter without the word "column".
    """

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        row: int | None = None,
        column: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = PurePath(path).name if path else ""
        self.row = row
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where: list[str] = []
        if self.path:
            where.append(self.path)
        if self.row is not None:
            where.append(f"row {self.row}" + (f" (line {self.line})" if self.line is not None else ""))
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(self.column if _POSITION.fullmatch(self.column) else f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class WordRow:
    """One row of a word list.

    ``number``: the row's 1-based number among the rows (CSV: the header and blank lines are not
    counted; JSON: the item's index) — the number the import preview shows and messages use.
    ``values``: column → text. A CSV row has every column; a JSON row has the keys its item has,
    numbers and booleans as their JSON text ("3", "2.50", "true") and null as "". ``line``: CSV:
    the file's line where the row starts (None for JSON). ``short``: a CSV row with fewer cells
    than the header (spreadsheets leave trailing empty cells out): its missing cells are "".
    """

    number: int
    values: dict[str, str]
    line: int | None = None
    short: bool = False

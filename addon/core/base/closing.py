"""`Closeable`: a thing with a ``close`` method is also a context manager that closes it on exit.

Thread safety: adds no state; ``close`` itself says what it allows.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import TypeVar

_Self = TypeVar("_Self", bound="Closeable")


class Closeable(abc.ABC):
    """``with thing:`` (or ``with make() as thing:``) calls ``thing.close()`` on leaving the block,
    whether it ends normally or with an exception (which is not swallowed)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release what the object holds. Should be safe to call twice."""

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

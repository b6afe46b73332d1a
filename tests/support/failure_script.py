"""Scripted failures for the fake servers under ``tests/fakes``: one implementation, shared.

Every fake keeps a `FailureScript` and answers its tests' ``fail`` / ``fail_always`` / ``hang`` /
``stop_failing`` through it (the same four words on every fake, each taking a `Failure`); while serving it asks `FailureScript.next_failure` whether a request
should fail, and `FailureScript.answer` turns that failure into a reply (or, for a hang, waits
first). `Failure` is the usual failure: a status, body and headers, or no answer at all.

Scripted failures are kept in the order they were queued. Each is for one endpoint name (the fake
chooses the names, e.g. ``"speech"`` or ``"models"``) or for `ANY`; a request takes the first one for
its endpoint (or for `ANY`), which is used up after ``times`` requests or never (``fail_always``).

Thread safety: the queue is guarded by a lock, so tests may script failures while the server
answers on its own threads. A hanging request waits until `release` (the fake stops) or `reset`
(a shared fake is made fresh) or its own time runs out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Generic, Protocol, TypeVar

from tests.support.fake_http import Recorded, Reply

ANY = "any"
"""The endpoint name a scripted failure is given to answer every endpoint."""


class ScriptedFailure(Protocol):
    """What a `FailureScript` needs of a fake's failure type."""

    @property
    def hang(self) -> bool:
        """True for no answer at all (until released or timed out)."""
        ...

    def reply(self) -> Reply:
        """The answer to send."""
        ...


@dataclass(frozen=True)
class Failure:
    """One scripted answer that is not a success (or no answer at all: ``hang``)."""

    status: int = 500
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    hang: bool = False

    @classmethod
    def of_reply(cls, reply: Reply) -> Failure:
        """The failure that answers ``reply`` (its status, body and headers)."""
        return cls(reply.status, reply.body, dict(reply.headers))

    def reply(self) -> Reply:
        """The answer: ``status``, ``body`` and ``headers`` as given."""
        return Reply(self.status, self.body, dict(self.headers))


class FailingFake(Protocol):
    """What every fake under ``tests/fakes`` offers its tests: the four words of a failure script,
    and the requests it received.

    ``on`` names the fake's endpoint (its own names; `ANY` for every one; each fake has its default).
    """

    def fail(self, failure: Failure, *, times: int = ..., on: str = ...) -> None: ...

    def fail_always(self, failure: Failure, *, on: str = ...) -> None: ...

    def hang(self, *, times: int | None = ..., on: str = ...) -> None: ...

    def stop_failing(self) -> None: ...

    @property
    def requests(self) -> list[Recorded]:
        """Every request it received, in order."""
        ...


F = TypeVar("F", bound=ScriptedFailure)


@dataclass
class _Scripted(Generic[F]):
    failure: F
    remaining: int | None  # None: always
    on: str


class FailureScript(Generic[F]):
    """The failures scripted for one fake, and the release of its hanging requests.

    ``hang_failure`` is the fake's own failure that means "no answer" (its ``HANG``);
    ``after_hang`` makes the reply sent when a hang's time runs out or it is released.
    """

    def __init__(self, hang_failure: F, *, after_hang: Callable[[], Reply]) -> None:
        self._hang_failure = hang_failure
        self._after_hang = after_hang
        self._lock = threading.Lock()
        self._scripted: list[_Scripted[F]] = []
        self._released = threading.Event()

    # --- scripting (the test thread) ---

    def fail(self, failure: F, *, times: int = 1, on: str = ANY) -> None:
        """Answer the next ``times`` requests of ``on`` with ``failure``, after any queued before."""
        with self._lock:
            self._scripted.append(_Scripted(failure, times, on))

    def fail_always(self, failure: F, *, on: str = ANY) -> None:
        """Answer every request of ``on`` with ``failure`` (until `stop_failing` or `reset`)."""
        with self._lock:
            self._scripted.append(_Scripted(failure, None, on))

    def hang(self, *, times: int | None = None, on: str = ANY) -> None:
        """Give no answer to the next ``times`` requests of ``on`` (every request when None)."""
        if times is None:
            self.fail_always(self._hang_failure, on=on)
        else:
            self.fail(self._hang_failure, times=times, on=on)

    def stop_failing(self) -> None:
        """Forget every scripted failure."""
        with self._lock:
            self._scripted.clear()

    # --- serving (the server's threads) ---

    def next_failure(self, endpoint: str = ANY) -> F | None:
        """The failure a request of ``endpoint`` is to get (using one of its ``times``), or None."""
        with self._lock:
            for scripted in self._scripted:
                if scripted.on not in (endpoint, ANY):
                    continue
                if scripted.remaining is not None:
                    scripted.remaining -= 1
                    if scripted.remaining <= 0:
                        self._scripted.remove(scripted)
                return scripted.failure
        return None

    def answer(self, failure: F, *, hang_s: float) -> Reply:
        """The reply for ``failure``; a hang first waits (at most ``hang_s``) to be released."""
        if failure.hang:
            self.wait_released(hang_s)
            return self._after_hang()
        return failure.reply()

    def wait_released(self, timeout: float) -> None:
        """Block until hanging requests are released, or ``timeout`` seconds pass."""
        self._released.wait(timeout)

    # --- ending ---

    def release(self) -> None:
        """Let every hanging request go, now and from now on (the fake is stopping)."""
        self._released.set()

    def reset(self) -> None:
        """Forget the scripted failures and release hanging requests; later hangs wait again."""
        self.stop_failing()
        self._released.set()
        self._released = threading.Event()


class ScriptedFailures:
    """The four words of `FailingFake` for a fake that keeps its `FailureScript` in ``_failures``
    (a base class). ``failing_endpoint`` is the endpoint ``on`` means when a test names none; each
    fake's docstring lists its endpoints."""

    failing_endpoint: ClassVar[str] = ANY
    _failures: FailureScript[Failure]

    def fail(self, failure: Failure, *, times: int = 1, on: str = "") -> None:
        """Answer the next ``times`` requests of ``on`` with ``failure``, after any queued before."""
        self._failures.fail(failure, times=times, on=on or self.failing_endpoint)

    def fail_always(self, failure: Failure, *, on: str = "") -> None:
        """Answer every request of ``on`` with ``failure`` (until `stop_failing`)."""
        self._failures.fail_always(failure, on=on or self.failing_endpoint)

    def hang(self, *, times: int | None = None, on: str = "") -> None:
        """Give no answer (until the fake's ``hang_s`` passes, or it is reset or stops) to the next
        ``times`` requests of ``on`` (every one when None)."""
        self._failures.hang(times=times, on=on or self.failing_endpoint)

    def stop_failing(self) -> None:
        """Forget every scripted failure (a request already hanging still hangs)."""
        self._failures.stop_failing()

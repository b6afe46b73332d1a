"""The media provider interface (`ImageProvider`, `AudioProvider`), with its capabilities and the
report of one connection test. The other two provider interfaces are `data_provider.DataProvider`
(supplies the work) and `sync_provider.SyncProvider` (stores the results).

A media provider is built from its own config slice, connects lazily (nothing happens in
``__init__`` beyond reading settings), and is closed with the registry. Its class states what it is
(``name``, ``kind``, ``title``, ``description``, `Capabilities`, ``settings_schema`` for its own
keys); the keys every provider shares (``enabled``, ``timeout_s``, ``api_key``…) are added by
`info.slice_schema`.

A provider that runs programs on this computer (espeak-ng, piper) names them in `programs`; a
missing one is a setup problem (`setup_problem`), found when the plan is made like a missing key,
so the rule's next provider is used, or the job is refused before anything is written. Looking a
program up only searches PATH (no program is run); the answer is kept for `PROGRAM_RECHECK_S`, per
provider instance (the registry builds a new one when the provider's settings change) and per PATH.

A sound provider may list its voices (`list_voices`, by overriding `fetch_voices`): the list is
fetched once per provider instance and kept (the registry builds a new instance when the
provider's settings change); ``refresh=True`` fetches it again.

Thread safety: the job runner calls ``generate`` from worker threads, at most ``max_concurrency``
at a time per provider; implementations must be safe for that. ``close`` is called once, after
every ``generate`` has returned. `which` and `list_voices` may be called from any thread (their
caches have locks; a second caller waits while the voice list is fetched).
"""

from __future__ import annotations

import abc
import enum
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar, overload

from ..base.errors import ConfigError, ProviderError
from ..media.audio_convert import AudioOutput, conversion_problem
from ..media.checks import DEFAULT_MAX_MEDIA_BYTES, mime_type
from ..media.types import Attribution, MediaKind, MediaRequest, MediaResult
from ..media.voice_list import Voice, filter_voices


class KeyUse(str, enum.Enum):
    """Whether a provider takes an API key: never, optionally (higher limits), or always."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Capabilities:
    """What a provider can do, for the registry, the settings page and the planner.

    ``languages`` empty means any language the provider's voices or models cover. ``http`` means the
    provider talks to a ``base_url`` (users may point it at a proxy or a compatible server).
    """

    batch: bool = False
    languages: tuple[str, ...] = ()
    key: KeyUse = KeyUse.NONE
    offline: bool = False
    http: bool = False

    @property
    def needs_key(self) -> bool:
        return self.key is KeyUse.REQUIRED

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "languages": list(self.languages),
            "needs_key": self.needs_key,
            "key": self.key.value,
            "offline": self.offline,
            "http": self.http,
        }


# The shared settings every provider understands, with the values used when neither config.json
# nor the provider class gives one.
GENERIC_DEFAULTS: Mapping[str, Any] = {
    "enabled": True,
    "timeout_s": 30,
    "retry_attempts": 2,
    "requests_per_minute": 60,
    "max_concurrency": 1,
    "price_per_request": 0.0,
}


_T = TypeVar("_T")


class Setting(Generic[_T]):
    """A provider's setting as a read-only attribute of the provider:
    ``convert(provider.settings.get(key, default))``, read each time (``page_size =
    Setting("page_size", int, 5)`` reads the ``page_size`` setting as an int, 5 when unset)."""

    def __init__(self, key: str, convert: Callable[[Any], _T], default: Any) -> None:
        self.key = key
        self.convert = convert
        self.default = default

    @overload
    def __get__(self, provider: None, owner: type[Any]) -> Setting[_T]: ...

    @overload
    def __get__(self, provider: MediaProvider, owner: type[Any]) -> _T: ...

    def __get__(self, provider: MediaProvider | None, owner: type[Any]) -> _T | Setting[_T]:
        if provider is None:
            return self
        return self.convert(provider.settings.get(self.key, self.default))

    def __set__(self, provider: MediaProvider, value: object) -> None:
        raise AttributeError(f"{self.key} is a setting: change the provider's settings instead")


def _generic(key: str, convert: Callable[[Any], _T]) -> Setting[_T]:
    """One of the settings every provider shares, with its `GENERIC_DEFAULTS` value."""
    return Setting(key, convert, GENERIC_DEFAULTS[key])


def resolve_api_key(settings: Mapping[str, Any], *, environ: Mapping[str, str] | None = None) -> str:
    """The key to use: the environment variable named by ``api_key_env`` when it is set and not
    empty, else ``api_key``; "" when neither gives one."""
    env_name = str(settings.get("api_key_env") or "")
    if env_name:
        value = (os.environ if environ is None else environ).get(env_name, "").strip()
        if value:
            return value
    return str(settings.get("api_key") or "").strip()


# How long a program's lookup (found, or not) is trusted before PATH is searched again.
PROGRAM_RECHECK_S = 30.0


@dataclass(frozen=True)
class Program:
    """A program a provider runs: the setting that names it (a name looked up on PATH, or a full
    path), the name used when that setting is empty, and how to install it (a clause naming the
    fix, e.g. "install espeak-ng (…) or set providers.audio.espeak.binary to its full path")."""

    setting: str
    default: str
    label: str
    install_hint: str


@dataclass(frozen=True)
class HealthReport:
    """Outcome of a provider's cheapest real call."""

    provider: str
    ok: bool
    latency_s: float
    message: str = ""


class MediaProvider(abc.ABC):
    """Makes media from requests.

    Subclasses set ``name``, ``kind``, ``description``, ``capabilities`` and ``settings_schema``
    (JSON Schema properties of the provider's own keys) and implement `generate` and
    `test_connection`. ``title`` is the name users know the service by ("Wikimedia Commons"), shown
    in the GUI; ``name`` stays the registry's and the config's key (empty ``title``: the name is shown). Built-in providers keep their defaults in ``config.json``; a third-party
    provider may put its defaults in ``default_settings``.
    """

    name: ClassVar[str]
    kind: ClassVar[MediaKind]
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    capabilities: ClassVar[Capabilities] = Capabilities()
    settings_schema: ClassVar[Mapping[str, Any]] = {}
    default_settings: ClassVar[Mapping[str, Any]] = {}
    default_batch_size: ClassVar[int] = 1
    # The service's address when the settings name none (HTTP providers).
    default_base_url: ClassVar[str] = ""
    # Own settings that never change what the provider makes: media made before a change of one of
    # these is still reused (limits, keys and URLs are never counted either; ``variations`` is how
    # many pictures Choose… asks an AI provider for).
    settings_not_changing_output: ClassVar[frozenset[str]] = frozenset({"batch_size", "user_agent", "variations"})
    default_max_concurrency: ClassVar[int] = 1
    priority: ClassVar[int] = 100  # default order among providers of a kind: lower first
    # The largest media file a job takes (the config's ``max_media_mb``), set by the registry when
    # it builds the provider: downloads and answers are read no further than this allows.
    max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES
    # The folder a provider may keep state in across jobs and processes (the add-on's user_files/),
    # set by the registry when it builds the provider; None outside a registry.
    state_dir: Path | None = None
    # How the job stores audio (the config's ``audio_format`` and ``keep_unconverted_audio``), set
    # by the registry; None outside a registry (then no conversion is checked).
    audio_output: AudioOutput | None = None

    def __init__(self, settings: Mapping[str, Any], *, environ: Mapping[str, str] | None = None) -> None:
        self.settings = dict(settings)
        self.api_key = resolve_api_key(self.settings, environ=environ)
        self._found: dict[tuple[str, str], tuple[float, str | None]] = {}
        self._found_lock = threading.Lock()
        self._voices: tuple[Voice, ...] | None = None
        self._voices_lock = threading.Lock()

    enabled = _generic("enabled", bool)
    timeout_s = _generic("timeout_s", float)
    retry_attempts = _generic("retry_attempts", int)
    requests_per_minute = _generic("requests_per_minute", float)
    price_per_request = _generic("price_per_request", float)

    @property
    def max_concurrency(self) -> int:
        return int(self.settings.get("max_concurrency", self.default_max_concurrency))

    @property
    def batch_size(self) -> int:
        """How many requests go out in one native batch call (1 without a batch API). A batch
        provider reads it from its own ``batch_size`` setting, else ``default_batch_size``."""
        if not self.capabilities.batch:
            return 1
        return max(1, int(self.settings.get("batch_size", self.default_batch_size)))

    @property
    def base_url(self) -> str:
        """The ``base_url`` setting (`default_base_url` when the slice has none), without a final "/"."""
        return str(self.settings.get("base_url", self.default_base_url) or "").rstrip("/")

    def setting_path(self, key: str = "") -> str:
        """Where a setting of this provider lives in the config, for messages that name the fix:
        ``providers.audio.forvo.daily_limit`` (or the slice itself without ``key``)."""
        path = f"providers.{self.kind.value}.{self.name}"
        return f"{path}.{key}" if key else path

    def setup_problem(self) -> str | None:
        """Why this provider cannot run with its settings (checked when the plan is made and when a
        job starts, before any request), naming the setting to fix; None when it can. Covers a
        missing key or server address, a missing program (`programs`), and audio the job must
        convert with no program to do it (`output_audio_format`). Never contains a key; runs nothing."""
        problem = self.access_problem()
        if problem is not None:
            return problem
        made_as = self.output_audio_format()
        if made_as is not None and self.audio_output is not None:
            return conversion_problem(made_as, self.audio_output, which=self.which)
        return None

    def access_problem(self) -> str | None:
        """The part of `setup_problem` that keeps the provider from being asked anything at all (a
        voice list too): a missing key or server address, or a missing program; None when it can be
        asked. Never contains a key; runs nothing."""
        if self.capabilities.needs_key and not self.api_key:
            env = self.settings.get("api_key_env")
            where = f"api_key, or the environment variable {env}" if env else "api_key (or name an api_key_env)"
            return f"needs an API key: set {self.setting_path(where)}"
        if self.capabilities.http and not self.base_url:
            return f"has no server address: set {self.setting_path('base_url')}"
        for program in self.programs():
            if self.find_program(program) is None:
                return self.missing_program_problem(program)
        return None

    def require_access(self) -> None:
        """Raise `ConfigError` with `access_problem` when there is one (before asking the service
        for something that is not a request, like its voice list)."""
        problem = self.access_problem()
        if problem is not None:
            raise ConfigError(problem, provider=self.name)

    # Programs on this computer

    def programs(self) -> Sequence[Program]:
        """The programs this provider cannot work without (none by default)."""
        return ()

    def output_audio_format(self) -> str | None:
        """The extension of the audio this provider makes with its settings, when it is known
        before a request (a program's output); None when it is not (or it makes no audio)."""
        return None

    def configured_program(self, program: Program) -> str:
        """What the program's setting names (its default when empty), with ``~`` expanded."""
        return os.path.expanduser(str(self.settings.get(program.setting) or program.default))

    def find_program(self, program: Program) -> str | None:
        """The program's full path, or None when its setting names nothing that can run."""
        return self.which(self.configured_program(program))

    def which(self, command: str) -> str | None:
        """`shutil.which` (a name on PATH, or a path to an executable file), remembered for
        `PROGRAM_RECHECK_S` per PATH: the plan asks often and must not search each time."""
        key = (command, os.environ.get("PATH", ""))
        now = time.monotonic()
        with self._found_lock:
            cached = self._found.get(key)
            if cached is not None and now - cached[0] < PROGRAM_RECHECK_S:
                return cached[1]
        found = shutil.which(command)
        with self._found_lock:
            self._found[key] = (now, found)
        return found

    def forget_programs(self) -> None:
        """Look programs up afresh on the next `which` (the user may just have installed one)."""
        with self._found_lock:
            self._found.clear()

    def missing_program_problem(self, program: Program) -> str:
        """The setup problem of a program that cannot be found, naming the fix."""
        configured = str(self.settings.get(program.setting) or program.default)
        if os.path.basename(configured) == configured:
            found = f"{program.label} is not installed (no program {configured!r} on PATH)"
        else:
            where = self.setting_path(program.setting)
            found = f"the program {configured!r} named by {where} does not exist or cannot be run"
        return f"cannot run: {found}; {program.install_hint}"

    @abc.abstractmethod
    def generate(self, request: MediaRequest) -> MediaResult:
        """Produce validated media for one request, or raise a `ProviderError`."""

    def generate_batch(self, requests: Sequence[MediaRequest]) -> list[MediaResult]:
        """Produce media for several requests; one failure never fails the others.

        The default loops over `generate`; providers with a native batch API override it (and set
        ``capabilities.batch``).
        """
        results = []
        for request in requests:
            started = time.monotonic()
            try:
                results.append(self.generate(request))
            except ProviderError as exc:
                if not exc.provider:
                    exc.provider = self.name
                results.append(
                    MediaResult(request=request, provider=self.name, error=exc, elapsed_s=time.monotonic() - started)
                )
        return results

    def candidates(self, request: MediaRequest, *, limit: int) -> list[MediaResult]:
        """Up to ``limit`` different media for ``request`` to choose among (several search results,
        every recording, several voices), best first; raises a `ProviderError` when there is none.
        The default is the one result of `generate`; providers with more to offer override it.
        Blocks on the network like `generate`."""
        return [self.generate(request)]

    def voice_choices(self, language: str) -> list[str]:
        """The voices a redo may go through in turn for ``language`` (the one `generate` uses
        first); empty for a provider with no voices to choose among (the default)."""
        return []

    # Voices

    @classmethod
    def lists_voices(cls) -> bool:
        """Whether the provider can list its voices (its class overrides `fetch_voices`)."""
        return cls.fetch_voices is not MediaProvider.fetch_voices

    def fetch_voices(self) -> Sequence[Voice]:
        """Every voice the provider offers, asked of the service or the computer each time (may
        block on the network or run a program); raises a `ProviderError` naming the fix when it
        cannot. The default: none (the provider has no voices to list). Call `list_voices`."""
        return ()

    def list_voices(self, language: str | None = None, *, refresh: bool = False) -> list[Voice]:
        """The voices that speak ``language`` (every voice for None; `voice_list.speaks` says which
        match), from the list `fetch_voices` gave the first time, or fetched again with
        ``refresh``. Empty for a provider without a voice list. A failure is raised, never kept."""
        with self._voices_lock:
            if self._voices is None or refresh:
                self._voices = tuple(dict((voice.id, voice) for voice in self.fetch_voices()).values())
            voices = self._voices
        return filter_voices(voices, language)

    def request_price(self, request: MediaRequest) -> float:
        """What ``request`` costs at this provider, reserved from the job's budget before it is
        sent: ``price_per_request`` (a transcription provider adds its price per minute of sound)."""
        return self.price_per_request

    def candidate_count(self, *, limit: int) -> int:
        """How many media `candidates` makes for ``limit``, each paid like one request (9 voices
        are 9 requests, 4 AI variations 4 pictures): the cost shown before asking is this times
        ``price_per_request``. 1 by default (one `generate`)."""
        return 1

    def result(
        self,
        request: MediaRequest,
        *,
        data: bytes,
        extension: str,
        started: float,
        attribution: Attribution | None = None,
        caption: str = "",
    ) -> MediaResult:
        """The result of ``request``: ``data`` (checked already) as a file of ``extension``, made in
        the time since ``started`` (a `time.monotonic` reading)."""
        return MediaResult(
            request=request,
            provider=self.name,
            data=data,
            extension=extension,
            mime_type=mime_type(extension),
            elapsed_s=time.monotonic() - started,
            attribution=attribution,
            caption=caption,
        )

    @abc.abstractmethod
    def test_connection(self) -> HealthReport:
        """Make the cheapest real call the provider has and report how it went. Never raises for a
        provider failure: the report says what is wrong."""

    def close(self) -> None:
        """Release connections or processes. The default has nothing to release."""
        return None


class AudioProvider(MediaProvider, abc.ABC):
    kind: ClassVar[MediaKind] = MediaKind.AUDIO


class ImageProvider(MediaProvider, abc.ABC):
    kind: ClassVar[MediaKind] = MediaKind.IMAGE

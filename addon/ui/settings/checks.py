"""The settings window's Test and Test all: connection checks against the settings as typed, run
in the background on a registry of their own, which is closed afterwards. Test needs only the
tested provider's own settings to be valid (`config_to_test`).

Thread safety: `start_checks` is called on the main thread and calls ``on_done`` there; the checks
themselves (network) run on Anki's background task pool, never on the main thread.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from aqt.main import AnkiQt

from ...core.base.log import get_logger
from ...core.config.files import provider_settings
from ...core.config.schema import SliceSchemas, config_problems
from ...core.media.types import MediaKind
from ...core.provider_system.config_loading import remember_config_secrets
from ...core.provider_system.health_checks import CheckResult
from ...core.provider_system.registry import ProviderRegistry
from .general_page import GeneralPage
from .provider_page import ProviderPage
from .schema_field import SchemaField

log = get_logger(__name__)

# What the window gets back: each provider's result, or a sentence saying why nothing was tested.
ChecksDone = Callable[[list[CheckResult] | str], None]


def start_checks(
    mw: AnkiQt,
    *,
    config: Mapping[str, Any],
    provider: tuple[MediaKind, str] | None,
    on_done: ChecksDone,
) -> None:
    """Check ``provider`` (whether or not it is enabled), or every enabled provider when None,
    with a registry built from ``config`` (a validated config); ``on_done`` gets the results on
    the main thread."""
    registry = ProviderRegistry(config)

    def work() -> list[CheckResult]:
        try:
            if provider is not None:
                return [registry.check_provider(*provider)]
            return registry.health_check_all()
        finally:
            registry.close()

    def done(future: Future[list[CheckResult]]) -> None:
        try:
            results = future.result()
        except Exception:  # a crash in a check must not reach the user as a traceback
            log.exception("the connection test crashed")
            on_done("The test could not run because of an error in the add-on; the log has the details.")
            return
        on_done(results)

    mw.taskman.run_in_background(work, done, uses_collection=False)


def config_to_test(
    shown: Mapping[str, Any], schemas: SliceSchemas, *, page: ProviderPage, general: GeneralPage
) -> tuple[dict[str, Any] | None, list[tuple[SchemaField, str]]]:
    """The config to test ``page``'s provider with: ``shown`` (the config the window opened with)
    with the page's settings as typed, and the General page's when they are valid; other pages do
    not matter. None, with the page's own problems, when its settings are not valid."""
    kind, name = page.info.kind, page.info.name
    settings = provider_settings(shown, kind, name)
    problems = page.fill(settings)
    if not problems:
        alone = {"providers": {kind.value: {name: settings}}, "rules": []}
        for path, message in config_problems(alone, schemas):
            key = path.removeprefix(f"providers.{kind.value}.{name}.").partition(".")[0].partition("[")[0]
            field = page.field(key) or page.fields[0]
            problems.append((field, message))
    if problems:
        return None, problems
    config = copy.deepcopy(dict(shown))
    with_general = copy.deepcopy(config)
    if not general.fill(with_general):
        config = with_general
    config.setdefault("providers", {}).setdefault(kind.value, {})[name] = settings
    remember_config_secrets(config)  # so a key typed here never shows in a result
    return config, []


def describe_result(result: CheckResult) -> str:
    """``healthy · 120 ms`` or ``unhealthy: <what the provider said>``."""
    if result.ok:
        latency = f" · {round(result.latency_s * 1000)} ms" if result.latency_s is not None else ""
        return f"healthy{latency}"
    return f"unhealthy: {result.message}"


def as_sentence(message: str) -> str:
    """``message`` ending as a sentence does."""
    text = message.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def unmapped_problem(path: str, message: str) -> str:
    """A problem of a setting the window has no field for, with where to change it."""
    hint = " (rules are changed in the Browser's Notes → Fill Media… window)" if path.startswith("rules") else ""
    return f"{path}: {message}{hint}"

"""One row per known provider, for ``python -m addon providers`` and the settings page.

Thread safety: call on the thread that owns the registry.
"""

from __future__ import annotations

from typing import Any

from ..base.errors import MediaFillError, RegistryError
from ..resilience.health import HealthStatus
from .registry import ProviderRegistry


def provider_rows(registry: ProviderRegistry) -> list[dict[str, Any]]:
    """Every provider in the registry's catalog: kind, name, enabled, configured (key present or not
    needed, base URL set), status, and the problem that keeps it from running, if any. A provider
    that fails to load is listed with its load error, never left out silently."""
    rows: list[dict[str, Any]] = []
    for kind, name in registry.catalog.entries():
        enabled = registry.is_enabled(kind, name)
        try:
            info = registry.info(kind, name)
        except RegistryError as exc:
            rows.append(
                {
                    "kind": kind.value,
                    "name": name,
                    "enabled": enabled,
                    "configured": False,
                    "needs_key": None,
                    "status": HealthStatus.UNHEALTHY.value,
                    "problem": exc.message,
                    "description": "",
                    "builtin": registry.catalog.is_builtin(kind, name),
                }
            )
            continue
        try:
            setup = registry.get(kind, name).setup_problem()
        except MediaFillError as exc:
            setup = str(exc)
        configured = setup is None
        problem = setup if enabled else "is disabled in the settings"
        rows.append(
            {
                "kind": kind.value,
                "name": name,
                "enabled": enabled,
                "configured": configured,
                "needs_key": info.needs_key,
                "status": registry.status(kind, name).status.value,
                "problem": problem or "",
                "description": info.description,
                "builtin": info.builtin,
                "capabilities": info.capabilities.to_json(),
                "default_limits": vars(info.default_limits),
            }
        )
    return sorted(rows, key=lambda r: (r["kind"], r["name"]))

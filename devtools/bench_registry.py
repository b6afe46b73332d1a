"""``make bench``: how fast the provider registry starts, as ratios against a baseline measured in the
same run, and proof that building it imports no provider module.

Measured (median of many runs, in this process unless said otherwise):

* baseline: reading and parsing the shipped ``config.json`` (``load_default_config``), the least
  any start-up must do;
* registry build: ``ProviderRegistry(config)`` with every provider mapped;
* registry build, 200 providers mapped: the same with 200 more (never imported) entries, to show
  the cost does not grow with imports;
* full config load: ``load_config`` (merges, loads every provider class, validates);
* cold start (fresh interpreters): importing ``addon.core.provider_system.registry`` and building the registry,
  against a fresh interpreter that only reads the config.

Exit status 1 when building the registry imported a provider module.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from addon.core.config.files import load_default_config  # noqa: E402
from addon.core.media.types import MediaKind  # noqa: E402
from addon.core.provider_system.catalog import BUILTIN_PROVIDERS, ProviderCatalog  # noqa: E402
from addon.core.provider_system.config_loading import load_config  # noqa: E402
from addon.core.provider_system.registry import ProviderRegistry  # noqa: E402

_COLD_PROBE = """
import sys, time, json
started = time.perf_counter()
{body}
elapsed = time.perf_counter() - started
providers = sorted(m for m in sys.modules if m.startswith("addon.providers.") and m.count(".") > 2)
print(json.dumps({{"elapsed": elapsed, "provider_modules": providers}}))
"""
_COLD_BASELINE = "from addon.core.config.files import load_default_config\nconfig = load_default_config()"
_COLD_REGISTRY = (
    _COLD_BASELINE
    + "\nfrom addon.core.provider_system.registry import ProviderRegistry\nregistry = ProviderRegistry(config)"
)


def median_s(action: Callable[[], object], *, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _probe(body: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", _COLD_PROBE.format(body=body)], cwd=REPO, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def cold_pair(*, repeat: int = 9) -> tuple[float, float, list[str]]:
    """Median cold times of the baseline and the registry start-up, run alternately so drift in
    the machine's load hits both alike; and the provider modules the registry start-up imported."""
    baseline, registry, imported = [], [], set()
    for _ in range(repeat):
        baseline.append(_probe(_COLD_BASELINE)["elapsed"])
        probe = _probe(_COLD_REGISTRY)
        registry.append(probe["elapsed"])
        imported.update(probe["provider_modules"])
    return statistics.median(baseline), statistics.median(registry), sorted(imported)


def many_mapped(count: int) -> dict[MediaKind, dict[str, str]]:
    mapped = {kind: dict(names) for kind, names in BUILTIN_PROVIDERS.items()}
    for index in range(count):
        mapped[MediaKind.AUDIO][f"bench_{index}"] = f"bench_never_imported_{index}:Provider"
    return mapped


def main() -> int:
    config = load_default_config()
    mapped = sum(len(names) for names in BUILTIN_PROVIDERS.values())
    baseline = median_s(load_default_config, repeat=300)
    build = median_s(lambda: ProviderRegistry(config), repeat=300)
    big = many_mapped(200)
    build_big = median_s(lambda: ProviderRegistry(config, catalog=ProviderCatalog(builtin=big)), repeat=100)
    full = median_s(lambda: load_config(None), repeat=50)
    cold_baseline, cold_registry, imported = cold_pair()

    rows = [
        ("baseline: read config.json", baseline, 1.0),
        (f"registry build ({mapped} providers mapped)", build, build / baseline),
        ("registry build (200 more mapped)", build_big, build_big / baseline),
        ("full config load + validation", full, full / baseline),
        ("cold: interpreter reads config (baseline)", cold_baseline, 1.0),
        ("cold: + import registry + build", cold_registry, cold_registry / cold_baseline),
    ]
    print("Provider registry start-up (median times; ratio against the baseline of its group)")
    for label, seconds, ratio in rows:
        print(f"  {label:<44} {seconds * 1000:9.3f} ms   x{ratio:6.2f}")
    print(f"  provider modules imported by building the registry: {', '.join(imported) or 'none'}")
    return 1 if imported else 0


if __name__ == "__main__":
    raise SystemExit(main())

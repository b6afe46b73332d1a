"""Hypothesis profiles of the hostile-input tests: ``ci`` (chosen when the ``CI`` environment
variable is set) draws the same examples on every run, so a red build can be rerun and seen again;
``dev`` draws new ones each run and remembers failures in ``.hypothesis/`` (git-ignored). Each
property sets its own ``max_examples`` (a few hundred) and no deadline."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

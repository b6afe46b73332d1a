"""Commands of the headless entry point (`addon.cli`) kept in modules of their own:
``fill --dry-run`` (`dry_run`), ``remove`` (`remove`) and ``voices`` (`voices`); and the exit codes
every command shares.

Importing this package (or `remove`) never imports ``anki``: each command imports the collection
modules when it runs, so ``python -m addon --help`` works without Anki.

Thread safety: each command runs on the main thread of its own process and owns the collection.
"""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

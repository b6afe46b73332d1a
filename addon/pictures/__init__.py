"""Pictures fitted to the user's size and format before they are stored (issue: pictures sized for
sync), with the image classes of the Qt that Anki bundles: no other dependency.

`picture_transform` gives the job's result transform (`core.engine.generation.ResultTransform`):
`fit.fit_result`, or None when Qt's image classes cannot be loaded here (a bare ``anki`` install
running the CLI), in which case pictures are stored as the providers made them. Qt is imported
only when it is called, never when this package is imported.

Thread safety: `picture_transform` may be called from any thread; see `fit` for the transform.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.base.log import get_logger
from ..core.media.types import MediaResult

log = get_logger(__name__)


def picture_transform() -> Callable[[MediaResult], MediaResult] | None:
    """The transform that fits each picture to its request's output settings, or None (logged)
    when Qt's image classes cannot be imported."""
    try:
        from .fit import fit_result
    except ImportError as exc:
        log.warning(
            "pictures are stored as the providers make them, not resized: Qt's image classes "
            "cannot be loaded (%s); install PyQt6 (it comes with Anki) to have them resized",
            exc,
        )
        return None
    return fit_result

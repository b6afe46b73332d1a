"""Choose among candidates ("Choose…" in the editor's field menu): a window that shows what the
target's providers offer side by side and stores the one taken (`window.ChooseWindow`).

Thread safety: main thread only.
"""

from __future__ import annotations

from .window import ChooseWindow

__all__ = ["ChooseWindow"]

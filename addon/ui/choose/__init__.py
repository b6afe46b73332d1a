"""Choose among candidates ("Choose…" in the editor's field menu, on a row of the job report, C in
the Review window): a window that shows what the target's providers offer side by side and stores
the one taken (`window.ChooseWindow`, opened by `opener.open_choose` / `opener.choose_for_note`).

Thread safety: main thread only.
"""

from __future__ import annotations

from .opener import choose_for_note, open_choose, target_kind
from .window import ChooseWindow

__all__ = ["ChooseWindow", "choose_for_note", "open_choose", "target_kind"]

"""``forvo``: pronunciations recorded by people, from Forvo. The provider is in `provider`, the
reading of Forvo's answers (its items and its error envelope) in `answers`, and the daily request
limit every process counts into one file in `daily_counter`.

Thread safety: see `provider` and `daily_counter`.
"""

from __future__ import annotations

from .provider import ForvoPronunciations

__all__ = ["ForvoPronunciations"]

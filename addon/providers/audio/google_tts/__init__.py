"""``google_tts``: speech from Google Cloud Text-to-Speech. The provider is in `provider`, the choice
of voice in `voices`, the reading of Google's error answers in `errors`.

Thread safety: see `provider`.
"""

from __future__ import annotations

from .provider import GoogleSpeech

__all__ = ["GoogleSpeech"]

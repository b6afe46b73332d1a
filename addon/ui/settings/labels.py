"""Labels for settings: a key such as ``requests_per_minute`` shown as words a user reads.

Thread safety: pure functions; call from any thread.
"""

from __future__ import annotations

# Keys whose words alone would not say what they are.
_LABELS = {
    "enabled": "Enabled",
    "api_key": "API key",
    "api_key_env": "Key from environment variable",
    "base_url": "Server address",
    "timeout_s": "Timeout (seconds)",
    "retry_attempts": "Retries",
    "requests_per_minute": "Requests per minute",
    "max_concurrency": "Requests at once",
    "price_per_request": "Price per request (US dollars)",
    "price_per_minute": "Price per minute of sound (US dollars)",
    "budget_usd": "Budget per job (US dollars)",
    "auto_fill_search": "Fill new notes found by this search",
    "max_media_mb": "Largest media file (MB)",
    "reuse_media": "Reuse media made before",
    "tag_notes": "Tag filled notes with the provider",
    "image_max_px": "Largest picture side (pixels)",
    "image_format": "Picture format",
    "image_quality": "Picture quality (1-100)",
    "health_check_timeout_s": "Connection test timeout (seconds)",
    "circuit_breaker.failure_threshold": "Pause a provider after this many failures in a row",
    "circuit_breaker.cooldown_s": "Pause length (seconds)",
    "log_level": "Log level",
    "shortcut": "Browser shortcut",
    "editor_shortcut": "Editor shortcut",
}
_WORDS = {
    "api": "API",
    "url": "URL",
    "id": "ID",
    "tts": "TTS",
    "cfg": "CFG",
    "s": "(seconds)",
    "ms": "(milliseconds)",
    "mb": "(MB)",
    "usd": "(US dollars)",
    "wpm": "(words per minute)",
}


def setting_label(key: str) -> str:
    """The label of a setting (``key`` may be a dotted path such as ``circuit_breaker.cooldown_s``)."""
    if key in _LABELS:
        return _LABELS[key]
    words = [_WORDS.get(word, word) for word in key.rsplit(".", maxsplit=1)[-1].split("_") if word]
    text = " ".join(words) or key
    return text[:1].upper() + text[1:]

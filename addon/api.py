"""The public API for other add-ons and scripts that bring their own provider.

    # in another add-on's __init__.py (Media Fill's folder is "media_fill", or its AnkiWeb number)
    import importlib
    media_fill = importlib.import_module("media_fill.api")

    class MyVoices(media_fill.AudioProvider):
        name = "my_voices"
        title = "My Voices"  # what the settings window and messages call it (optional: else the name)
        description = "My own speech server."
        capabilities = media_fill.Capabilities(key=media_fill.KeyUse.REQUIRED, http=True)
        settings_schema = {"voice": {"type": "string"}}
        default_settings = {"base_url": "https://voices.example", "voice": "anna"}

        def generate(self, request): ...
        def test_connection(self): ...

    media_fill.register_provider("audio", "my_voices", MyVoices)

The class is checked against the interface at once (`ProviderInterfaceError` names what is
missing) and a taken name is refused (`DuplicateProviderError`). Users then list ``"my_voices"`` in
a sound target's ``providers`` and set ``providers.audio.my_voices`` like any built-in provider. A
provider can also be named by module path in the config's ``provider_modules``, which is how the
command line loads one.

An HTTP provider maps a response it does not understand itself with
``error_for_status(status, provider=..., headers=..., body_text=...)`` (429 becomes a
`RateLimitError` carrying the server's ``Retry-After``, which makes the job slow that provider
down), and may set ``capabilities.batch`` and override ``generate_batch`` to get requests in
batches of its ``batch_size`` setting. A sound provider with voices to choose among overrides
``fetch_voices`` to return them as `Voice` values (``Voice(id, name, languages, gender, provider,
sample_url=None)``); ``list_voices`` keeps and filters them, and ``python -m addon voices`` shows them.

Thread safety: call `register_provider` on Anki's main thread.
"""

from __future__ import annotations

from .core.base.errors import (
    AuthError,
    ConfigError,
    DuplicateProviderError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    ProviderInterfaceError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from .core.media.types import MediaKind, MediaRequest, MediaResult
from .core.media.voice_list import Voice
from .core.provider_system.catalog import register_provider, unregister_provider
from .core.provider_system.media_provider import (
    AudioProvider,
    Capabilities,
    HealthReport,
    ImageProvider,
    KeyUse,
    MediaProvider,
)
from .providers.http.status import error_for_status, parse_retry_after

__all__ = [
    "AudioProvider",
    "AuthError",
    "Capabilities",
    "ConfigError",
    "DuplicateProviderError",
    "HealthReport",
    "ImageProvider",
    "InvalidResponseError",
    "KeyUse",
    "MediaKind",
    "MediaProvider",
    "MediaRequest",
    "MediaResult",
    "NotFoundError",
    "PermanentError",
    "ProviderError",
    "ProviderInterfaceError",
    "QuotaError",
    "RateLimitError",
    "TransientError",
    "Voice",
    "error_for_status",
    "parse_retry_after",
    "register_provider",
    "unregister_provider",
]

"""Play sample in the voice picker: a short sentence in a language (`sample_sentence`), made by one
voice of one provider, checked like any media a job stores (an error page is never kept as a
sound), and kept in a folder so that hearing a voice again costs nothing.

A sample is known by the provider, the voice, the language, the sentence and the provider's
output settings (`ProviderRegistry.output_fingerprint`): change the speed or the model and the
next Play asks again. Paid providers charge for each sample made; their `price_per_request` is
what the picker shows before asking.

Thread safety: `voice_sample` blocks on the network or a program: call it on a worker thread. Two
threads making the same sample write the same bytes under the same name (each through its own
temporary file), so the last one wins harmlessly.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..media.checks import require_media
from ..media.types import MediaKind, MediaRequest
from ..media.voice_choice import VOICE_OPTION
from ..media.voice_list import Voice
from ..text.sample_sentences import sample_sentence
from .registry import ProviderRegistry

# Where samples are kept, under the add-on's state folder.
SAMPLES_FOLDER = "voice-samples"
# The largest sample kept: a sentence of speech is far smaller.
MAX_SAMPLE_BYTES = 5_000_000


def sample_language(voice: Voice, wanted: str) -> str:
    """The language a sample of ``voice`` is made in: ``wanted`` (the picker's filter) when given,
    else the voice's first language ("" when it names none)."""
    return wanted.strip() or (voice.languages[0] if voice.languages else "")


def kept_sample(folder: Path, name: str) -> Path | None:
    """The sample file kept under ``name`` (any extension), or None."""
    if not folder.is_dir():
        return None
    return next((path for path in sorted(folder.glob(name + ".*")) if not path.name.endswith(".part")), None)


def voice_sample(registry: ProviderRegistry, voice: Voice, *, language: str, folder: Path) -> tuple[Path, bool]:
    """The sample of ``voice`` in ``language``: (its file, whether it was made now rather than kept).
    Raises `ConfigError` when the provider cannot be asked (no key, no program), the provider's
    `ProviderError` when asking fails (`InvalidResponseError` for bytes that are no sound), each
    with a message that names the fix."""
    text = sample_sentence(language)
    fingerprint = registry.output_fingerprint(MediaKind.AUDIO, voice.provider)
    name = (
        "sample-"
        + hashlib.sha256("\x1f".join((voice.provider, voice.id, language, text, fingerprint)).encode()).hexdigest()[:32]
    )
    kept = kept_sample(folder, name)
    if kept is not None:
        return kept, False
    provider = registry.get(MediaKind.AUDIO, voice.provider)
    provider.require_access()  # a provider switched off may still be heard before it is switched on
    request = MediaRequest(
        kind=MediaKind.AUDIO, text=text, language=language, options={VOICE_OPTION: {voice.provider: voice.id}}
    )
    result = provider.generate(request)
    data = result.data or b""
    require_media(
        MediaKind.AUDIO, data, extension=result.extension, provider=voice.provider, max_bytes=MAX_SAMPLE_BYTES
    )
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "".join(ch for ch in result.extension.lower() if ch.isalnum())[:8] or "mp3"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=name, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        target = folder / f"{name}.{suffix}"
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target, True

"""How each sound provider's voice list reads (`MediaProvider.fetch_voices`): the vendors' answers
turned into `Voice` values, and the fixed lists of the vendors that publish one instead of an API.

* Google Cloud TTS, ``GET /v1/voices`` (``../shared/provider_apis.md`` §6.1): ``{"voices":
  [{"languageCodes", "name", "ssmlGender", "naturalSampleRateHertz"}]}`` (Google's
  ListVoicesResponse); the voice's ``name`` is its id.
* Azure Speech, ``GET /cognitiveservices/voices/list`` (§7.1): an array of ``{ShortName,
  DisplayName, LocalName, Gender, Locale, SecondaryLocaleList?…}``; ``ShortName`` is the id.
* ElevenLabs, ``GET /v1/voices`` (§5.8): ``{"voices": [{"voice_id", "name", "labels": {"gender",
  "accent"…}, "preview_url", "verified_languages": [{"language", "locale", "model_id"…}]…}]}``; a
  voice with no verified language speaks whatever the multilingual models speak.
* OpenAI TTS (§2.2): the built-in voices per model, which speak every language the model knows.
* Yandex SpeechKit API v1 (Yandex's ``speechkit/tts/voices.md``): its voices, language and gender.
* espeak-ng: read in `espeak.espeak_voices` (the espeak module imports nothing else of the
  providers).
* Piper: a voice is a ``.onnx`` model with its ``.onnx.json``, whose ``language.code`` says what
  it speaks; the model's full path is the id (what a target's ``voice`` takes).

An entry the reader cannot use (no id, not an object) is left out rather than failing the list.

Thread safety: pure functions and immutable data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ...core.media.voice_list import Voice, normal_gender, normal_tag

# OpenAI §2.2: the built-in voices of gpt-4o-mini-tts (and later models), and the smaller set
# tts-1 and tts-1-hd have.
OPENAI_VOICES = (
    "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar",
)  # fmt: skip
OPENAI_TTS1_VOICES = ("alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer")

# Yandex ``speechkit/tts/voices.md`` (yandex-cloud/docs, 2026): the gender of each voice.
YANDEX_GENDERS: Mapping[str, str] = {
    "lea": "female", "john": "male", "naomi": "female", "amira": "female", "madi": "male", "saule": "female",
    "zhanar": "female", "alena": "female", "filipp": "male", "ermil": "male", "jane": "female", "omazh": "female",
    "zahar": "male", "dasha": "female", "julia": "female", "lera": "female", "masha": "female", "marina": "female",
    "alexander": "male", "kirill": "male", "anton": "male", "madi_ru": "male", "saule_ru": "female",
    "zamira_ru": "female", "zhanar_ru": "female", "yulduz_ru": "female", "nigora": "female", "zamira": "female",
    "yulduz": "female",
}  # fmt: skip


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _tags(values: Iterable[Any]) -> tuple[str, ...]:
    """The language tags among ``values``, normalised, each once, in order."""
    return tuple(dict.fromkeys(normal_tag(v) for v in values if isinstance(v, str) and v.strip()))


def _items(body: Any, key: str | None) -> list[Mapping[str, Any]]:
    listed = body.get(key) if key is not None and isinstance(body, Mapping) else body
    return [item for item in listed if isinstance(item, Mapping)] if isinstance(listed, list) else []


def google_voices(body: Any, *, provider: str) -> list[Voice]:
    """Google's ListVoicesResponse as voices."""
    voices = []
    for item in _items(body, "voices"):
        name = _text(item.get("name"))
        codes = item.get("languageCodes")
        if name:
            languages = _tags(codes if isinstance(codes, list) else ())
            voices.append(Voice(name, name, languages, normal_gender(item.get("ssmlGender")), provider))
    return voices


def azure_voices(body: Any, *, provider: str) -> list[Voice]:
    """Azure's voice list as voices (multilingual voices with their secondary locales too)."""
    voices = []
    for item in _items(body, None):
        short_name = _text(item.get("ShortName"))
        if not short_name:
            continue
        secondary = item.get("SecondaryLocaleList")
        languages = _tags([item.get("Locale"), *(secondary if isinstance(secondary, list) else ())])
        name = _text(item.get("DisplayName")) or _text(item.get("LocalName")) or short_name
        locale_name = _text(item.get("LocaleName"))
        shown = f"{name} ({locale_name})" if locale_name else name
        voices.append(Voice(short_name, shown, languages, normal_gender(item.get("Gender")), provider))
    return voices


def elevenlabs_voices(body: Any, *, provider: str) -> list[Voice]:
    """The account's ElevenLabs voices as voices."""
    voices = []
    for item in _items(body, "voices"):
        voice_id = _text(item.get("voice_id"))
        if not voice_id:
            continue
        raw_labels = item.get("labels")
        labels: Mapping[str, Any] = raw_labels if isinstance(raw_labels, Mapping) else {}
        verified = [entry for entry in item.get("verified_languages") or () if isinstance(entry, Mapping)]
        languages = _tags([_text(e.get("locale")) or _text(e.get("language")) for e in verified])
        voices.append(
            Voice(
                voice_id,
                _text(item.get("name")) or voice_id,
                languages or _tags([labels.get("language")]),
                normal_gender(labels.get("gender")),
                provider,
                sample_url=_text(item.get("preview_url")) or None,
            )
        )
    return voices


def openai_voices(model: str, *, provider: str) -> list[Voice]:
    """OpenAI's built-in voices of ``model`` (§2.2); they speak every language the model knows and
    OpenAI names no gender."""
    names = OPENAI_TTS1_VOICES if model.strip().lower().startswith("tts-1") else OPENAI_VOICES
    return [Voice(name, name.capitalize(), (), "", provider) for name in names]


def yandex_voices(voice_languages: Mapping[str, str], *, provider: str) -> list[Voice]:
    """Yandex's documented voices (name → language tag) as voices."""
    return [
        Voice(name, name.replace("_", " ").title(), _tags([tag]), YANDEX_GENDERS.get(name, ""), provider)
        for name, tag in voice_languages.items()
    ]


def piper_voice(model: Path, language: str, *, provider: str) -> Voice:
    """A Piper voice model (its ``.onnx.json`` names ``language``, e.g. ``en_US``; "" for none)."""
    name = model.name.removesuffix(".onnx")
    return Voice(str(model), name, _tags([language]), "", provider)


def piper_models(folder: Path | None) -> list[Path]:
    """The ``.onnx`` models under ``folder`` (and its subfolders) that have their ``.onnx.json``
    beside them, by path; none when the folder does not exist."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*.onnx") if path.with_name(path.name + ".json").is_file())

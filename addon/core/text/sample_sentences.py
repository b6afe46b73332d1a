"""A short sentence in a language, for hearing a voice before choosing it (the voice picker's Play
sample): a greeting and "this is how my voice sounds", in the languages learners use most.

A language without its own sentence gets the English one, which the voice reads as well as it can;
`has_sample_sentence` tells the picker so it can say so.

Thread safety: constant data and pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

ENGLISH = "Hello! This is how my voice sounds."

_SENTENCES: Mapping[str, str] = MappingProxyType(
    {
        "en": ENGLISH,
        "es": "¡Hola! Así suena mi voz.",
        "fr": "Bonjour ! Voici comment sonne ma voix.",
        "de": "Hallo! So klingt meine Stimme.",
        "it": "Ciao! Ecco come suona la mia voce.",
        "pt": "Olá! É assim que a minha voz soa.",
        "nl": "Hallo! Zo klinkt mijn stem.",
        "sv": "Hej! Så här låter min röst.",
        "da": "Hej! Sådan lyder min stemme.",
        "nb": "Hei! Slik høres stemmen min ut.",
        "no": "Hei! Slik høres stemmen min ut.",
        "fi": "Hei! Tältä ääneni kuulostaa.",
        "pl": "Cześć! Tak brzmi mój głos.",
        "cs": "Ahoj! Takhle zní můj hlas.",
        "hu": "Szia! Így szól a hangom.",
        "ro": "Bună! Așa sună vocea mea.",
        "ru": "Здравствуйте! Так звучит мой голос.",
        "uk": "Привіт! Ось так звучить мій голос.",
        "tr": "Merhaba! Sesim böyle duyuluyor.",
        "el": "Γεια σας! Έτσι ακούγεται η φωνή μου.",
        "ja": "こんにちは。これが私の声です。",
        "zh": "你好！这是我的声音。",
        "ko": "안녕하세요! 제 목소리는 이렇습니다.",
        "ar": "مرحبا! هكذا يبدو صوتي.",
        "he": "שלום! כך נשמע הקול שלי.",
        "hi": "नमस्ते! मेरी आवाज़ ऐसी सुनाई देती है।",
        "vi": "Xin chào! Đây là giọng nói của tôi.",
        "id": "Halo! Beginilah suara saya.",
        "th": "สวัสดี นี่คือเสียงของฉัน",
    }
)


def _base(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def has_sample_sentence(language: str) -> bool:
    """Whether ``language`` (a tag like ``es``, ``pt-BR`` or ``zh_Hant``) has a sentence of its own."""
    return _base(language) in _SENTENCES


def sample_sentence(language: str) -> str:
    """The sample sentence for ``language`` (its base language's), or the English one."""
    return _SENTENCES.get(_base(language), ENGLISH)

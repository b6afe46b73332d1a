"""Properties of `media_file_name` over generated texts, provider names, cache keys and extensions.

* Whatever it is given (any code point, lone surrogates included, in any part), the name matches
  the strict safe pattern: ``mf_<ascii provider>_<word characters>_<hex>.<ascii ext>``, no path
  separator, no ``..``, no control or format character, NFC, lower case, at most 78 bytes, never a
  Windows device name.
* Canonically equivalent texts (NFC, NFD) give the same name.
* Distinct requests give distinct names, even when their words give the same slug (the hash part:
  10 hex digits of the SHA-1 cache key, so two names collide with odds of 2^-40 per pair).
* A real Anki collection stores every such name exactly as asked (``write_data`` returns it), and
  when the name is taken by other bytes it writes the name the sync step predicts for its
  journal (`expected_file_name`): the job journals the file it really writes.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from addon.collection.media_files import expected_file_name
from addon.core.media.naming import media_file_name
from addon.core.media.types import MediaKind, MediaRequest
from tests.hostile.hostile_checks import assert_safe_name

EXAMPLES = 250
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
ANY_TEXT = st.text(ANY_CHARACTER, max_size=150)
NAME_PARTS = st.one_of(
    ANY_TEXT,
    st.sampled_from(["", "..", "../../etc/passwd", "mp3/../../evil", "C:\\x", "CON", "a" * 500, "\u202eexe.mp3"]),
)
WORDY_TEXT = st.text(
    st.characters(codec="utf-8", categories=("L", "M", "N", "Zs", "P"), exclude_characters="\u2028\u2029"),
    min_size=1,
    max_size=120,
)


def name_for(request: MediaRequest, *, provider: str = "espeak", extension: str = "mp3") -> str:
    return media_file_name(text=request.text, provider=provider, cache_key=request.cache_key, extension=extension)


@settings(max_examples=EXAMPLES, deadline=None)
@given(text=NAME_PARTS, provider=NAME_PARTS, cache_key=NAME_PARTS, extension=NAME_PARTS)
@example(text="漢" * 40, provider="espeak", cache_key="0" * 40, extension="mp3")
@example(text="\U00020000" * 30, provider="p" * 40, cache_key="f" * 40, extension="webm")
@example(text="İstanbul ΣΟΦΊΑΣ", provider="espeak", cache_key="0" * 40, extension="mp3")
@example(text="\ud800", provider="\udfff", cache_key="\ud800", extension="\ud800")
def test_any_input_gives_a_safe_name(text: str, provider: str, cache_key: str, extension: str) -> None:
    name = media_file_name(text=text, provider=provider, cache_key=cache_key, extension=extension)
    assert_safe_name(name)
    assert name == name.lower()


@settings(max_examples=EXAMPLES, deadline=None)
@given(ANY_TEXT)
@example("cafe\u0301 man\u0303ana")
@example("\u1112\u1161\u11ab")
def test_canonically_equivalent_texts_give_the_same_name(text: str) -> None:
    names = {
        media_file_name(text=unicodedata.normalize(form, text), provider="espeak", cache_key="a" * 40, extension="mp3")
        for form in ("NFC", "NFD")
    }
    assert len(names) == 1


@settings(max_examples=EXAMPLES, deadline=None)
@given(WORDY_TEXT, WORDY_TEXT)
@example("Apple", "apple")  # one slug in a lower-cased name: the hash tells them apart
@example("a/b", "a b")
@example("漢" * 40 + "a", "漢" * 40 + "b")  # the same slug once cut to fit
def test_distinct_requests_give_distinct_names(first: str, second: str) -> None:
    assume(unicodedata.normalize("NFC", first) != unicodedata.normalize("NFC", second))
    requests = [
        MediaRequest(kind=MediaKind.AUDIO, text=unicodedata.normalize("NFC", t), language="en") for t in (first, second)
    ]
    assert name_for(requests[0]) != name_for(requests[1])
    same_words_other_language = MediaRequest(kind=MediaKind.AUDIO, text=requests[0].text, language="de")
    assert name_for(same_words_other_language) != name_for(requests[0])


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    col = Collection(str(tmp_path_factory.mktemp("naming") / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT, extension=st.sampled_from(["mp3", "ogg", "png", "webp", "jpeg"]))
@example(text="Paris", extension="mp3")
@example(text="ΣΟΦΊΑΣ İstanbul ǅ", extension="mp3")
@example(text="漢" * 60, extension="png")
@example(text="\U00030000 \u0560 \u1c90", extension="mp3")  # assigned after Unicode 10: Anki drops them
def test_anki_stores_every_name_as_asked(collection: Collection, text: str, extension: str) -> None:
    key = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()  # a lone surrogate has no cache key
    name = media_file_name(text=text, provider="espeak", cache_key=key, extension=extension)
    data = b"first " + hashlib.sha1(name.encode()).digest()
    assert collection.media.write_data(name, data) == name
    assert (Path(collection.media.dir()) / name).read_bytes() == data
    other = b"other " + data
    predicted = expected_file_name(collection.media.dir(), name, sha1=hashlib.sha1(other).hexdigest())
    assert collection.media.write_data(name, other) == predicted

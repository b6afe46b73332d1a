"""The hook that makes every provider test a contract test (tests/contracts/plugin.py).

A provider changed to drop a field its vendor's document requires makes its test fail through the
hook, even when the test's own assertions pass (the fakes here refuse the request too, and the
provider turns that into an error: a test expecting an error would pass without the hook). The hook
is driven here around the current test (``request.node``, a test of tests/contracts), exactly as
pytest drives it around every test of tests/providers and tests/contracts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from addon.core.base.errors import ProviderError
from addon.providers.audio.elevenlabs import ElevenLabsSpeech
from addon.providers.audio.google_tts import GoogleSpeech
from addon.providers.audio.openai_tts import OpenAISpeech
from addon.providers.image.openai import OpenAIImages
from tests.contracts import checker, plugin
from tests.contracts.exchanges import elevenlabs, google_tts, openai_images, openai_tts, picture, speech
from tests.fakes.elevenlabs_fake import serve_elevenlabs
from tests.fakes.google_tts_fake import serve_google_tts
from tests.fakes.openai_fake import serve_openai
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.fake_http import Recorded


def _run_openai_tts(mp3: bytes) -> None:
    with serve_openai_tts(audio={"mp3": mp3}) as fake, contextlib.suppress(ProviderError):
        openai_tts(fake).generate(speech())


def _run_openai_images(mp3: bytes) -> None:
    with serve_openai() as fake, contextlib.suppress(ProviderError):
        openai_images(fake).generate(picture())


def _run_elevenlabs(mp3: bytes) -> None:
    with serve_elevenlabs(audio={"mp3": mp3}) as fake, contextlib.suppress(ProviderError):
        elevenlabs(fake).generate(speech("la manzana", "es"))


def _run_google_tts(mp3: bytes) -> None:
    with serve_google_tts() as fake, contextlib.suppress(ProviderError):
        fake.audio["MP3"] = mp3
        google_tts(fake).generate(speech())


# (provider class, the field its request_body must send, the provider's run, what the failure says)
DROPS: dict[str, tuple[type[Any], str, Callable[[bytes], None], str]] = {
    "openai_tts without voice": (OpenAISpeech, "voice", _run_openai_tts, "'voice' is a required property"),
    "openai_tts without input": (OpenAISpeech, "input", _run_openai_tts, "'input' is a required property"),
    "openai without prompt": (OpenAIImages, "prompt", _run_openai_images, "'prompt' is a required property"),
    "elevenlabs without text": (ElevenLabsSpeech, "text", _run_elevenlabs, "'text' is a required property"),
    "google_tts without audioConfig": (GoogleSpeech, "audioConfig", _run_google_tts, "body.audioConfig: required"),
    "google_tts without voice": (GoogleSpeech, "voice", _run_google_tts, "body.voice: required"),
}


@contextlib.contextmanager
def hook_around(item: pytest.Item) -> Iterator[None]:
    """Run the block as the call of ``item`` under the contract hook (its exception, if any, escapes)."""
    wrapper = plugin.pytest_runtest_call(item)
    next(wrapper)  # the hook starts its recording
    yield
    with contextlib.suppress(StopIteration):
        wrapper.send(None)  # the test's call returned: the hook looks at what was recorded


@pytest.mark.parametrize("case", list(DROPS))
def test_a_provider_that_drops_a_required_field_fails_its_test_through_the_hook(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, mp3_bytes: bytes, case: str
) -> None:
    provider_class, field, run, words = DROPS[case]
    original = provider_class.request_body

    def without_field(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        body: dict[str, Any] = original(self, *args, **kwargs)
        assert field in body, f"{provider_class.__name__}.request_body sends no {field!r} to drop"
        del body[field]
        return body

    monkeypatch.setattr(provider_class, "request_body", without_field)
    with pytest.raises(pytest.fail.Exception) as failed, hook_around(request.node):
        run(mp3_bytes)  # "the provider test": passes on its own (the provider's error is expected)
    assert "broke the vendor's specification" in str(failed.value)
    assert words in str(failed.value)


def test_the_same_providers_unchanged_pass_through_the_hook(request: pytest.FixtureRequest, mp3_bytes: bytes) -> None:
    for run in (_run_openai_tts, _run_openai_images, _run_elevenlabs, _run_google_tts):
        with hook_around(request.node):
            run(mp3_bytes)


def test_a_test_marked_contract_exempt_reports_instead_of_failing(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, mp3_bytes: bytes
) -> None:
    original = OpenAISpeech.request_body
    monkeypatch.setattr(
        OpenAISpeech,
        "request_body",
        lambda self, *a, **k: {n: v for n, v in original(self, *a, **k).items() if n != "voice"},
    )
    request.node.add_marker(pytest.mark.contract_exempt("the test's own reason"))
    before = sum(plugin._SESSION["exempt"].values())
    with hook_around(request.node):
        _run_openai_tts(mp3_bytes)
    assert sum(plugin._SESSION["exempt"].values()) == before + 1


def _recorded(method: str, path: str) -> Recorded:
    return Recorded(method=method, path=path, query={}, headers={}, body=b"")


def test_a_path_outside_the_api_is_named_as_not_checked_and_an_unknown_path_breaks_the_spec() -> None:
    download = checker.check_exchange(
        checker.OPENAI, _recorded("GET", "/files/ab12.png"), status=200, content_type="image/png", body=b"\x89PNG"
    )
    assert download.violations == ()
    assert download.notes == ("not checked: a picture's download URL (a blob store's signed link, not the API)",)
    for api, path in (
        (checker.OPENAI, "/v1/audio/speeches"),
        (checker.ELEVENLABS, "/v1/speech"),
        (checker.GOOGLE_TTS, "/v1/text:speak"),
    ):
        wrong = checker.check_exchange(api, _recorded("POST", path), status=404, content_type="", body=b"")
        assert len(wrong.violations) == 1 and "is no" in wrong.violations[0], (api, wrong)


def test_an_answer_the_spec_does_not_document_is_named_as_not_checked() -> None:
    sent = Recorded(method="GET", path="/v1/models/tts-1", query={}, headers={"authorization": "Bearer k"}, body=b"")
    result = checker.check_exchange(checker.OPENAI, sent, status=401, content_type="application/json", body=b"{}")
    assert result.violations == ()
    assert result.notes == ("answer not checked: the spec documents no 401 answer for this operation",)

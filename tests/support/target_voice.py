"""Sound requests that name a target's voice (``options["voice"]``, as the planner makes them), for
the TTS providers' tests."""

from __future__ import annotations

import dataclasses

import pytest

from addon.core.base.errors import PermanentError, ProviderError
from addon.core.media.types import MediaRequest
from addon.core.media.voice_choice import VOICE_OPTION
from addon.core.provider_system.media_provider import MediaProvider


def voiced(request: MediaRequest, **voices: str) -> MediaRequest:
    """``request`` naming ``voices`` ({provider name: voice}) as a target's voice does."""
    return dataclasses.replace(request, options={**request.options, VOICE_OPTION: voices})


def assert_keys_follow_the_voice(request: MediaRequest, provider: str, first: str, second: str) -> None:
    """Two requests differing only in the provider's voice are different media (and the same
    voice the same)."""
    one, other = voiced(request, **{provider: first}), voiced(request, **{provider: second})
    assert one.cache_key != other.cache_key
    assert one.cache_key != request.cache_key
    assert one.cache_key == voiced(request, **{provider: first}).cache_key


def assert_target_voice_failure(error: ProviderError, *, provider: str) -> None:
    """A target's voice that cannot be used fails this request only, naming the target's voice."""
    assert error.provider == provider
    assert f"the target's voice for {provider}" in error.message, error.message
    assert not error.provider_wide, "other targets of the same provider keep working"


def refused_target_voice(provider: MediaProvider, request: MediaRequest) -> PermanentError:
    """The error ``provider`` raises for ``request``, whose target's voice it cannot use: a failure of
    this request only (`assert_target_voice_failure`)."""
    with pytest.raises(PermanentError) as caught:
        provider.generate(request)
    assert_target_voice_failure(caught.value, provider=provider.name)
    return caught.value

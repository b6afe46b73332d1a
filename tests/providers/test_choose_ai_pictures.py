"""AI pictures for "Choose…" (issue 20 item 3): OpenAI and Runware make ``variations`` different
pictures of one prompt (OpenAI in one request with ``n`` for GPT image models, one request each for
dall-e-3; Runware in one task with ``numberResults``), the cost shown before asking is the price
times that number, and one paid provider's failure leaves the others' candidates in the list."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from addon.core.base.errors import ConfigError, TransientError
from addon.core.engine.candidates import PaidAsk, gather_candidates, paid_providers
from addon.core.job.plan import WorkItem
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from addon.providers.image.openai import OpenAIImages
from addon.providers.image.runware import RunwareImages
from tests.fakes.openai_fake import TEST_KEY as OPENAI_KEY
from tests.fakes.openai_fake import Failure, OpenAIFake, serve_openai, server_error, variant
from tests.fakes.openverse_fake import FakeImage, serve_openverse
from tests.fakes.runware_fake import DEFAULT_KEY as RUNWARE_KEY
from tests.fakes.runware_fake import RunwareFake, TaskFailure, serve_runware
from tests.support.media_samples import jpeg_bytes
from tests.support.shipped import shipped_slice

FAST = {"requests_per_minute": 60000, "retry_attempts": 0}
APPLE = MediaRequest(kind=MediaKind.IMAGE, text="a red apple, flashcard illustration")


@pytest.fixture(scope="module")
def openai_fake() -> Iterator[OpenAIFake]:
    with serve_openai() as running:
        yield running


@pytest.fixture
def openai(openai_fake: OpenAIFake) -> OpenAIFake:
    openai_fake.reset()
    return openai_fake


@pytest.fixture
def runware() -> Iterator[RunwareFake]:
    with serve_runware() as running:
        yield running


def openai_images(fake: OpenAIFake, **settings: Any) -> OpenAIImages:
    slice_ = {**shipped_slice("image", "openai"), "enabled": True, "api_key": OPENAI_KEY, "base_url": fake.url}
    return OpenAIImages({**slice_, **FAST, **settings}, environ={})


def runware_images(fake: RunwareFake, **settings: Any) -> RunwareImages:
    slice_ = {**shipped_slice("image", "runware"), "enabled": True, "api_key": RUNWARE_KEY, "base_url": fake.url}
    return RunwareImages({**slice_, **FAST, **settings}, environ={})


def test_a_gpt_image_model_makes_the_variations_in_one_request_and_the_second_is_the_second(
    openai: OpenAIFake,
) -> None:
    provider = openai_images(openai, variations=3)

    offered = provider.candidates(APPLE, limit=9)

    bodies = [json.loads(request.body) for request in openai.generation_requests()]
    assert [body["n"] for body in bodies] == [3], "one request for all the variations"
    assert [result.data for result in offered] == [variant("jpeg", n) for n in range(3)]
    assert len({result.data for result in offered}) == 3, "three different pictures"
    chosen = offered[1]
    assert chosen.data == variant("jpeg", 1) and chosen.extension == "jpg" and chosen.request is APPLE
    assert provider.candidate_count(limit=2) == 2, "never more than the list takes"
    # generate still asks for one picture
    provider.generate(APPLE)
    assert json.loads(openai.generation_requests()[-1].body)["n"] == 1


def test_dall_e_3_takes_n_1_only_so_each_variation_is_its_own_request(openai: OpenAIFake) -> None:
    openai.new_picture_each_request = True
    provider = openai_images(openai, model="dall-e-3", quality="standard", variations=3)

    offered = provider.candidates(APPLE, limit=9)

    assert [json.loads(request.body)["n"] for request in openai.generation_requests()] == [1, 1, 1]
    assert [result.data for result in offered] == [variant("png", n) for n in range(3)]
    assert len(openai.file_requests()) == 3, "dall-e-3 answers with URLs: each downloaded"


def test_a_failure_after_a_picture_keeps_it_and_a_failure_before_any_is_raised(openai: OpenAIFake) -> None:
    provider = openai_images(openai, model="dall-e-3", quality="standard", variations=3)
    openai.fail(server_error(500), times=1)
    with pytest.raises(TransientError):
        provider.candidates(APPLE, limit=9)

    openai.reset()
    made = variant("png", 5)
    answer = {"created": 1760000000, "data": [{"b64_json": base64.b64encode(made).decode()}]}  # §1.3
    openai.fail(Failure(200, json.dumps(answer).encode(), {"Content-Type": "application/json"}), times=1)
    openai.fail(server_error(500), times=2)

    offered = provider.candidates(APPLE, limit=9)

    assert [result.data for result in offered] == [made], "the picture made (and paid for) is kept"
    assert len(openai.generation_requests()) == 2, "no request after the failing one"


def test_runware_makes_the_variations_in_one_task_and_the_third_is_the_third(runware: RunwareFake) -> None:
    provider = runware_images(runware, variations=4)

    offered = provider.candidates(APPLE, limit=9)

    tasks = [json.loads(request.body) for request in runware.api_requests]
    assert [[task["numberResults"] for task in sent] for sent in tasks] == [[4]], "one request, one task"
    made = runware.served_all[APPLE.text]
    assert len(set(made)) == 4, "the fake made four different pictures"
    assert [result.data for result in offered] == made
    assert offered[2].data == made[2] and offered[2].request is APPLE
    assert all(result.provider == "runware" and result.error is None for result in offered)


def test_runware_raises_the_tasks_own_error_when_it_made_no_picture(runware: RunwareFake) -> None:
    runware.fail_prompts[APPLE.text] = TaskFailure("invalidModel", "Model is not available.", "model")
    with pytest.raises(ConfigError):
        runware_images(runware, variations=3).candidates(APPLE, limit=9)


def test_the_cost_shown_is_the_price_times_the_pictures_asked_for_and_one_failure_sinks_nothing(
    openai: OpenAIFake, runware: RunwareFake, tmp_path: Path
) -> None:
    with serve_openverse(others="empty") as openverse:
        searched = openverse.add("apple", *(FakeImage(thumb=jpeg_bytes(8 + n, 8)) for n in range(2)))
        providers: dict[str, Any] = {
            "image": {
                "openverse": {"enabled": True, "base_url": openverse.url, **FAST},
                "openai": {
                    "enabled": True, "api_key": OPENAI_KEY, "base_url": openai.url, "price_per_request": 0.04,
                    "variations": 3, **FAST,
                },
                "runware": {
                    "enabled": True, "api_key": RUNWARE_KEY, "base_url": runware.url, "price_per_request": 0.0006,
                    "variations": 5, **FAST,
                },
            }
        }  # fmt: skip
        registry = ProviderRegistry(load_config({"providers": providers}), state_dir=tmp_path)
        item = WorkItem(MediaRequest(kind=MediaKind.IMAGE, text="apple"), ("openai", "runware", "openverse"))
        try:
            asks = paid_providers(item, registry, limit=9)
            free = gather_candidates(item, registry=registry, config={}, limit=9, cancel=threading.Event())
            asked_unpaid = len(openai.generation_requests()) + len(runware.api_requests)
            openai.fail_always(server_error(500))
            paid = gather_candidates(
                item, registry=registry, config={}, limit=9, paid={"openai", "runware"}, cancel=threading.Event()
            )
        finally:
            registry.close()

    assert asks == {"openai": PaidAsk(0.04, 3), "runware": PaidAsk(0.0006, 5)}
    assert asks["openai"].describe("picture") == "about $0.12 for 3 pictures"
    assert PaidAsk(0.04, 1).describe("picture") == "about $0.04 for a picture"
    assert PaidAsk(0.0002, 9).describe("sound") == "less than $0.01 for 9 sounds", "never 'about $0.00'"
    assert [result.data for result in free.results] == [image.thumb for image in searched]
    assert "about $0.12 for 3 pictures" in free.problems["openai"]
    assert asked_unpaid == 0, "nothing paid was asked before its button"
    # asked: OpenAI fails, Runware's five and Openverse's two stay
    assert [result.provider for result in paid.results] == ["runware"] * 5 + ["openverse"] * 2
    assert [result.data for result in paid.results][:5] == runware.served_all["apple"]
    assert "openai" in paid.problems

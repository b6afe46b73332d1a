"""A provider whose program is missing (espeak-ng, piper, or a converter the audio format needs) is a
setup problem found when the plan is made, like a missing key (issue 18, item 3): the registry says
so cheaply (a PATH lookup, remembered, looked up again when the settings or PATH change), the plan's
estimate and the job use the rule's next provider, and work no provider can do is named with its
fix. How a job ends is its headline: failed, partly failed, done."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from addon.core.config.rule_drafts import rule_problems
from addon.core.config.rules import parse_rules
from addon.core.engine.generation import generate_all
from addon.core.engine.planner import plan_notes, work_no_provider_can_do
from addon.core.job.plan import SourceNote
from addon.core.job.report import JobReport
from addon.core.media.types import MediaKind
from addon.core.provider_system import media_provider
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from tests.support.streaming_fakes import STREAMING_MODULES

AUDIO = MediaKind.AUDIO
ESPEAK = shutil.which("espeak-ng")


@pytest.fixture
def registry_for() -> Iterator[Any]:
    built: list[ProviderRegistry] = []

    def make(**overrides: Any) -> ProviderRegistry:
        registry = ProviderRegistry(load_config({"provider_modules": STREAMING_MODULES, **overrides}))
        built.append(registry)
        return registry

    yield make
    for registry in built:
        registry.close()


@pytest.fixture
def no_programs_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any program started fails the test: a setup problem is found without running one."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a program was run: {args[0] if args else kwargs}")

    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)


def espeak_at(path: str | Path) -> dict[str, Any]:
    return {"audio": {"espeak": {"binary": str(path)}}}


def empty_path(tmp_path: Path) -> str:
    folder = tmp_path / "empty-bin"
    folder.mkdir(exist_ok=True)
    return str(folder)


def test_espeak_at_a_path_that_does_not_exist_is_a_setup_problem_naming_the_setting(
    registry_for: Any, tmp_path: Path, no_programs_run: None
) -> None:
    missing = tmp_path / "nowhere" / "espeak-ng"
    problem = registry_for(providers=espeak_at(missing)).setup_problem(AUDIO, "espeak")
    assert problem is not None
    assert problem.startswith(f"cannot run: the program {str(missing)!r} named by providers.audio.espeak.binary")
    assert "sudo apt install espeak-ng" in problem and "set providers.audio.espeak.binary to its full path" in problem


def test_espeak_not_on_path_is_a_setup_problem_saying_it_is_not_installed(
    registry_for: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_programs_run: None
) -> None:
    registry = registry_for()
    assert registry.setup_problem(AUDIO, "espeak") is None, "espeak-ng is installed on this machine"
    monkeypatch.setenv("PATH", empty_path(tmp_path))
    problem = registry.setup_problem(AUDIO, "espeak")
    assert problem is not None and problem.startswith(
        "cannot run: espeak-ng is not installed (no program 'espeak-ng' on PATH); install espeak-ng"
    )


def test_a_file_that_cannot_be_run_is_a_setup_problem(registry_for: Any, tmp_path: Path) -> None:
    not_executable = tmp_path / "espeak-ng"
    not_executable.write_text("#!/bin/sh\nexit 0\n")
    problem = registry_for(providers=espeak_at(not_executable)).setup_problem(AUDIO, "espeak")
    assert problem is not None and "does not exist or cannot be run" in problem


def test_the_problem_goes_when_the_settings_name_the_program(registry_for: Any, tmp_path: Path) -> None:
    registry = registry_for(providers=espeak_at(tmp_path / "espeak-ng"))
    assert registry.setup_problem(AUDIO, "espeak") is not None
    assert ESPEAK is not None
    registry.update_config(load_config({"provider_modules": STREAMING_MODULES, "providers": espeak_at(ESPEAK)}))
    assert registry.setup_problem(AUDIO, "espeak") is None


def test_the_lookup_is_remembered_and_done_again_when_path_changes(
    registry_for: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    real_which = shutil.which

    def counting_which(command: str, *args: Any, **kwargs: Any) -> str | None:
        looked_up.append(command)
        return real_which(command, *args, **kwargs)

    monkeypatch.setattr(shutil, "which", counting_which)
    registry = registry_for()
    for _ in range(5):
        assert registry.setup_problem(AUDIO, "espeak") is None
    assert looked_up.count("espeak-ng") == 1, looked_up

    monkeypatch.setenv("PATH", empty_path(tmp_path))
    assert registry.setup_problem(AUDIO, "espeak") is not None
    assert looked_up.count("espeak-ng") == 2

    monkeypatch.setattr(media_provider, "PROGRAM_RECHECK_S", 0.0)  # the answer is old: looked up again
    registry.setup_problem(AUDIO, "espeak")
    assert looked_up.count("espeak-ng") == 3

    registry.setup_problem(AUDIO, "espeak")
    registry.forget_programs()  # the Fill dialog opens: a program installed meanwhile is found
    monkeypatch.setattr(media_provider, "PROGRAM_RECHECK_S", 3600.0)
    registry.setup_problem(AUDIO, "espeak")
    assert looked_up.count("espeak-ng") == 5


def test_piper_without_its_program_says_so_before_its_voices(registry_for: Any, tmp_path: Path) -> None:
    piper = {"enabled": True, "binary": str(tmp_path / "no-piper")}
    problem = registry_for(providers={"audio": {"piper": piper}}).setup_problem(AUDIO, "piper")
    assert problem is not None and "providers.audio.piper.binary" in problem and "pip install piper-tts" in problem


@pytest.mark.parametrize(
    ("audio_format", "keep_unconverted", "with_lame", "converts"),
    [
        ("mp3", False, False, False),  # espeak makes WAV, nothing here makes MP3 of it: a problem
        ("mp3", True, False, True),  # kept as WAV: no problem
        ("mp3", False, True, True),  # espeak's own lame makes MP3
        ("wav", False, False, True),  # WAV is what the user wants
    ],
)
def test_audio_nothing_here_converts_is_a_setup_problem(
    registry_for: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    audio_format: str,
    keep_unconverted: bool,
    with_lame: bool,
    converts: bool,
) -> None:
    folder = Path(empty_path(tmp_path))
    assert ESPEAK is not None
    (folder / "espeak-ng").symlink_to(ESPEAK)
    lame = shutil.which("lame")
    if with_lame:
        assert lame is not None
        (folder / "lame").symlink_to(lame)
    monkeypatch.setenv("PATH", str(folder))
    registry = registry_for(audio_format=audio_format, keep_unconverted_audio=keep_unconverted)
    problem = registry.setup_problem(AUDIO, "espeak")
    if converts:
        assert problem is None
    else:
        assert problem is not None
        assert problem.startswith("makes wav audio and nothing here converts it to mp3 (the audio_format setting)")
        assert "install ffmpeg or lame" in problem and "keep_unconverted_audio" in problem


def audio_rule(*providers: str) -> dict[str, Any]:
    return {
        "note_type": "Basic",
        "source_field": "Front",
        "audio_field": "Back",
        "audio_providers": list(providers),
        "language": "en",
    }


def notes(*words: str) -> list[SourceNote]:
    return [SourceNote(i + 1, "Basic", {"Front": word, "Back": ""}) for i, word in enumerate(words)]


def test_the_estimate_and_the_job_use_the_rules_next_provider(registry_for: Any, tmp_path: Path) -> None:
    registry = registry_for(providers=espeak_at(tmp_path / "no-espeak"))
    plan = plan_notes(notes("apple", "pear"), parse_rules({"rules": [audio_rule("espeak", "instant_speech")]}))
    usable = lambda kind, name: registry.setup_problem(kind, name) is None  # noqa: E731

    assert plan.estimate(lambda kind, name: 0.0, usable=usable).requests == {"instant_speech": 2}
    assert work_no_provider_can_do(plan.requests_to_make(), registry.setup_problem) == []

    outcome = generate_all(plan.requests_to_make(), providers=registry, cancel=threading.Event())
    assert {result.provider for result in outcome.results.values()} == {"instant_speech"}
    assert all(result.ok for result in outcome.results.values())
    assert "providers.audio.espeak.binary" in outcome.provider_problems["espeak"]


def test_work_no_provider_can_do_is_named_with_each_fix(registry_for: Any, tmp_path: Path) -> None:
    registry = registry_for(providers=espeak_at(tmp_path / "no-espeak"))
    plan = plan_notes(notes("apple", "pear", "plum"), parse_rules({"rules": [audio_rule("piper", "espeak")]}))

    assert (
        plan.estimate(lambda kind, name: 0.0, usable=lambda k, n: registry.setup_problem(k, n) is None).requests == {}
    )
    [message] = work_no_provider_can_do(plan.requests_to_make(), registry.setup_problem)
    assert message.startswith("no sound provider of the rule can make its 3 sound requests: piper is disabled")
    assert "; espeak cannot run: the program" in message and "providers.audio.espeak.binary" in message


def test_the_dialog_blocks_a_target_only_when_none_of_its_providers_can_run(registry_for: Any, tmp_path: Path) -> None:
    registry = registry_for(providers=espeak_at(tmp_path / "no-espeak"))
    fields = ["Front", "Back"]
    with_fallback = rule_problems(audio_rule("espeak", "instant_speech"), fields, setup_problem=registry.setup_problem)
    assert with_fallback == []
    [alone] = rule_problems(audio_rule("espeak"), fields, setup_problem=registry.setup_problem)
    assert alone.provider == (AUDIO, "espeak")
    assert (
        alone.message.startswith("espeak cannot run: the program") and "providers.audio.espeak.binary" in alone.message
    )


@pytest.mark.parametrize(
    ("counts", "headline"),
    [
        ({"failed": 3}, "Fill Media failed"),
        ({"failed": 3, "skipped": 2}, "Fill Media failed"),
        ({"failed": 1, "filled": 2}, "Fill Media partly failed"),
        ({"failed": 1, "reused": 2}, "Fill Media partly failed"),
        ({"filled": 2, "skipped": 1}, "Fill Media done"),
        ({}, "Fill Media done"),
        ({"failed": 3, "cancelled": True}, "Fill Media cancelled"),
    ],
)
def test_the_headline_says_failed_or_partly_failed(counts: dict[str, Any], headline: str) -> None:
    report = JobReport(**counts)
    assert report.headline() == headline
    assert report.summary().startswith(headline + ": ")

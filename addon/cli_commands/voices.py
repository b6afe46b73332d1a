"""``python -m addon voices PROVIDER [--language LANG] [--json] [--config FILE] [--state-dir DIR]``: the voices a
sound provider offers (`voice_catalog.provider_voices`), those that speak ``LANG`` with
``--language`` (``es`` finds ``es-ES`` and ``es-419``). With ``--json``, one JSON array of objects
with ``id``, ``name``, ``languages`` (empty: every language the provider speaks), ``gender``
(``female``, ``male``, ``neutral`` or ``""``), ``provider`` and ``sample_url`` (or null); else a
table. The ``id`` is what a target's ``voice`` takes for that provider.

Exit codes: 0 when listed (also when no voice speaks the language: the output says so); 1 when the
provider was asked and failed (a refused key, a server that did not answer); 2 on bad usage or
config, an unknown provider, one without a voice list, or one that cannot be asked (no key, no
program): the message names the fix.

Thread safety: runs on the main thread of the CLI's process.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..core.base.errors import ConfigError, MediaFillError, ProviderError
from ..core.media.voice_list import Voice
from ..core.provider_system.registry import ProviderRegistry
from ..core.provider_system.voice_catalog import provider_voices
from . import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from .output import say


def add_voices_parser(commands: Any) -> argparse.ArgumentParser:
    """The ``voices`` command's parser, added to ``commands`` (the main parser's subparsers)."""
    voices: argparse.ArgumentParser = commands.add_parser("voices", help="list the voices of a sound provider")
    voices.add_argument("provider", metavar="PROVIDER", help="a sound provider, e.g. google_tts, espeak or piper")
    voices.add_argument("--language", default=None, help="only voices of this language, e.g. es or pt-BR")
    voices.add_argument(
        "--state-dir", type=Path, default=None, help="the add-on's user_files (Piper's installed voices)"
    )
    return voices


def run_voices(args: argparse.Namespace, config: dict[str, Any]) -> int:
    registry = ProviderRegistry(config, state_dir=args.state_dir)  # default: the add-on's user_files
    try:
        voices = provider_voices(registry, args.provider, language=args.language)
    except ConfigError as exc:  # unknown, no list, no key: the user's settings or words
        print(f"media-fill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProviderError as exc:
        print(f"media-fill: could not list the voices: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except MediaFillError as exc:
        print(f"media-fill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        registry.close()
    if args.json:
        say(json.dumps([voice.to_json() for voice in voices], ensure_ascii=False))
        return EXIT_OK
    for line in voice_lines(voices, provider=args.provider, language=args.language):
        say(line)
    return EXIT_OK


def voice_lines(voices: list[Voice], *, provider: str, language: str | None) -> list[str]:
    """The plain text of the list: one voice a line (id, gender, languages, name), then a count."""
    where = f" that speak {language!r}" if language else ""
    if not voices:
        advice = "; try the language alone (e.g. 'es' for 'es-MX') or leave --language out" if language else ""
        return [f"{provider} has no voices{where}{advice}."]
    width = min(max(len(voice.id) for voice in voices), 48)
    lines = [f"{'id':<{width}}  {'gender':<7}  {'languages':<20}  name"]
    for voice in voices:
        languages = ", ".join(voice.languages) or "any"
        lines.append(f"{voice.id:<{width}}  {voice.gender or '-':<7}  {languages:<20}  {voice.name}")
    lines.append(f"{len(voices)} voices of {provider}{where}; a target's voice takes the id.")
    return lines

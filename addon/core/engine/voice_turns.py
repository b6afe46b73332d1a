"""Which voice each sound target asks for, note by note, when it has several for a provider
(``"voice": {"openai_tts": ["nova", "alloy", "echo"]}``) and a ``voice_mode``:

- ``single`` (the default): the first voice, always;
- ``rotate``: the voices take turns over the job's notes in order. Every note the target applies to
  takes its turn, also one skipped because its field is already filled, so a resumed or repeated job
  gives each note the voice it had the first time and finds what it made then. The first turn is
  picked from the first note's id (as ``random`` picks), so notes filled one at a time (the editor's
  Fill, filling on add) take the voices about evenly too, not always the first;
- ``random``: a voice picked for each note from the note's id and the field, so it is spread evenly
  over the voices and the same note gets the same voice every time (again: resume and reuse hold).

The voice chosen goes into the request's options (`voice_choice.VOICE_OPTION`), so the cache key,
the reuse key and the report follow the voice actually used.

Thread safety: a `VoiceTurns` belongs to one job and is used by the thread that plans it.
"""

from __future__ import annotations

import hashlib

from ..config.targets import FieldTarget


class VoiceTurns:
    """The turn each rotating target is at, over one job (all its parts)."""

    def __init__(self) -> None:
        self._turns: dict[tuple[str, str, str], int] = {}

    def voices(self, spec: FieldTarget, *, note_type: str, note_id: int) -> dict[str, str]:
        """``{provider: voice}`` for this note, for each of the target's providers it names a voice
        for. A rotating target's turn moves on at each call, so call it once per note it applies to."""
        if not spec.voice_pool:
            return {}
        pool = {name: spec.voice_pool[name] for name in spec.providers if spec.voice_pool.get(name)}
        if not pool:
            return {}
        if spec.voice_mode == "rotate":
            key = (note_type, spec.field, spec.kind.value)
            if key not in self._turns:
                self._turns[key] = _spread(note_id, spec.field, "", max(len(v) for v in pool.values()))
            turn = self._turns[key]
            self._turns[key] = turn + 1
            return {name: voices[turn % len(voices)] for name, voices in pool.items()}
        if spec.voice_mode == "random":
            return {name: voices[_spread(note_id, spec.field, name, len(voices))] for name, voices in pool.items()}
        return {name: voices[0] for name, voices in pool.items()}


def _spread(note_id: int, field: str, provider: str, count: int) -> int:
    """A number below ``count`` that looks random but is always the same for these arguments."""
    if count == 1:
        return 0
    digest = hashlib.blake2b(f"{note_id}\x1f{field}\x1f{provider}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count

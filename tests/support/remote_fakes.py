"""The OpenAI image and speech fakes in a process of their own, as real servers are: their threads
then take no time from the process under test (what a responsiveness test must not count).

``with remote_openai_fakes(latency_s=0.04) as fakes:`` gives ``fakes.image_url`` and
``fakes.speech_url`` (base URLs ending in ``/v1``) and ``fakes.counts()`` (requests answered so far,
per fake). The child reads one command per line on stdin (``counts``), answers one JSON line, and
stops when stdin closes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


@dataclass
class RemoteFakes:
    process: subprocess.Popen[str]
    image_url: str
    speech_url: str

    def counts(self) -> dict[str, int]:
        """{"images": generation requests, "speech": speech requests} answered so far."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("counts\n")
        self.process.stdin.flush()
        counts: dict[str, int] = json.loads(self.process.stdout.readline())
        return counts


@contextmanager
def remote_openai_fakes(*, latency_s: float) -> Iterator[RemoteFakes]:
    path = str(_REPO)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.remote_fakes", str(latency_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
    )
    try:
        assert process.stdout is not None
        urls = json.loads(process.stdout.readline())
        yield RemoteFakes(process, urls["images"], urls["speech"])
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _serve(latency_s: float) -> None:
    from tests.fakes.openai_fake import serve_openai
    from tests.fakes.openai_tts_fake import serve_openai_tts

    with serve_openai() as images, serve_openai_tts() as speech:
        images.latency_s = speech.latency_s = latency_s
        print(json.dumps({"images": images.url, "speech": speech.url}), flush=True)
        for line in sys.stdin:
            if line.strip() == "counts":
                answer = {"images": len(images.generation_requests()), "speech": len(speech.speech_requests())}
                print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    _serve(float(sys.argv[1]))

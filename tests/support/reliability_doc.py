"""docs/reliability.md, written from one run of ``make faults``: the provider × fault matrix, what
each fault is and what must come of it, a message each failure gave, and the figures of the crash
runs, the hostile inputs, the security tests and the key scan.

Thread safety: a pure function of its arguments.
"""

from __future__ import annotations

from typing import Any


def _figure_lines(figures: dict[str, Any], name: str) -> list[str]:
    value = figures.get(name)
    if not isinstance(value, dict):
        return ["- (not run)"]
    return [f"- {key}: {amount:,}" for key, amount in value.items()]


def _corpus_size() -> int:
    from tests.hostile.hostile_corpus import CASES

    return len(CASES)


def _example_messages(cells: list[Any]) -> list[str]:
    """One logged failure per fault (the first provider that logged one), as users would read it."""
    from tests.faults.fault_catalogue import FAULTS

    lines = []
    for fault in FAULTS:
        for cell in cells:
            if cell.fault != fault.key:
                continue
            failures = [m for m in cell.messages if " failed for a request: " in m or "; retrying in " in m]
            if failures:
                text = failures[0].split(" failed for a request: ", 1)[-1]
                text = text.rsplit("; retrying in ", 1)[0].removeprefix(f"{cell.target}: ")
                lines.append(f"| {fault.key} | {cell.target} | {text.replace('|', '/')} |")
                break
    return lines


def render_document(
    *, matrix: str, counts: dict[str, int], figures: dict[str, Any], cells: list[Any], run: dict[str, Any]
) -> str:
    from tests.faults.fault_catalogue import FAULTS, MEDIA_CAP_MB

    not_applicable = sorted({f"{cell.target} × {cell.fault}: {cell.note}" for cell in cells if not cell.applicable})
    failed_cells = [cell for cell in cells if cell.problems]
    lines = [
        "# Reliability",
        "",
        f"Written by `make faults` on {run['date']} ({run['machine']}, Python {run['python']}); every figure "
        "below comes from that run. Do not edit by hand: run `make faults` again.",
        "",
        "## Providers under faults",
        "",
        f"{counts['providers']} HTTP providers × {counts['faults']} faults: **{counts['applicable']} cells run, "
        f"{counts['as_expected']} as expected**, {counts['not_applicable']} not applicable.",
        "",
        "Each cell is a real job (`run_headless`) on a real Anki collection: three notes whose rule asks the "
        "provider first and a backup second (espeak for speech; another image provider's fake for pictures). "
        "The provider talks over loopback HTTP to its fake server, which serves the wire formats of "
        "`../shared/provider_apis.md`, through a proxy that puts the fault in between "
        "(`tests/support/fault_proxy.py`). The job's settings: `retry_attempts` 2, `timeout_s` 1.5, "
        f"`max_media_mb` {MEDIA_CAP_MB}.",
        "",
        "Every cell checks: the outcome below; each note's field holds one reference to a whole media file of "
        "the right kind (or its credit as a comment) and never an error text; no file is left that no field "
        "references (no file is written for a failed request); the job filled all three notes and its report "
        "says so; the collection passes SQLite's integrity check; and the failure was logged with a message "
        "that says what happened.",
        "",
        "- **ok**: filled by the provider with no more requests than without the fault.",
        "- **retried → ok (+n)**: filled by the provider after n more requests (one retry; a batching "
        "provider may retry each request of a failed batch).",
        "- **fell back**: filled by the backup. A refused key, a spent quota or a forbidden request is never "
        "retried; a refused key and a spent quota stop the provider after its first answer, and the report "
        'names it ("stopped during the job: …").',
        "- **n/a**: the API has no such answer.",
        "",
        matrix,
        "",
    ]
    if failed_cells:
        lines += ["### Cells not as expected", ""]
        lines += [f"- {cell.target} × {cell.fault}: {'; '.join(cell.problems)}" for cell in failed_cells]
        lines.append("")
    if not_applicable:
        lines += ["Not applicable: " + "; ".join(not_applicable) + ".", ""]
    lines += ["### The faults", "", "| fault | what the server does | given to | expected |", "|---|---|---|---|"]
    for fault in FAULTS:
        given = "every request" if fault.times is None else "the first request"
        where = "the media answer" if fault.on == "media" else "the API request"
        lines.append(f"| {fault.key} | {fault.description} | {given} ({where}) | {fault.expect} |")
    lines += [
        "",
        "The media answer is the download for providers that answer with a URL (Wikimedia, Openverse, Forvo), "
        "and the API's answer for the others (base64 in JSON, or the audio itself).",
        "",
        "### What users read",
        "",
        "One logged failure per fault (the first provider that logged one), as the report and log show it:",
        "",
        "| fault | provider | message |",
        "|---|---|---|",
        *_example_messages(cells),
        "",
        "## Killed mid-job",
        "",
        "`python -m addon fill` is killed with SIGKILL at a seeded random point of a 60-note job (after 1 to 48 "
        "stored media): odd seeds a random while after a stored file, even seeds (serving 1 MiB files) as soon "
        "as the journal shows a file being written. Then: the collection passes SQLite's integrity check and "
        "Anki's database check, every note holds nothing or one sound tag naming a whole, correct file, every "
        "file in the media folder is whole (a file cut by the kill is allowed only until the resume), and "
        "`--resume` fills every note without asking again for media stored before the kill "
        "(`tests/cli/test_cli_crash_resume.py`).",
        "",
        *_figure_lines(figures, "crash runs"),
        "",
        "## Hostile input",
        "",
        "A corpus of hostile field texts and provider answers (HTML and script, cloze, furigana, very long "
        "text, control characters, path separators and `..`, Unicode normalization forms, RTL, emoji, "
        "hostile names and URLs returned by providers) through the planner, the providers and the store "
        "step, and property-based tests (hypothesis) of text cleaning and file naming (`tests/hostile/`).",
        "",
        f"- corpus cases: {_corpus_size()}",
        *_figure_lines(figures, "hostile input tests"),
        "",
        "## Security",
        "",
        "Static and runtime checks (`tests/security/`): TLS verification always on, downloads only over https "
        "(or from a provider's own loopback http address), subprocesses with argument lists only, config "
        "never executed, third-party providers loaded only from configured module paths.",
        "",
        *_figure_lines(figures, "security tests"),
        "",
        f"Key scan over every artifact of the run: {figures.get('key scan', '(not run)')}",
        "",
    ]
    return "\n".join(lines)

"""The store step of a big job: each chunk of results writes the reuse index in one transaction
(not one per file), and a work item's targets are let go once stored, so what the store step
holds shrinks as the job goes (issue 19's benchmark at 100,000 notes, ``make bench``)."""

from __future__ import annotations

import threading
from pathlib import Path

from anki.collection import Collection

from addon.collection.fill import generate_job, plan_job
from addon.collection.sync import CollectionSync
from addon.core.job.outcome import Finished
from addon.core.provider_system.registry import ProviderRegistry
from addon.core.provider_system.sync_provider import StoreOptions
from addon.core.state.reuse_index import ReuseIndex
from tests.support.notes_helpers import add_basic, make_config


def test_a_chunk_writes_the_reuse_index_in_one_transaction_and_lets_its_targets_go(
    col: Collection, tmp_path: Path
) -> None:
    ids = add_basic(col, "one", "two", "three", "four")
    config = make_config()
    plan = plan_job(col, ids, config)
    outcome = generate_job(plan, ProviderRegistry(config), cancel=threading.Event())
    work = {item.key: item for item in plan.unique_work()}
    finished = [Finished(work[key], result) for key, result in outcome.results.items()]
    with ReuseIndex(tmp_path / "index.sqlite3", collection_id="c") as index:
        assert len(index) == 0  # opens the file
        connection = index._db._conn
        assert connection is not None
        statements: list[str] = []
        connection.set_trace_callback(statements.append)
        sync = CollectionSync(col)
        sync.begin(plan, options=StoreOptions(reuse=index, fingerprint=lambda kind, name: "f"))
        sync.store_chunk(finished[:3])
        assert statements.count("COMMIT") == 1
        assert len(sync._pending) == 1, "the stored work items' targets are let go"
        sync.store_chunk(finished[3:])
        assert statements.count("COMMIT") == 2
        assert not sync._pending
        _, report = sync.finish(outcome)
        assert report.filled == 4 and report.not_started == 0
        assert len(index) == 4

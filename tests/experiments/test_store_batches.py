"""Runs stored together in one transaction are stored exactly as runs stored one by one, and a
run tried again replaces its earlier attempt, whether alone or in a batch."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from experiments.store import ResultsStore, RunResult, StoreReader, to_long_tables


def result(i: int, status: str = "done") -> RunResult:
    now = datetime(2026, 1, 1, 12, 0, i)
    series = pd.DataFrame({"month": [0, 1, 2], "a": [i, i + 0.5, i + 1.25], "b": [1.0, 2.0, 3.0]})
    zones = pd.DataFrame(
        {"month": [0, 1], "zone": ["centre", "rural"], "outcome": ["a", "a"], "value": [i, 2.0 * i]}
    )
    failed = status == "failed"
    return RunResult(
        f"run-{i}",
        i,
        0,
        "baseline",
        {"x": i / 10},
        1000 + i,
        status,
        "ValueError: no" if failed else None,
        "Traceback" if failed else None,
        0.5,
        "here:1",
        now,
        now,
        None if failed else series,
        zones=None if failed else zones,
    )


def everything(directory) -> dict:
    with StoreReader(directory) as reader:
        return {
            table: reader.con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in ("runs", "series", "zone_series")
        }


def bound(directory) -> ResultsStore:
    store = ResultsStore(directory, publish=False)
    store.bind(name="b", kind="sweep", fingerprint="f", design={}, points=[], planned_runs=6)
    return store


def test_a_batch_stores_the_rows_of_runs_stored_one_by_one(tmp_path):
    with bound(tmp_path / "one") as store:
        for i in range(6):
            store.record(result(i, "failed" if i == 3 else "done"))
    with bound(tmp_path / "batch") as store:
        # Made in the worker, as a pool or Dask worker makes them.
        store.record_many(
            [to_long_tables(result(i, "failed" if i == 3 else "done")) for i in range(6)]
        )
    assert everything(tmp_path / "one") == everything(tmp_path / "batch")
    assert len(everything(tmp_path / "one")["series"]) == 5 * 3 * 2


def test_a_run_tried_again_replaces_its_earlier_attempt_in_a_batch(tmp_path):
    with bound(tmp_path / "retried") as store:
        store.record_many([result(0), result(1, "failed")])
        store.record_many([result(1), result(2)])
    with bound(tmp_path / "once") as store:
        store.record_many([result(0), result(1), result(2)])
    assert everything(tmp_path / "retried") == everything(tmp_path / "once")

"""The sweep's writer stays bounded over a long sweep: DuckDB's cache has a limit, and the state a
connection keeps of the transactions it committed is given back by reopening it."""

from __future__ import annotations

import pytest

from experiments.store import ResultsStore


def test_the_writer_bounds_duckdbs_cache(tmp_path):
    import duckdb

    store = ResultsStore(tmp_path, publish=False)
    try:
        limit = store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        default = duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        store.close()
    assert limit.endswith("MiB") and float(limit.split()[0]) <= 256, (limit, default)


@pytest.mark.slow
def test_the_writer_grows_little_per_run_over_hundreds_of_runs():
    from benchmarks.memory_growth import writer_growth

    report = writer_growth(300, households=200, months=24, warm_up=20, every=10, trim=True)
    # About 40 KB a run when the connection is never reopened (benchmarks.memory_growth).
    assert report["growth_kb_per_run"] < 15, report

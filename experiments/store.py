"""The results store: one DuckDB database per experiment, written one finished run at a time.

Tables:
- `experiment`: one row — name, kind (sweep or compare), fingerprint of what
  defines the runs, the design as JSON, the number of planned runs.
- `points`: the sampled points — parameter values (JSON) and the sampler's row `x`.
- `runs`: one row per finished run — point, replication, parameters, seed,
  status (`done` or `failed`), error and traceback, duration, worker, times.
- `series`: the monthly series of every finished run, in long format
  (run_id, month, outcome, value), so that any outcome of any target fits.
- `zone_series`: the outcomes by zone of runs of the model (run_id, month,
  zone, outcome, value).
- `invocations`: each command that wrote to the store, with the git commit and
  package versions (the manifest of that invocation).

Rules:
- Only the process that runs the experiment writes; workers return their
  series and the writer stores each finished run (its row and its series) in
  one transaction. A process killed at any moment leaves only whole runs.
- Resuming plans the same runs again and skips those already in `runs`, so a
  rerun neither duplicates nor loses a run. Failed runs are kept, and run again
  only on request (`retry_failed`).
- A store belongs to one experiment: opening it with a different fingerprint
  (another design, a changed scenario) is refused rather than mixing results,
  except that more replications extend an experiment (see `bind`).
- A damaged store (truncated, corrupted bytes) is detected before anything is
  written: the writer first opens the file read-only and reads every table
  whole (DuckDB checks each block's checksum), and refuses in one line, leaving
  the file as it was. Readers make the same check.

Reading while a sweep writes: DuckDB lets one process hold a database file
for writing and no other process open it meanwhile, not even read-only. So
the writer publishes a consistent copy of the store, `experiment.live.duckdb`
next to it: after binding and then at most every few seconds between runs, it
checkpoints (everything committed goes into the main file) and copies the
file under a temporary name (with `cp`, in another process, so as not to drop
its own lock), renamed into place atomically. Readers
(`partage results show|export`, the app's Results page) open the main file
read-only when it is free, and that copy read-only when a writer holds the
file: they see the finished runs as of the last copy, never block the writer
and never touch the file it writes. The copy is removed when the writer closes.
A reader holds the main file only for the moment of a query, so a writer that
finds it held waits a few seconds for it rather than failing.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from experiments.errors import UserError
from model.messages import escaped

DATABASE_NAME = "experiment.duckdb"
HEADER_BYTES = 3 * 4096  # DuckDB's file header, then whole blocks
BLOCK_BYTES = 262144
WRITER_MEMORY_LIMIT = "256MB"  # DuckDB's cache in the sweep's writer (docs/long-sweeps.md)
REOPEN_EVERY_RUNS = 100  # the writer's connection is reopened after this many runs stored
LOCK_WAIT_S = 20.0  # how long a writer waits for a reader to let go of the file
POINTS_PER_INSERT = 10_000
SNAPSHOT_EVERY_S = 3.0  # at most this often, and at most 5 % of the writer's time, is spent copying

SCHEMA = """
CREATE TABLE IF NOT EXISTS experiment (
    name VARCHAR, kind VARCHAR, fingerprint VARCHAR, design JSON, planned_runs BIGINT,
    created_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS points (point_id INTEGER, scenario VARCHAR, params JSON, x DOUBLE[]);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR, point_id INTEGER, replication INTEGER, scenario VARCHAR, params JSON,
    seed BIGINT, status VARCHAR, error VARCHAR, traceback VARCHAR, duration_s DOUBLE,
    worker VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS series (run_id VARCHAR, month INTEGER, outcome VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS zone_series (
    run_id VARCHAR, month INTEGER, zone VARCHAR, outcome VARCHAR, value DOUBLE
);
CREATE TABLE IF NOT EXISTS invocations (started_at TIMESTAMP, argv VARCHAR, manifest JSON);
"""


class StoreError(UserError):
    """A store that cannot be opened or does not match the experiment; one line."""


class _OpenDatabase:
    """A DuckDB connection (`self.con`) closed on `close()` or at the end of a `with` block."""

    con: duckdb.DuckDBPyConnection

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class RunResult:
    """What a worker sends back for one run."""

    run_id: str
    point_id: int
    replication: int
    scenario: str
    params: dict[str, Any]
    seed: int
    status: str
    error: str | None
    traceback: str | None
    duration_s: float
    worker: str
    started_at: datetime
    finished_at: datetime
    series: pd.DataFrame | None
    zones: pd.DataFrame | None = None  # outcomes by zone: month, zone, outcome, value
    tables: tuple[pa.Table | None, pa.Table | None] | None = None  # see `long_tables`


def database_path(directory: str | Path) -> Path:
    directory = Path(directory)
    return directory if directory.suffix == ".duckdb" else directory / DATABASE_NAME


def snapshot_path(database: Path) -> Path:
    """The copy a writer publishes for readers: `experiment.live.duckdb` next to `experiment.duckdb`."""
    return database.with_suffix(".live.duckdb")


class StoreBusy(StoreError):
    """The store's file is held by another process."""


def connect(
    path: str | Path, *, read_only: bool = False, wait_s: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """Open a store's database; a lock held by another process (after `wait_s`) or damage is one line."""
    path = Path(path)
    if read_only and not path.is_file():
        raise StoreError(f"{path}: no results store here")
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            text = str(error)
            if "lock" not in text.lower():
                raise damaged(path, error) from None
            if time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            holder = text.split("(PID")[-1].split(")")[0].strip() if "(PID" in text else "?"
            raise StoreBusy(
                f"{path}: in use by another process (PID {holder}); wait for it to finish or stop it"
            ) from None
        except duckdb.Error as error:
            raise damaged(path, error) from None


def damaged(path: Path, error: BaseException | str) -> StoreError:
    """The one-line error for a store that cannot be read; the file is left as it is."""
    detail = (str(error).strip().splitlines() or [""])[0][:120]
    return StoreError(
        f"{path}: the results store is damaged ({detail}); it was left untouched: restore it from a copy, "
        "or move it away (or give another --out) to start again"
    )


def check_intact(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read every table whole, so that a truncated or corrupted block is found before any use."""
    size = path.stat().st_size
    if size < HEADER_BYTES or (size - HEADER_BYTES) % BLOCK_BYTES:
        raise damaged(
            path, f"its size, {size} bytes, is not a whole number of blocks: the file was cut"
        )
    try:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
        for (table,) in tables:
            con.execute(f'SELECT count(*), sum(hash(COLUMNS(*))) FROM "{table}"').fetchall()
    except duckdb.Error as error:
        raise damaged(path, error) from None


def open_checked(path: Path, *, read_only: bool, wait_s: float = 0.0) -> duckdb.DuckDBPyConnection:
    """A connection to an intact store; the check reads the file read-only before any writing."""
    if path.is_file():
        probe = connect(path, read_only=True, wait_s=wait_s)
        try:
            check_intact(probe, path)
        finally:
            probe.close()
        if read_only:
            return connect(path, read_only=True, wait_s=wait_s)
    return connect(path, read_only=read_only, wait_s=wait_s)


class ResultsStore(_OpenDatabase):
    """The writer's handle on an experiment's database."""

    def __init__(self, directory: str | Path, *, publish: bool = True):
        from experiments.outputs import guarded

        self.path = database_path(directory)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for written in (
            self.path,
            self.path.with_name(self.path.name + ".wal"),
            snapshot_path(self.path),
        ):
            guarded(written)
        self.con = open_checked(self.path, read_only=False, wait_s=LOCK_WAIT_S)
        self._bound_memory()
        self.con.execute(SCHEMA)
        self._recorded = 0
        self.publish = publish
        self._snapshot_due = 0.0
        self._snapshot_cost_s = 0.0

    def _bound_memory(self) -> None:
        """DuckDB caches blocks of the file up to its memory limit (by default 80 % of the machine's
        memory), so the writer would grow with the store: its cache is bounded."""
        self.con.execute(f"SET memory_limit = '{WRITER_MEMORY_LIMIT}'")

    def _reopen(self) -> None:
        """Close and reopen the connection: DuckDB keeps state of every transaction a connection
        committed (about 40 KB a run), which only closing it gives back (docs/long-sweeps.md)."""
        self.con.close()
        if not self.path.is_file():  # reopening would start an empty store
            raise deleted_while_writing(self.path)
        self.con = connect(self.path, read_only=False, wait_s=LOCK_WAIT_S)
        self._bound_memory()

    def close(self) -> None:
        self.con.close()
        if self.publish:
            with contextlib.suppress(FileNotFoundError):
                os.remove(snapshot_path(self.path))

    def __exit__(self, kind, error, trace):
        self.close()
        if kind is None and not self.path.is_file():  # deleted after the last run was written
            raise deleted_while_writing(self.path)

    # -- readers' copy

    def publish_snapshot(self, *, force: bool = False) -> None:
        """Copy the committed store for readers, at most every `SNAPSHOT_EVERY_S` (see the module's rules)."""
        if not self.publish or (not force and time.monotonic() < self._snapshot_due):
            return
        clock = time.monotonic()
        self.con.execute("CHECKPOINT")
        target = snapshot_path(self.path)
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        # Copied by another process: closing any descriptor of the file in this one would drop
        # the lock DuckDB holds on it (POSIX record locks belong to the process, not to the descriptor).
        try:
            subprocess.run(
                ["cp", str(self.path), str(partial)], check=True, timeout=600, capture_output=True
            )
            os.replace(partial, target)
        except (OSError, subprocess.SubprocessError):
            with contextlib.suppress(OSError):
                os.remove(partial)
            if self.path.is_file():
                raise StoreError(
                    f"{self.path}: cannot publish a copy for readers next to it "
                    "(the folder is full or no longer writable); finished runs are stored"
                ) from None
            raise deleted_while_writing(self.path) from None
        self._snapshot_cost_s = time.monotonic() - clock
        self._snapshot_due = time.monotonic() + max(SNAPSHOT_EVERY_S, 20 * self._snapshot_cost_s)

    # -- experiment

    def bind(
        self,
        *,
        name: str,
        kind: str,
        fingerprint: str,
        design: dict,
        points: Iterable,
        planned_runs: int,
        legacy_fingerprint: Callable[[dict], str] | None = None,
    ) -> bool:
        """Attach the store to an experiment; returns True if it was created now.

        An existing store must hold the same experiment (same fingerprint, or
        the `legacy_fingerprint` its older version recorded). The number of
        replications is not part of it: asking for more extends the experiment
        (its runs are added; the runs already finished are kept), asking for
        fewer is refused, since a store never drops finished runs.
        """
        row = self.con.execute(
            "SELECT name, fingerprint, design, planned_runs FROM experiment"
        ).fetchone()
        if row is not None:
            stored = json.loads(row[2])
            legacy = legacy_fingerprint(stored) if legacy_fingerprint is not None else None
            if row[1] not in (fingerprint, legacy):
                raise StoreError(
                    f"{self.path}: holds another experiment ({row[0]!r}, a different design or scenario); "
                    "choose another --out directory, or delete this one to start again"
                )
            before, now = stored.get("replications"), design.get("replications")
            if before is not None and now is not None and now < before:
                raise StoreError(
                    f"{self.path}: holds {before} replications of this experiment; ask for at least "
                    f"{before} (more extend it)"
                )
            if (row[1], stored, row[3]) != (fingerprint, design, planned_runs):
                self.con.execute(
                    "UPDATE experiment SET fingerprint = ?, design = ?, planned_runs = ?",
                    [fingerprint, json.dumps(design, default=str), planned_runs],
                )
            return False
        self.con.execute("BEGIN TRANSACTION")
        self.con.execute(
            "INSERT INTO experiment VALUES (?, ?, ?, ?, ?, ?)",
            [
                name,
                kind,
                fingerprint,
                json.dumps(design, default=str),
                planned_runs,
                datetime.now(),
            ],
        )
        points = iter(points)
        while chunk := list(
            itertools.islice(points, POINTS_PER_INSERT)
        ):  # memory bounded whatever the design
            frame = pd.DataFrame(
                [(p.point_id, p.scenario, json.dumps(p.params), list(p.x)) for p in chunk],
                columns=["point_id", "scenario", "params", "x"],
            )
            self.con.register("incoming_points", frame)
            self.con.execute("INSERT INTO points SELECT * FROM incoming_points")
            self.con.unregister("incoming_points")
        self.con.execute("COMMIT")
        return True

    def add_points(self, points: Iterable) -> None:
        """Add points found while the experiment runs (an optimisation's new candidates), in one
        transaction; a point already stored under its id is left as it is."""
        known = {row[0] for row in self.con.execute("SELECT point_id FROM points").fetchall()}
        fresh = [p for p in points if p.point_id not in known]
        if not fresh:
            return
        frame = pd.DataFrame(
            [(p.point_id, p.scenario, json.dumps(p.params), list(p.x)) for p in fresh],
            columns=["point_id", "scenario", "params", "x"],
        )
        self.con.execute("BEGIN TRANSACTION")
        self.con.register("incoming_points", frame)
        self.con.execute("INSERT INTO points SELECT * FROM incoming_points")
        self.con.unregister("incoming_points")
        self.con.execute("COMMIT")

    def record_invocation(self, argv: str, manifest: dict) -> None:
        self.con.execute(
            "INSERT INTO invocations VALUES (?, ?, ?)",
            [datetime.now(), argv, json.dumps(manifest, default=str)],
        )

    def finished_run_ids(
        self,
        *,
        retry_failed: bool = False,
        among: list[str] | None = None,
        any_status: bool = False,
    ) -> set[str]:
        """Runs not to run again (done, and failed unless `retry_failed`; every stored run with
        `any_status`), of `among` if given."""
        statuses = ["done"] if retry_failed else ["done", "failed"]
        where, args = f"status IN ({', '.join('?' * len(statuses))})", list(statuses)
        if any_status:
            where, args = "true", []
        if among is not None:
            where, args = where + " AND run_id IN (SELECT unnest(?::VARCHAR[]))", [*args, among]
        return {
            row[0]
            for row in self.con.execute(f"SELECT run_id FROM runs WHERE {where}", args).fetchall()
        }

    def finished_count(self, *, retry_failed: bool = False) -> int:
        statuses = ["done"] if retry_failed else ["done", "failed"]
        return self.con.execute(
            f"SELECT count(*) FROM runs WHERE status IN ({', '.join('?' * len(statuses))})",
            statuses,
        ).fetchone()[0]

    def unfinished(
        self, tasks: Iterable, *, retry_failed: bool = False, batch: int = 10_000
    ) -> Iterator:
        """The tasks still to run, looked up in batches so that memory does not grow with the design."""
        tasks = iter(tasks)
        while chunk := list(itertools.islice(tasks, batch)):
            finished = self.finished_run_ids(
                retry_failed=retry_failed, among=[t.run_id for t in chunk]
            )
            yield from (task for task in chunk if task.run_id not in finished)

    # -- runs

    def record(self, result: RunResult) -> None:
        """Store one finished run and its series in one transaction (replacing an earlier attempt)."""
        self.record_many([result])

    def record_many(self, results: list[RunResult]) -> None:
        """Store finished runs and their series in one transaction (replacing earlier attempts).

        One transaction for several runs: its commit, most of a run's cost to the writer, is paid
        once for all of them. A process killed meanwhile leaves every run of the batch unstored,
        to be run again, never part of a run."""
        if not results:
            return
        if not self.path.is_file():  # deleted while open: writes would go to an unlinked file
            raise deleted_while_writing(self.path)
        run_ids = [result.run_id for result in results]
        runs = runs_table(results)
        series, zones = (
            [table for table in tables if table is not None and table.num_rows]
            for tables in zip(*(long_tables(result) for result in results), strict=True)
        )
        self.con.execute("BEGIN TRANSACTION")
        try:
            # A failed run tried again replaces its earlier row (looked up in `runs`, which has one
            # row a run, so that the long tables are searched only when there is something to delete).
            earlier = self.finished_run_ids(retry_failed=False, among=run_ids, any_status=True)
            if earlier:
                for table in ("runs", "series", "zone_series"):
                    self.con.execute(
                        f"DELETE FROM {table} WHERE run_id IN (SELECT unnest(?::VARCHAR[]))",
                        [sorted(earlier)],
                    )
            self._insert("runs", runs)
            if series:
                self._insert("series", pa.concat_tables(series))
            if zones:
                self._insert("zone_series", pa.concat_tables(zones))
            self.con.execute("COMMIT")
        except BaseException as error:
            self._rollback()
            if _is_interrupt(error):  # DuckDB turns Ctrl-C during a statement into its own error
                raise KeyboardInterrupt from None
            if isinstance(error, duckdb.Error) and not self.path.is_file():
                raise deleted_while_writing(self.path) from None
            raise
        before, self._recorded = self._recorded, self._recorded + len(results)
        if before // REOPEN_EVERY_RUNS != self._recorded // REOPEN_EVERY_RUNS:
            self._reopen()
        self.publish_snapshot()

    def _insert(self, table: str, rows: pa.Table) -> None:
        self.con.register("incoming_rows", rows)
        try:
            self.con.execute(f"INSERT INTO {table} SELECT * FROM incoming_rows")
        finally:
            self.con.unregister("incoming_rows")

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):  # no transaction was open
            self.con.execute("ROLLBACK")


def deleted_while_writing(path: Path) -> StoreError:
    return StoreError(
        f"{escaped(path)}: the results store was deleted or moved while runs were being written "
        "into it; run the same command again to start over"
    )


def _holder(path: Path) -> str:
    """The PID that holds a database's lock, from DuckDB's message, or `?`."""
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.IOException as error:
        text = str(error)
        if "(PID" in text:
            return text.split("(PID")[-1].split(")")[0].strip()
    return "?"


def _is_interrupt(error: BaseException) -> bool:
    return isinstance(error, duckdb.InterruptException) or (
        isinstance(error, RuntimeError) and "interrupted" in str(error).lower()
    )


def series_to_long(run_id: str, frame: pd.DataFrame) -> pa.Table:
    """A wide monthly series (month + numeric outcome columns) as (run_id, month, outcome, value) rows."""
    outcomes = [
        name
        for name, dtype in frame.dtypes.items()
        if name != "month"
        and (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
    ]
    months = frame["month"].to_numpy(dtype=np.int32)
    values = frame[outcomes].to_numpy(dtype=np.float64)
    return pa.table(
        {
            "run_id": pa.array([run_id] * values.size, pa.string()),
            "month": pa.array(np.repeat(months, len(outcomes))),
            "outcome": pa.array(outcomes * len(months), pa.string()),
            "value": pa.array(values.reshape(-1)),
        }
    )


def zones_to_table(run_id: str, zones: pd.DataFrame) -> pa.Table:
    """A run's long table of outcomes by zone (month, zone, outcome, value) as (run_id, month, zone,
    outcome, value) rows, in Arrow: DuckDB reads it without walking Python strings."""
    return pa.table(
        {
            "run_id": pa.array([run_id] * len(zones), pa.string()),
            "month": pa.array(zones["month"].to_numpy()),
            "zone": pa.array(zones["zone"].astype(str).to_numpy(), pa.string()),
            "outcome": pa.array(zones["outcome"].to_numpy(), pa.string()),
            "value": pa.array(zones["value"].to_numpy(dtype=np.float64)),
        }
    )


RUN_COLUMNS = pa.schema(
    [
        ("run_id", pa.string()),
        ("point_id", pa.int32()),
        ("replication", pa.int32()),
        ("scenario", pa.string()),
        ("params", pa.string()),
        ("seed", pa.int64()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("traceback", pa.string()),
        ("duration_s", pa.float64()),
        ("worker", pa.string()),
        ("started_at", pa.timestamp("us")),
        ("finished_at", pa.timestamp("us")),
    ]
)


def runs_table(results: list[RunResult]) -> pa.Table:
    """The `runs` rows of finished runs, in Arrow (the columns of the `runs` table, in its order)."""
    rows = [
        (
            r.run_id,
            r.point_id,
            r.replication,
            r.scenario,
            json.dumps(r.params),
            r.seed,
            r.status,
            r.error,
            r.traceback,
            r.duration_s,
            r.worker,
            r.started_at,
            r.finished_at,
        )
        for r in results
    ]
    columns = list(zip(*rows, strict=True))
    return pa.table(
        [pa.array(values, field.type) for values, field in zip(columns, RUN_COLUMNS, strict=True)],
        schema=RUN_COLUMNS,
    )


def long_tables(result: RunResult) -> tuple[pa.Table | None, pa.Table | None]:
    """A run's series and outcomes by zone as the store's long Arrow tables, made once: a worker
    makes them (`to_long_tables`) so that the writer only inserts them."""
    if result.tables is None:
        result.tables = (
            series_to_long(result.run_id, result.series) if result.series is not None else None,
            zones_to_table(result.run_id, result.zones)
            if result.zones is not None and len(result.zones)
            else None,
        )
    return result.tables


def to_long_tables(result: RunResult) -> RunResult:
    """The result with its long tables made and its outcomes by zone dropped (the writer needs only
    the table): done in the worker, where it costs no time to the writer."""
    long_tables(result)
    result.zones = None
    return result


# --------------------------------------------------------------------------- reading


class StoreReader(_OpenDatabase):
    """Read-only queries on a store, for analysis and export."""

    def __init__(self, directory: str | Path):
        self.path = database_path(directory)
        self.live = False  # True when reading the copy a running writer publishes
        self.snapshot_time: datetime | None = None
        self.con = self._open()
        row = self.con.execute(
            "SELECT name, kind, fingerprint, design, planned_runs FROM experiment"
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: the store holds no experiment yet")
        self.name, self.kind, self.fingerprint = row[0], row[1], row[2]
        self.design = json.loads(row[3])
        self.planned_runs = int(row[4])

    def _open(self) -> duckdb.DuckDBPyConnection:
        """The main file when it is free, else the writer's published copy (retried if the writer just closed)."""
        copy = snapshot_path(self.path)
        for _ in range(3):
            try:
                return open_checked(self.path, read_only=True)
            except StoreBusy:
                try:
                    con = open_checked(copy, read_only=True)
                except StoreError:
                    if copy.exists():
                        raise
                    time.sleep(0.3)  # the writer may be closing, or not have published yet
                    continue
                except FileNotFoundError:  # the writer closed, and removed its copy, meanwhile
                    continue
                try:
                    published = copy.stat().st_mtime
                except FileNotFoundError:  # likewise, just after the copy was opened
                    con.close()
                    continue
                self.live = True
                self.snapshot_time = datetime.fromtimestamp(published)
                return con
        raise StoreBusy(
            f"{self.path}: in use by another process (PID {_holder(self.path)}) that has not yet "
            "published a copy for readers; try again in a few seconds"
        )

    def status_counts(self) -> dict[str, int]:
        return dict(
            self.con.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall()
        )

    def runs(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM runs ORDER BY run_id").df()

    def points(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM points ORDER BY point_id").df()

    def zone_values(
        self, month: int | None = None, outcomes: list[str] | None = None
    ) -> pd.DataFrame:
        """Outcomes by zone of finished runs at one month (default: each run's last): one row per
        (run, zone, outcome) with the run's scenario and replication. Empty for older stores."""
        has_table = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'zone_series'"
        ).fetchone()[0]
        if not has_table:
            return pd.DataFrame(
                columns=["run_id", "replication", "scenario", "month", "zone", "outcome", "value"]
            )
        where, args = [], []
        if outcomes:
            where.append(f"z.outcome IN ({', '.join('?' * len(outcomes))})")
            args += list(outcomes)
        if month is None:
            where.append(
                "z.month = (SELECT max(month) FROM zone_series m WHERE m.run_id = z.run_id)"
            )
        else:
            where.append("z.month = ?")
            args.append(int(month))
        return self.con.execute(
            f"""SELECT z.run_id, r.replication, r.scenario, z.month, z.zone, z.outcome, z.value
                FROM zone_series z JOIN runs r USING (run_id)
                WHERE r.status = 'done' AND {" AND ".join(where)}
                ORDER BY z.run_id, z.zone, z.outcome""",
            args,
        ).df()

    def zone_history(self, zone: str, outcomes: list[str]) -> pd.DataFrame:
        """One zone's outcomes every month of the finished runs: one row per (run, month, outcome)
        with the run's scenario and replication. Empty for older stores."""
        columns = ["run_id", "replication", "scenario", "month", "zone", "outcome", "value"]
        has_table = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'zone_series'"
        ).fetchone()[0]
        if not has_table or not outcomes:
            return pd.DataFrame(columns=columns)
        return self.con.execute(
            f"""SELECT z.run_id, r.replication, r.scenario, z.month, z.zone, z.outcome, z.value
                FROM zone_series z JOIN runs r USING (run_id)
                WHERE r.status = 'done' AND z.zone = ?
                  AND z.outcome IN ({", ".join("?" * len(outcomes))})
                ORDER BY z.run_id, z.month, z.outcome""",
            [zone, *outcomes],
        ).df()

    def outcomes(self) -> list[str]:
        return [
            r[0]
            for r in self.con.execute("SELECT DISTINCT outcome FROM series ORDER BY 1").fetchall()
        ]

    def check_outcomes(self, outcomes: Iterable[str]) -> list[str]:
        available = self.outcomes()
        for outcome in outcomes:
            if outcome not in available:
                raise StoreError(
                    f"{self.path}: no outcome {outcome!r}; available: {', '.join(available) or 'none yet'}"
                )
        return list(outcomes)

    def horizon_values(self, outcomes: list[str]) -> pd.DataFrame:
        """Each finished run's outcomes at its last month: one row per run, one column per outcome."""
        self.check_outcomes(outcomes)
        frame = self.con.execute(
            f"""
            WITH wanted AS (SELECT * FROM series WHERE outcome IN ({", ".join("?" * len(outcomes))})),
                 horizon AS (SELECT run_id, max(month) AS month FROM wanted GROUP BY run_id)
            SELECT r.run_id, r.point_id, r.replication, r.scenario, w.outcome, w.value
            FROM runs r JOIN horizon h USING (run_id) JOIN wanted w USING (run_id, month)
            WHERE r.status = 'done'
            """,
            list(outcomes),
        ).df()
        wide = frame.pivot_table(
            index=["run_id", "point_id", "replication", "scenario"],
            columns="outcome",
            values="value",
        ).reset_index()
        wide.columns.name = None
        return wide.sort_values("run_id").reset_index(drop=True)

    def series_wide(self, outcomes: list[str] | None = None) -> pd.DataFrame:
        """Monthly series of finished runs, one row per (run, month), one column per outcome."""
        where, args = "", []
        if outcomes:
            self.check_outcomes(outcomes)
            where, args = f"WHERE s.outcome IN ({', '.join('?' * len(outcomes))})", list(outcomes)
        frame = self.con.execute(
            f"""SELECT r.run_id, r.point_id, r.replication, r.scenario, r.seed, s.month, s.outcome, s.value
                FROM series s JOIN runs r USING (run_id) {where}""",
            args,
        ).df()
        wide = frame.pivot_table(
            index=["run_id", "point_id", "replication", "scenario", "seed", "month"],
            columns="outcome",
            values="value",
        ).reset_index()
        wide.columns.name = None
        return wide.sort_values(["run_id", "month"]).reset_index(drop=True)


def parameter_columns(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """`key` and one column per parameter (named by its dotted path) from a frame's `params` JSON column."""
    values = pd.DataFrame(
        [json.loads(p) if isinstance(p, str) else (p or {}) for p in frame["params"]],
        index=frame.index,
    )
    taken = set(frame.columns) - {"params"}
    values.columns = [f"param:{name}" if name in taken else name for name in values.columns]
    return pd.concat([frame[[key]], values], axis=1)


def with_parameter_columns(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The frame with its `params` JSON replaced by one column per parameter, in its place."""
    position = list(frame.columns).index("params")
    columns = parameter_columns(frame, key).drop(columns=[key])
    return pd.concat([frame.iloc[:, :position], columns, frame.iloc[:, position + 1 :]], axis=1)


def export_series(reader: StoreReader, path: Path) -> Path:
    """The monthly series of every finished run, one row per (run, month), with the run's parameters.

    Columns: scenario, point_id, replication, seed, one column per parameter,
    run_id, month, then one column per outcome — one table that pandas or R
    can group by parameter without a join. Written by DuckDB, run by run, from
    the long table.
    """
    runs = reader.con.execute("SELECT run_id, params FROM runs").df()
    parameters = parameter_columns(runs, "run_id")
    names = [column for column in parameters.columns if column != "run_id"]
    reader.con.register("run_parameters", parameters)
    try:
        chosen = "".join(f', p."{name}"' for name in names)
        sql = f"""WITH wide AS (
                      PIVOT (SELECT s.run_id, s.month, s.outcome, s.value FROM series s)
                      ON outcome USING first(value))
                  SELECT r.scenario, r.point_id, r.replication, r.seed{chosen}, wide.*
                  FROM wide JOIN runs r USING (run_id) JOIN run_parameters p USING (run_id)
                  ORDER BY run_id, month"""
        reader.con.execute(f"COPY ({sql}) TO '{sql_path(path)}' (FORMAT parquet)")
    finally:
        reader.con.unregister("run_parameters")
    return path


def sql_path(path: Path) -> str:
    """A path quoted as a DuckDB string literal."""
    return str(path).replace("'", "''")

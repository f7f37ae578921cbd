"""The results store: one DuckDB database per experiment, written one finished run at a time.

Tables:
- `experiment`: one row — name, kind (sweep or compare), fingerprint of what
  defines the runs, the design as JSON, the number of planned runs.
- `points`: the sampled points — parameter values (JSON) and the sampler's row `x`.
- `runs`: one row per finished run — point, replication, parameters, seed,
  status (`done` or `failed`), error and traceback, duration, worker, times.
- `series`: the monthly series of every finished run, in long format
  (run_id, month, outcome, value), so that any outcome of any target fits.
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
  (another design, a changed scenario) is refused rather than mixing results.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from experiments.errors import UserError

DATABASE_NAME = "experiment.duckdb"

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


def database_path(directory: str | Path) -> Path:
    directory = Path(directory)
    return directory if directory.suffix == ".duckdb" else directory / DATABASE_NAME


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a store's database, turning a lock held by another process into a one-line error."""
    path = Path(path)
    if read_only and not path.is_file():
        raise StoreError(f"{path}: no results store here")
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        text = str(error)
        if "lock" in text.lower():
            holder = text.split("(PID")[-1].split(")")[0].strip() if "(PID" in text else "?"
            raise StoreError(
                f"{path}: in use by another process (PID {holder}); wait for it to finish or stop it"
            ) from None
        raise StoreError(f"{path}: cannot open: {text.splitlines()[0]}") from None


class ResultsStore(_OpenDatabase):
    """The writer's handle on an experiment's database."""

    def __init__(self, directory: str | Path):
        self.path = database_path(directory)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect(self.path)
        self.con.execute(SCHEMA)
        self._recorded = {row[0] for row in self.con.execute("SELECT run_id FROM runs").fetchall()}

    # -- experiment

    def bind(self, *, name: str, kind: str, fingerprint: str, design: dict, points: Iterable,
             planned_runs: int) -> bool:
        """Attach the store to an experiment; returns True if it was created now.

        An existing store must hold the same experiment (same fingerprint).
        """
        row = self.con.execute("SELECT name, fingerprint FROM experiment").fetchone()
        if row is not None:
            if row[1] != fingerprint:
                raise StoreError(
                    f"{self.path}: holds another experiment ({row[0]!r}, a different design or scenario); "
                    "choose another --out directory, or delete this one to start again"
                )
            return False
        frame = pd.DataFrame(
            [(p.point_id, p.scenario, json.dumps(p.params), list(p.x)) for p in points],
            columns=["point_id", "scenario", "params", "x"],
        )
        self.con.execute("BEGIN TRANSACTION")
        self.con.execute(
            "INSERT INTO experiment VALUES (?, ?, ?, ?, ?, ?)",
            [name, kind, fingerprint, json.dumps(design, default=str), planned_runs, datetime.now()],
        )
        self.con.register("incoming_points", frame)
        self.con.execute("INSERT INTO points SELECT * FROM incoming_points")
        self.con.unregister("incoming_points")
        self.con.execute("COMMIT")
        return True

    def record_invocation(self, argv: str, manifest: dict) -> None:
        self.con.execute(
            "INSERT INTO invocations VALUES (?, ?, ?)",
            [datetime.now(), argv, json.dumps(manifest, default=str)],
        )

    def finished_run_ids(self, *, retry_failed: bool = False) -> set[str]:
        statuses = ("done",) if retry_failed else ("done", "failed")
        rows = self.con.execute(
            f"SELECT run_id FROM runs WHERE status IN ({', '.join('?' * len(statuses))})", list(statuses)
        ).fetchall()
        return {row[0] for row in rows}

    # -- runs

    def record(self, result: RunResult) -> None:
        """Store one finished run and its series in one transaction (replacing an earlier attempt)."""
        long = series_to_long(result.run_id, result.series) if result.series is not None else None
        self.con.execute("BEGIN TRANSACTION")
        try:
            if result.run_id in self._recorded:  # a failed run tried again
                self.con.execute("DELETE FROM runs WHERE run_id = ?", [result.run_id])
                self.con.execute("DELETE FROM series WHERE run_id = ?", [result.run_id])
            self.con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    result.run_id, result.point_id, result.replication, result.scenario,
                    json.dumps(result.params), result.seed, result.status, result.error,
                    result.traceback, result.duration_s, result.worker, result.started_at,
                    result.finished_at,
                ],
            )
            if long is not None and long.num_rows:
                self.con.register("incoming_series", long)
                self.con.execute("INSERT INTO series SELECT * FROM incoming_series")
                self.con.unregister("incoming_series")
            self.con.execute("COMMIT")
        except BaseException as error:
            self._rollback()
            if _is_interrupt(error):  # DuckDB turns Ctrl-C during a statement into its own error
                raise KeyboardInterrupt from None
            raise
        self._recorded.add(result.run_id)

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):  # no transaction was open
            self.con.execute("ROLLBACK")


def _is_interrupt(error: BaseException) -> bool:
    return isinstance(error, duckdb.InterruptException) or (
        isinstance(error, RuntimeError) and "interrupted" in str(error).lower()
    )


def series_to_long(run_id: str, frame: pd.DataFrame) -> pa.Table:
    """A wide monthly series (month + numeric outcome columns) as (run_id, month, outcome, value) rows."""
    outcomes = [c for c in frame.columns if c != "month" and _is_numeric(frame[c])]
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


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


# --------------------------------------------------------------------------- reading


class StoreReader(_OpenDatabase):
    """Read-only queries on a store, for analysis and export."""

    def __init__(self, directory: str | Path):
        self.path = database_path(directory)
        self.con = connect(self.path, read_only=True)
        row = self.con.execute("SELECT name, kind, fingerprint, design, planned_runs FROM experiment").fetchone()
        if row is None:
            raise StoreError(f"{self.path}: the store holds no experiment yet")
        self.name, self.kind, self.fingerprint = row[0], row[1], row[2]
        self.design = json.loads(row[3])
        self.planned_runs = int(row[4])

    def status_counts(self) -> dict[str, int]:
        return dict(self.con.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())

    def runs(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM runs ORDER BY run_id").df()

    def points(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM points ORDER BY point_id").df()

    def outcomes(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT outcome FROM series ORDER BY 1").fetchall()]

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
            WITH wanted AS (SELECT * FROM series WHERE outcome IN ({', '.join('?' * len(outcomes))})),
                 horizon AS (SELECT run_id, max(month) AS month FROM wanted GROUP BY run_id)
            SELECT r.run_id, r.point_id, r.replication, r.scenario, w.outcome, w.value
            FROM runs r JOIN horizon h USING (run_id) JOIN wanted w USING (run_id, month)
            WHERE r.status = 'done'
            """,
            list(outcomes),
        ).df()
        wide = frame.pivot_table(
            index=["run_id", "point_id", "replication", "scenario"], columns="outcome", values="value"
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
            columns="outcome", values="value",
        ).reset_index()
        wide.columns.name = None
        return wide.sort_values(["run_id", "month"]).reset_index(drop=True)


def export_series(reader: StoreReader, path: Path) -> Path:
    """The monthly series of every finished run, one row per (run, month), written by DuckDB."""
    sql = """PIVOT (SELECT r.scenario, r.point_id, r.replication, r.seed, s.run_id, s.month, s.outcome, s.value
                    FROM series s JOIN runs r USING (run_id))
             ON outcome USING first(value) ORDER BY run_id, month"""
    reader.con.execute(f"COPY ({sql}) TO '{sql_path(path)}' (FORMAT parquet)")
    return path


def sql_path(path: Path) -> str:
    """A path quoted as a DuckDB string literal."""
    return str(path).replace("'", "''")

"""An experiment's store read without DuckDB knowledge (`partage results show|export`).

`show` describes the experiment, its progress and the errors of failed runs.
`export` writes Parquet files for pandas, R or Arrow users: `runs.parquet`
(one row per finished run), `points.parquet` (the sampled points),
`series.parquet` (one row per run and month, one column per outcome),
`zones.parquet` (outcomes by zone: run, scenario, replication, month, zone,
outcome, value; when the runs have zones) and `design.json`. Parameters are
columns, one per parameter named by its dotted path (`param:NAME` if that name
is already a column), in the runs, points and series tables, so that the series
can be grouped by parameter without a join.
"""

from __future__ import annotations

import json
from pathlib import Path

from experiments.outputs import guarded
from experiments.report import markdown_table
from experiments.store import StoreReader, export_series, sql_path, with_parameter_columns


def show(directory: str | Path) -> str:
    with StoreReader(directory) as reader:
        counts = reader.status_counts()
        finished = sum(counts.values())
        lines = [
            f"experiment {reader.name} ({reader.kind}), store {reader.path}",
            *(
                [f"being written: as of {reader.snapshot_time:%H:%M:%S}, the writer's latest copy"]
                if reader.live
                else []
            ),
            f"runs: {finished} of {reader.planned_runs} finished — "
            + ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
            + (
                f"; {reader.planned_runs - finished} to run (rerun the command to resume)"
                if finished < reader.planned_runs
                else ""
            ),
        ]
        failed = reader.con.execute(
            """SELECT error, count(*) AS runs, min(run_id) AS first_run FROM runs WHERE status = 'failed'
               GROUP BY error ORDER BY runs DESC LIMIT 10"""
        ).df()
        if len(failed):
            lines += ["failed runs by error:", markdown_table(failed)]
        durations = reader.con.execute(
            "SELECT avg(duration_s), sum(duration_s), count(DISTINCT worker) FROM runs"
        ).fetchone()
        if durations[0] is not None:
            lines.append(
                f"mean run time {durations[0]:.2f} s, {durations[1]:.0f} s of compute "
                f"on {durations[2]} worker processes"
            )
        outcomes = reader.outcomes()
        lines.append(
            f"outcomes ({len(outcomes)}; units and meanings: `partage outcomes`): {', '.join(outcomes)}"
        )
    return "\n".join(lines)


def export(directory: str | Path, out: str | Path) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with StoreReader(directory) as reader:
        written = []
        for table, key in (("runs", "run_id"), ("points", "point_id")):
            path = guarded(out / f"{table}.parquet")
            frame = with_parameter_columns(
                reader.con.execute(f"SELECT * FROM {table} ORDER BY 1").df(), key
            )
            reader.con.register("exported", frame)
            try:
                reader.con.execute(
                    f"COPY (SELECT * FROM exported) TO '{sql_path(path)}' (FORMAT parquet)"
                )
            finally:
                reader.con.unregister("exported")
            written.append(path)
        written.append(export_series(reader, guarded(out / "series.parquet")))
        zones = (
            reader.con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'zone_series'"
            ).fetchone()[0]
            and reader.con.execute("SELECT count(*) FROM zone_series").fetchone()[0]
        )
        if zones:
            path = guarded(out / "zones.parquet")
            reader.con.execute(
                f"""COPY (SELECT z.run_id, r.scenario, r.point_id, r.replication, z.month, z.zone,
                                 z.outcome, z.value
                          FROM zone_series z JOIN runs r USING (run_id) ORDER BY ALL)
                    TO '{sql_path(path)}' (FORMAT parquet)"""
            )
            written.append(path)
        design = guarded(out / "design.json")
        design.write_text(
            json.dumps(
                {
                    "name": reader.name,
                    "kind": reader.kind,
                    "fingerprint": reader.fingerprint,
                    "design": reader.design,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        written.append(design)
    return written

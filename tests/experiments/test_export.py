"""`results export`: parameters as columns, and series joined to their parameters, ready for pandas and R."""

from __future__ import annotations

import pandas as pd

from experiments.results import export
from experiments.sweep import run_sweep


def test_export_gives_one_column_per_parameter_and_series_with_their_parameters(
    diffusion_design, tmp_path
):
    run_sweep(
        diffusion_design(replications=2, households=300, months=3),
        out=tmp_path / "sweep",
        progress=False,
    )
    export(tmp_path / "sweep", tmp_path / "parquet")
    runs = pd.read_parquet(tmp_path / "parquet" / "runs.parquet")
    points = pd.read_parquet(tmp_path / "parquet" / "points.parquet")
    series = pd.read_parquet(tmp_path / "parquet" / "series.parquet")

    for table in (runs, points, series):
        assert "params" not in table.columns
        assert pd.api.types.is_float_dtype(table["awareness_p"]) and pd.api.types.is_float_dtype(
            table["awareness_q"]
        )
    assert sorted(points["awareness_p"].unique()) == [0.01, 0.03, 0.05]
    assert len(series) == 12 * 3
    # Ready to group by parameter, without a join: the final adoption by point, one value per replication.
    final = series[series["month"] == series["month"].max()]
    by_point = final.groupby(["awareness_p", "awareness_q"])["adoption_share"].count()
    assert len(by_point) == 6 and (by_point == 2).all()
    joined = runs[["run_id", "awareness_p", "awareness_q"]].merge(
        series[["run_id", "awareness_p", "awareness_q"]].drop_duplicates(),
        on="run_id",
        suffixes=("", "_series"),
    )
    assert (joined["awareness_p"] == joined["awareness_p_series"]).all()
    assert (joined["awareness_q"] == joined["awareness_q_series"]).all()

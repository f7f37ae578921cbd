"""`partage run`: the column contract, the files it writes, and its overrides."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cli.main import main

MODES = ("own", "rent", "share", "forgo", "lenders", "aware", "stock")


def test_run_writes_series_with_the_column_contract_and_a_manifest(tmp_path, baseline_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "run",
            str(baseline_path),
            "--households",
            "300",
            "--months",
            "6",
            "--seed",
            "3",
            "--set",
            "goods.car.purchase_eur=20000",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    series = pd.read_parquet(out / "series.parquet")
    assert list(series["month"]) == list(range(7))
    for good in ("car", "drill", "lawnmower"):
        for column in MODES:
            assert f"{good}.{column}" in series.columns
    for column in (
        "trust.mean",
        "spending.mean_eur",
        "spending.q1_eur",
        "spending.q5_eur",
        "emissions.stock_t",
        "emissions.purchases_t",
        "ties.created",
        "uses.unmet",
        "public.spend_eur",
    ):
        assert column in series.columns
    csv = pd.read_csv(out / "series.csv")
    pd.testing.assert_frame_equal(csv, series, check_dtype=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["households"] == 300
    assert manifest["scenario"]["goods"]["car"]["purchase_eur"] == 20000
    assert "mesa" in manifest["packages"] and "commit" in manifest["git"]
    assert "households share at least one good" in capsys.readouterr().out


def test_run_rejects_a_bad_override_in_one_line(baseline_path, capsys):
    assert main(["run", str(baseline_path), "--set", "network.kind=ring", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "network.kind = 'ring'" in err and "well-mixed" in err


def test_plot_adoption_draws_a_png(tmp_path, baseline_path):
    run = tmp_path / "base"
    main(
        [
            "run",
            str(baseline_path),
            "--households",
            "200",
            "--months",
            "3",
            "--out",
            str(run),
            "--quiet",
        ]
    )
    png = tmp_path / "adoption.png"
    assert main(["plot-adoption", str(run), "--out", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_plot_adoption_explains_a_missing_run(tmp_path):
    from model.scenario import ScenarioError

    with pytest.raises(ScenarioError, match="no series.parquet"):
        from cli.plot_adoption import plot_command

        plot_command(type("Args", (), {"runs": [tmp_path], "out": tmp_path / "x.png"})())


def test_an_option_of_its_own_is_named_as_typed_not_as_a_set(baseline_path, capsys):
    assert main(["run", str(baseline_path), "--households", "5", "--months", "2", "-q"]) == 2
    err = capsys.readouterr().err
    assert "(--households): households = 5" in err and "--set" not in err
    assert main(["run", str(baseline_path), "--set", "households=5", "--months", "2", "-q"]) == 2
    assert "(--set households): households = 5" in capsys.readouterr().err

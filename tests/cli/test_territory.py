"""Territories from data through the command line: import, show, run by zone, compare by zone, maps."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib.colorbar
import pandas as pd
import pytest
from PIL import Image

from cli.main import main
from experiments.store import StoreReader

ROOT = Path(__file__).resolve().parents[2]
BORDEAUX = ROOT / "data" / "bordeaux-metropole"


def test_import_reproduces_the_shipped_bordeaux_scenario(tmp_path):
    scenarios = tmp_path / "scenarios"
    shutil.copytree(ROOT / "data", tmp_path / "data")
    scenarios.mkdir()
    shutil.copy(ROOT / "scenarios" / "baseline.toml", scenarios)
    out = scenarios / "bordeaux_metropole.toml"
    code = main(
        [
            "territory",
            "import",
            str(tmp_path / "data/bordeaux-metropole/communes.geojson"),
            "--figures",
            str(tmp_path / "data/bordeaux-metropole/communes.csv"),
            "--key",
            "code",
            "--name",
            "nom",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert out.read_text(encoding="utf-8") == (
        ROOT / "scenarios" / "bordeaux_metropole.toml"
    ).read_text(encoding="utf-8")


def test_a_failed_import_writes_nothing(tiny_territory, capsys):
    tiny_territory.rows[1] = "B,Bravo,-3,0.2,2600"
    tiny_territory.write()
    out = tiny_territory.folder / "imported.toml"
    code = main(
        [
            "territory",
            "import",
            str(tiny_territory.polygons),
            "--figures",
            str(tiny_territory.figures),
            "--key",
            "code",
            "--name",
            "name",
            "--out",
            str(out),
            "--income-per",
            "household",
        ]
    )
    assert code == 2
    assert "households = -3: out of range" in capsys.readouterr().err
    assert sorted(p.name for p in tiny_territory.folder.iterdir()) == [
        "figures.csv",
        "tiny.toml",
        "zones.geojson",
    ]


def test_import_asks_what_the_income_is_per_when_the_column_does_not_say(tiny_territory, capsys):
    tiny_territory.header = tiny_territory.header.replace(
        "median_income_eur_per_month", "median_income"
    )
    tiny_territory.write()
    code = main(
        [
            "territory",
            "import",
            str(tiny_territory.polygons),
            "--figures",
            str(tiny_territory.figures),
            "--key",
            "code",
            "--name",
            "name",
            "--out",
            str(tiny_territory.folder / "x.toml"),
        ]
    )
    assert code == 2
    assert "--income-per household|consumption_unit" in capsys.readouterr().err


def test_show_prints_zones_and_filled_defaults_and_writes_a_map(tmp_path, capsys):
    out = tmp_path / "zones.png"
    assert (
        main(
            [
                "territory",
                "show",
                str(ROOT / "scenarios" / "bordeaux_metropole.toml"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "Cenon" in printed and "420,263 households" in printed
    assert "zone_defaults.digital_access_share of the zone's kind" in printed
    assert "density 2,943 households/km2 >= 750" in printed  # Bordeaux is dense
    assert out.stat().st_size > 10_000


def test_run_writes_outcomes_by_zone_and_map_draws_them(
    tiny_territory, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(tiny_territory.scenario),
                "--households",
                "800",
                "--months",
                "3",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    assert "for the territory (11,200 households)" in capsys.readouterr().out
    zones = pd.read_parquet(out / "zones.parquet")
    assert list(zones.columns) == ["month", "zone", "outcome", "value"]
    assert set(zones["zone"]) == {"A", "B", "C", "D"}
    labels = []
    real_set_label = matplotlib.colorbar.Colorbar.set_label
    monkeypatch.setattr(
        matplotlib.colorbar.Colorbar,
        "set_label",
        lambda bar, label, **kw: labels.append(label) or real_set_label(bar, label, **kw),
    )
    assert main(["map", str(out), "--outcome", "car.without.share", "--month", "0"]) == 0
    drawn = out / "map-car.without.share-month0.png"
    assert drawn.stat().st_size > 5_000
    # shares are drawn in percent, and the colour bar says so
    assert labels and labels[-1].endswith("(%)"), labels
    # the title names the outcome in words, never its column name, in the language asked
    title = Image.open(drawn).text["Title"]
    assert "car.without.share" not in title and "households without a car" in title, title
    french = tmp_path / "carte.png"
    assert (
        main(
            [
                "map",
                str(out),
                "--outcome",
                "car.without.share",
                "--lang",
                "fr",
                "--out",
                str(french),
            ]
        )
        == 0
    )
    title = Image.open(french).text["Title"]
    assert "car.without.share" not in title and "sans voiture" in title and "au mois 3" in title, (
        title
    )
    assert main(["map", str(out), "--outcome", "car.nothing"]) == 2
    assert "no such outcome by zone; allowed:" in capsys.readouterr().err


def test_compare_reports_differences_by_zone_and_maps_them(tiny_territory, tmp_path):
    policy = tiny_territory.folder / "policy.toml"
    policy.write_text(
        'extends = "tiny.toml"\nname = "fee"\n\n[policies.fee]\nkind = "ownership_cost"\n'
        'goods = ["car"]\nzones = ["west"]\neur_per_month = 3000\n',
        encoding="utf-8",
    )
    out = tmp_path / "compare"
    assert (
        main(
            [
                "compare",
                str(tiny_territory.scenario),
                str(policy),
                "-r",
                "2",
                "--households",
                "600",
                "--months",
                "4",
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    with StoreReader(out) as reader:
        stored = reader.zone_values(outcomes=["car.share"])
    assert len(stored) == 2 * 2 * 4  # scenarios x replications x zones
    table = pd.read_csv(out / "zone_comparison.csv", dtype={"zone": str})
    fee = table[(table["scenario"] == "fee") & (table["outcome"] == "car.own")].set_index("zone")
    assert fee.loc[["A", "B"], "diff"].lt(0).all()  # owning costs more in the group's zones
    assert fee["diff_low"].notna().all()
    assert main(["map", str(out), "--outcome", "car.own", "--month", "4"]) == 0
    assert (out / "map-car.own-month4-fee.png").is_file()
    assert main(["results", "export", str(out), "--out", str(tmp_path / "export")]) == 0
    exported = pd.read_parquet(tmp_path / "export" / "zones.parquet")
    assert set(exported["zone"]) == {"A", "B", "C", "D"} and exported["run_id"].nunique() == 4


@pytest.mark.parametrize("scenario", ["bordeaux_metropole", "bordeaux_rive_droite"])
def test_shipped_bordeaux_scenarios_run(scenario):
    from model.simulate import simulate

    series = simulate(ROOT / "scenarios" / f"{scenario}.toml", households=1500, months=2)
    assert series["real.households"].iloc[0] == pytest.approx(420_263)
    assert series.attrs["zones"]["zone"].nunique() == 28

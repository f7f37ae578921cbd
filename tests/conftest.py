"""Shared fixtures: small territories built from the baseline with overrides."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


def run_python(script: str) -> subprocess.CompletedProcess:
    """`python -c script` from the repository, its output captured."""
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def baseline_path() -> Path:
    return BASELINE


@pytest.fixture
def tiny():
    """A factory of small baseline scenarios: `tiny(households=300, months=12, **{path: value})`."""
    from model.scenario import load_scenario

    def make(households: int = 300, months: int = 12, **overrides):
        return load_scenario(BASELINE, {"households": households, "months": months, **overrides})

    return make


# --------------------------------------------------------------------------- a tiny territory from data
# Four zones with known figures, in Lambert-93 metres: A, B and C are 2 km squares side by side (A
# touches B, B touches C); D is a square 10 km away, touching none. The polygons file declares
# EPSG:2154, so the reader has to reproject it.

X0, Y0 = 700_000.0, 6_400_000.0  # near Bordeaux in Lambert-93
SIDE_M = 2_000.0

FIGURES = [
    # key, name, households, car-free share, median income per household (EUR/month)
    ("A", "Alpha", 6000, 0.40, 2000),
    ("B", "Bravo", 3200, 0.20, 2600),
    ("C", "Charlie", 1500, 0.10, 3200),
    ("D", "Delta", 500, 0.05, 3800),
]
ORIGINS = {"A": (0, 0), "B": (SIDE_M, 0), "C": (2 * SIDE_M, 0), "D": (5 * SIDE_M, 5 * SIDE_M)}


def square(x: float, y: float, side: float = SIDE_M) -> list:
    return [
        [
            [X0 + x, Y0 + y],
            [X0 + x + side, Y0 + y],
            [X0 + x + side, Y0 + y + side],
            [X0 + x, Y0 + y + side],
            [X0 + x, Y0 + y],
        ]
    ]


def feature(key: str, coordinates, kind: str = "Polygon") -> dict:
    return {
        "type": "Feature",
        "properties": {"code": key},
        "geometry": None if coordinates is None else {"type": kind, "coordinates": coordinates},
    }


class TinyTerritory:
    """Writes the tiny territory's files and a scenario on them into a folder; tests can spoil them."""

    FIGURES = FIGURES
    ORIGINS = ORIGINS
    square = staticmethod(square)
    feature = staticmethod(feature)

    def __init__(self, folder: Path):
        self.folder = folder
        self.features = [feature(key, square(*ORIGINS[key])) for key, *_ in FIGURES]
        self.crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}
        self.header = (
            "code,name,households,households_without_car_share,median_income_eur_per_month"
        )
        self.rows = [
            f"{key},{name},{hh},{free},{income}" for key, name, hh, free, income in FIGURES
        ]
        self.scenario_text = ""

    @property
    def polygons(self) -> Path:
        return self.folder / "zones.geojson"

    @property
    def figures(self) -> Path:
        return self.folder / "figures.csv"

    @property
    def scenario(self) -> Path:
        return self.folder / "tiny.toml"

    def write(self, extra: str = "") -> Path:
        collection = {"type": "FeatureCollection", "features": self.features}
        if self.crs is not None:
            collection["crs"] = self.crs
        self.polygons.write_text(json.dumps(collection), encoding="utf-8")
        self.figures.write_text("\n".join([self.header, *self.rows]) + "\n", encoding="utf-8")
        baseline = (ROOT / "scenarios" / "baseline.toml").as_posix()
        self.scenario.write_text(
            f'extends = "{baseline}"\nname = "tiny"\nhouseholds = 2000\nmonths = 6\n\n'
            '[territory]\nkind = "data"\npolygons = "zones.geojson"\nfigures = "figures.csv"\n'
            'key_column = "code"\nname_column = "name"\nincome_per = "household"\n\n'
            '[territory.groups]\nwest = ["A", "Bravo"]\n' + extra,
            encoding="utf-8",
        )
        return self.scenario


@pytest.fixture
def tiny_territory(tmp_path) -> TinyTerritory:
    territory = TinyTerritory(tmp_path)
    territory.write()
    return territory

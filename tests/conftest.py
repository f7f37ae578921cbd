"""Shared fixtures: small territories built from the baseline with overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


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

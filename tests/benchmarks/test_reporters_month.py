"""The reporters' benchmark times the month asked for, again and again from the same running
totals, and prints one line (it never asserts on time)."""

from __future__ import annotations

from benchmarks.reporters_month import main, time_reporters
from tests.conftest import ROOT

BORDEAUX = ROOT / "scenarios" / "bordeaux_metropole.toml"


def test_one_months_reporters_are_timed_on_the_month_asked(capsys):
    figures = time_reporters(BORDEAUX, households=600, months=2, repeats=3)
    assert figures["households"] == 600 and figures["month"] == 2
    assert 0 < figures["fastest_ms"] <= figures["median_ms"]
    main(["--households", "600", "--months", "1", "--repeats", "2"])
    assert "bordeaux_metropole, 600 households, month 1: reporters" in capsys.readouterr().out

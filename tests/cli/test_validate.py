"""`partage validate` writes its report and plots (the suite at a tiny size)."""

from __future__ import annotations

from cli.validate import validate_command
from experiments.validation import suite


def test_validate_command_writes_a_report_with_plots(tmp_path, monkeypatch, capsys):
    tiny = suite.Sizes(
        600,
        12,
        2,
        600,
        60,
        1,
        400,
        24,
        2,
        400,
        24,
        2,
        200,
        6,
        3,
        stationarity_households=600,
        stationarity_months=12,
        stationarity_replications=1,
        second_car_households=600,
        second_car_months=60,
        second_car_replications=1,
    )
    monkeypatch.setattr(suite, "QUICK", tiny)
    monkeypatch.setattr(suite, "BASS_PARAMETERS", ((0.03, 0.38),))

    class Args:
        quick = True
        out = tmp_path / "validation"
        progress = True

    validate_command(Args())
    err = capsys.readouterr().err
    assert "validate" in err and "100%" in err and "<00:00]" in err  # the bar ran to its end
    report = (Args.out / "report.md").read_text()
    for heading in (
        "Bass limit",
        "Network effects",
        "Critical mass",
        "Scalar reference",
        "Calibration recovers",
        "The observed start holds without policy",
        "The second car and car-sharing",
    ):
        assert heading in report
    # the observed start with the shipped and with the calibrated behaviour, a year in as well
    assert "### Shipped behaviour" in report and "### Calibrated behaviour" in report
    assert "| figure | stated | month 0 | month 12 | horizon |" in report
    assert "calibrated behaviour | published |" in report
    for plot in ("bass.png", "network.png", "critical_mass.png"):
        assert (Args.out / plot).stat().st_size > 1000

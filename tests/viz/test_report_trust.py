"""The council report says how far to trust its figures ("trust on screen and in
the report"): what the baseline was calibrated on, its drift with no policy, then the limits; the
same calibration words as the app's trust panel."""

from __future__ import annotations

import re

import pytest

from viz.catalogue import SCENARIO_DIR


@pytest.fixture(scope="module")
def calibrated_comparison(tmp_path_factory):
    from experiments.compare import compare_scenarios

    folder = tmp_path_factory.mktemp("trust") / "comparison"
    compare_scenarios(
        SCENARIO_DIR / "baseline_calibrated.toml",
        {"tool_library": SCENARIO_DIR / "tool_library.toml"},
        replications=1,
        households=100,
        months=3,
        directory=folder,
    )
    return folder


@pytest.mark.parametrize(
    "lang, calibrated, drift",
    [("fr", "Citiz", "Sans politique, la part"), ("en", "Citiz", "With no policy, the share")],
)
def test_the_report_has_a_trust_section_before_its_limits(
    calibrated_comparison, tmp_path, lang, calibrated, drift
):
    from viz.report import write_report

    html, _ = write_report(calibrated_comparison, out_dir=tmp_path / lang, lang=lang, pdf=False)
    text = html.read_text(encoding="utf-8")
    assert 'id="trust"' in text, "no section on how far to trust the figures"
    section = text[text.index('id="trust"') : text.index('id="assumptions"')]
    assert calibrated in section, "the calibration targets are not named"
    assert drift in section
    assert re.search(r"\d[,.]\d\s?%", section), "the drift's shares are written"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_report_is_in_one_language(calibrated_comparison, tmp_path, lang):
    """Issue 18, item 6: the report named scenarios and policies by their identifiers
    ("tool_library comparé à baseline"); its text is read as a reader gets it."""
    import html as html_module

    from tests.viz.test_languages import untranslated
    from viz.report import write_report

    path, _ = write_report(calibrated_comparison, out_dir=tmp_path / lang, lang=lang, pdf=False)
    text = re.sub(r"<style.*?</style>", "", path.read_text(encoding="utf-8"), flags=re.S)
    # a changed parameter's path is printed as code beside its label, for who reruns it
    text = re.sub(r"<code>[^<]*</code>", "", text)
    # the model's commit is a hexadecimal name (b137b6e6… reads as a number like 6e6 otherwise)
    text = re.sub(r"\b[0-9a-f]{12,40}\b", "", text)
    lines = [
        line.strip()
        for line in html_module.unescape(re.sub(r"<[^>]+>", "\n", text)).splitlines()
        if line.strip()
    ]
    # a proper name quoted in the tool library's description
    bad = [line for line in untranslated(lines, lang) if "Toronto Tool Library" not in line]
    assert not bad, f"not in {lang}: {bad[:5]}"

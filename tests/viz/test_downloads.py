"""The planner's downloads speak the page's language: one header row of words, each with its
column's code in brackets, so the file reads in a spreadsheet as it is and by code in pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from viz.downloads import column_code, planner_csv, read_planner_csv
from viz.downloads import header as header_in


def test_headers_are_words_of_the_language_with_the_code_kept(tmp_path):
    frame = pd.DataFrame(
        {"scenario": ["x"], "month": [3], "car.share": [0.25], "baseline.car.share": [0.2]}
    )
    path = tmp_path / "months.csv"
    path.write_text(planner_csv(frame, "fr"), encoding="utf-8")
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("scénario [scenario],mois [month],part des ménages"), header
    assert "référence" in header and "[baseline.car.share]" in header
    assert read_planner_csv(path).equals(frame), "the codes read back whatever the language"
    english = planner_csv(frame, "en").splitlines()[0]
    assert "share of the households needing a car who share one [car.share]" in english
    assert column_code("households") == "households"


@pytest.mark.browser
def test_explores_months_download_in_french_has_french_headers(page, ui, tmp_path):
    ui.open_explore(page, "scenario=tool_library&households=500&lang=fr&good=drill")
    with page.expect_download() as download:
        page.get_by_text("Télécharger ces mois (CSV)").click()
    saved = tmp_path / "mois.csv"
    download.value.save_as(saved)
    header = saved.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("scénario [scenario],ménages [households],mois [months]"), header
    assert "part des ménages ayant besoin du bien « perceuse » qui le partagent [drill.share]" in (
        header
    )
    months = read_planner_csv(saved)
    assert {"month", "drill.share", "sharing_households"} <= set(months.columns)
    words = dict(zip(months.columns, pd.read_csv(saved, nrows=0).columns, strict=True))
    english = {code: header_in(code, "en") for code in months.columns}
    assert not [code for code in months.columns if words[code] == english[code]], "in English"

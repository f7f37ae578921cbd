"""The council report of a comparison, from a small real comparison run by the engine."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from experiments.errors import UserError
from viz import report
from viz.i18n import LOCALES_DIR

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = (
    "summary",
    "question",
    "levers",
    "territory",
    "results",
    "quintiles",
    "zones",
    "figures",
    "costs",
    "method",
    "assumptions",
)
HOSTILE = '<script>alert("partage")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def comparison_dir(tmp_path_factory):
    """A comparison of the baseline with a tool library whose descriptions carry markup."""
    from experiments.compare import run_compare
    from experiments.compare import write_report as write_tables

    folder = tmp_path_factory.mktemp("report")
    scenario = folder / "hostile.toml"
    scenario.write_text(
        f'extends = "{(ROOT / "scenarios" / "tool_library.toml").as_posix()}"\n'
        f'name = "tool_library"\n'
        f"description = {{en = '{HOSTILE} English', fr = '{HOSTILE} en français'}}\n"
        f"[policies.tool_library]\ndescription = '{HOSTILE}'\n",
        encoding="utf-8",
    )
    directory, _ = run_compare(
        ROOT / "scenarios" / "baseline.toml",
        [scenario],
        replications=3,
        households=150,
        months=24,
        out=folder / "compare",
        progress=False,
    )
    write_tables(directory)
    return directory


@pytest.fixture(scope="module")
def reports(comparison_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return {
        lang: report.write_report(comparison_dir, out, lang=lang, pdf=False)[0]
        for lang in ("fr", "en")
    }


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_report_has_every_section_and_figure(reports, lang):
    html = reports[lang].read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in html
    for section in SECTIONS:
        assert f'<section id="{section}">' in html, section
    assert '<section id="real">' not in html  # one results table, for the territory
    images = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)">', html)
    assert len(images) == 2 and all(len(alt) > 40 for alt in images)
    # levers with the schema's plain labels, zones and quintiles as rows
    assert ("Size of the pool" if lang == "en" else "Taille du service de prêt") in html
    for zone in ("centre", "suburb", "rural"):
        assert f"<td>{zone}</td>" in html
    assert html.count("<tr><td>5</td>") == 1  # the fifth income quintile


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_report_gives_intervals_costs_and_seeds_in_the_language(reports, comparison_dir, lang):
    html = reports[lang].read_text(encoding="utf-8")
    comparison = report.read_comparison(comparison_dir)
    assert comparison.replications == 3 and len(comparison.replication_seeds) == 3
    for seed in comparison.replication_seeds:
        assert str(seed) in html
    public = comparison.row("public.cumulative_spend_eur", "tool_library")
    if lang == "fr":
        assert (
            "Principales hypothèses et limites" in html
            and "Coût par ménage partageur supplémentaire" in html
        )
        assert re.search(r"\d\u00a0€", html) and "\u202f%" in html and "t\u00a0CO2e" in html
        assert report.format_eur(public["mean"], "fr") in html
        assert " de " in html and " à " in html  # intervals "de a à b"
    else:
        assert "Main assumptions and limits" in html and "Cost per extra sharing household" in html
        assert re.search(r"€\d", html) and report.format_eur(public["mean"], "en") in html
    text = re.sub(r"data:image/png;base64,[^\"]+", "", html)
    assert not re.search(r"\de[+-]\d", text)  # no scientific notation


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_user_text_is_escaped_never_markup(reports, lang):
    html = reports[lang].read_text(encoding="utf-8")
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;partage&#34;)&lt;/script&gt;" in html
    assert ("en français" if lang == "fr" else "English") in html  # the description in the language


def test_output_stays_in_the_output_folder(comparison_dir, tmp_path):
    out = tmp_path / "out"
    before = set(comparison_dir.rglob("*"))
    html, pdf = report.write_report(comparison_dir, out, lang="en", pdf=False)
    assert pdf is None and html.parent == out
    written = {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}
    assert written == {"report.en.html", "figures/curves.en.png", "figures/differences.en.png"}
    assert set(comparison_dir.rglob("*")) == before


def test_not_a_comparison_is_one_line(tmp_path, comparison_dir):
    with pytest.raises(UserError) as error:
        report.write_report(tmp_path, tmp_path / "out", pdf=False)
    assert "\n" not in str(error.value) and "partage compare" in str(error.value)
    with pytest.raises(UserError):
        report.write_report(tmp_path / "missing", pdf=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="not a directory"):
        report.write_report(comparison_dir, tmp_path / "file", pdf=False)


def test_a_scenario_file_gone_leaves_its_levers_out_and_says_so(comparison_dir, tmp_path):
    import json
    import shutil

    copy = tmp_path / "moved"
    shutil.copytree(comparison_dir, copy, ignore=shutil.ignore_patterns("report*"))
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["design"]["files"][1] = str(tmp_path / "gone.toml")
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    html = report.write_report(copy, tmp_path / "out", lang="en", pdf=False)[0].read_text(
        encoding="utf-8"
    )
    assert "can no longer be read; its levers are not shown" in html
    assert '<section id="results">' in html and "Size of the pool" not in html


def test_pdf_is_printed_with_pages(comparison_dir, tmp_path):
    if not Path(report.CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {report.CHROMIUM}: install it with `sudo apt-get install chromium`"
        )
    from pypdf import PdfReader

    _, pdf = report.write_report(comparison_dir, tmp_path, lang="fr", pdf=True)
    pages = PdfReader(pdf).pages
    assert len(pages) >= 3
    text = " ".join(page.extract_text() for page in pages)
    assert "Principales hypothèses et limites" in text.replace("\n", " ")
    assert "<script>" in text  # the hostile description printed as text, not run


def test_command_writes_the_report(comparison_dir, tmp_path, capsys):
    from cli.main import main

    assert (
        main(["report", str(comparison_dir), "--lang", "en", "--no-pdf", "--out", str(tmp_path)])
        == 0
    )
    assert (tmp_path / "report.en.html").is_file()
    assert "report.en.html" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nothing"), "--no-pdf"]) == 2
    assert "error:" in capsys.readouterr().err


def test_report_module_does_not_load_solara():
    code = "import sys, viz.report; print('solara' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"


def _report_texts() -> list[str]:
    keywords = {"gettext": None, "N_": None, "_": None}
    texts = []
    with (ROOT / "viz" / "report.py").open("rb") as handle:
        texts += [message for _, message, _, _ in extract("python", handle, keywords=keywords)]
    with (report.TEMPLATES_DIR / "report.html").open("rb") as handle:
        options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
        texts += [
            message
            for _, message, _, _ in extract(
                babel_extract, handle, keywords=keywords, options=options
            )
        ]
    return [text for text in texts if isinstance(text, str)]


def test_every_report_text_has_a_french_translation():
    texts = _report_texts()
    assert len(texts) > 80
    catalogues = {}
    for domain in ("report", "schema"):
        with (LOCALES_DIR / "fr" / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
            catalogues[domain] = read_po(handle, locale="fr")
    missing = [
        text
        for text in texts
        if not any(text in c and c[text].string and not c[text].fuzzy for c in catalogues.values())
    ]
    assert not missing, f"{len(missing)} report texts without French: {missing[:5]}"


def test_curves_colours_are_okabe_ito_and_the_first_four_read_on_paper():
    from experiments.compare import OKABE_ITO

    assert set(report.SCENARIO_COLOURS) <= set(OKABE_ITO) and report.BASELINE_COLOUR in OKABE_ITO
    contrast = [1.05 / (report._luminance(colour) + 0.05) for colour in report.SCENARIO_COLOURS]
    assert all(ratio >= 3 for ratio in contrast[:4])  # WCAG 2.1 non-text contrast against white


def test_a_territory_from_data_gets_its_zones_by_name_and_a_map(tiny_territory, tmp_path):
    from experiments.compare import run_compare
    from experiments.compare import write_report as write_tables

    policy = tiny_territory.folder / "policy.toml"
    policy.write_text(
        'extends = "tiny.toml"\nname = "fee"\n\n[policies.fee]\nkind = "ownership_cost"\n'
        'goods = ["car"]\nzones = ["west"]\neur_per_month = 3000\n',
        encoding="utf-8",
    )
    directory, _ = run_compare(
        tiny_territory.scenario,
        [policy],
        replications=2,
        households=600,
        months=4,
        out=tmp_path / "compare",
        progress=False,
    )
    write_tables(directory)
    html_path, _ = report.write_report(directory, tmp_path / "out", lang="en", pdf=False)
    html = html_path.read_text(encoding="utf-8")
    zones = html[html.index('<section id="zones">') : html.index('<section id="figures">')]
    for name in ("Alpha", "Bravo", "Charlie", "Delta"):
        assert f"<td>{name}</td>" in zones
    assert "Share of households sharing at least one good" in zones  # the first column by zone
    assert '<section id="real">' not in html  # one results table, for the territory
    results = html[html.index('<section id="results">') : html.index('<section id="quintiles">')]
    assert (
        "For the territory (11,200 households)" in results
    )  # the figures' 6000 + 3200 + 1500 + 500
    assert (tmp_path / "out" / "figures" / "map-1.en.png").stat().st_size > 5_000
    alts = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)">', html)
    assert len(alts) == 3 and alts[2].startswith(
        "Map of the territory&#39;s zones coloured by the difference"
    )

"""The terminal, `comparison.md`, the council report and the app's Compare page show the same
figures for the same runs, and they are the territory's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import solara
import solara.widgets

from cli.main import main
from experiments.compare import load_comparison
from model.policies import declared_costs
from model.scenario import load_scenario
from viz import compare
from viz.language import language
from viz.report import write_report

ROOT = Path(__file__).resolve().parents[2]
SAMPLE, TERRITORY, MONTHS = 800, 10_000, 24
POLICY = "awareness_campaign"


def numbers_in(text: str) -> list[float]:
    """The numbers written in an English text: `−€1,234` is -1234, `12.5` is 12.5."""
    text = text.replace("\u2212", "-").replace("\u2060", "").replace("\u00a0", " ")
    return [
        float(found.replace(",", "").replace("€", ""))
        for found in re.findall(r"-?€?\d[\d,]*(?:\.\d+)?", text)
    ]


def shown_as(shown: float, value: float) -> bool:
    """Whether `shown` is `value` as the page rounds it (whole units, or four significant digits)."""
    return abs(shown - value) <= max(0.5, 5e-4 * abs(value))


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """`partage compare` run once; its terminal output, its folder and the engine's reading of it."""
    folder = tmp_path_factory.mktemp("same") / "compare"
    capture = pytest.MonkeyPatch()
    lines: list[str] = []
    capture.setattr("builtins.print", lambda *a, **k: lines.append(" ".join(map(str, a))))
    try:
        code = main(
            [
                "compare",
                str(ROOT / "scenarios" / "baseline.toml"),
                str(ROOT / "scenarios" / f"{POLICY}.toml"),
                "-r",
                "3",
                "--households",
                str(SAMPLE),
                "--months",
                str(MONTHS),
                "--seed",
                "5",
                "--out",
                str(folder),
                "--no-progress",
            ]
        )
    finally:
        capture.undo()
    assert code == 0
    return "\n".join(lines), folder, load_comparison(folder)


@pytest.fixture(scope="module")
def expected(compared):
    """The figures for the territory, computed here from the raw runs by the rule of docs/figures.md."""
    _, _, comparison = compared
    horizon = comparison.horizon().set_index(["scenario", "replication"])
    factor = TERRITORY / SAMPLE
    extra = (
        horizon.loc[POLICY, "sharing_households"] - horizon.loc["baseline", "sharing_households"]
    )
    scenario = load_scenario(ROOT / "scenarios" / f"{POLICY}.toml")
    declared_territory = float(declared_costs(scenario, TERRITORY, MONTHS).sum())
    declared_sample = float(declared_costs(scenario, SAMPLE, MONTHS).sum())
    net = (
        horizon.loc[POLICY, "public.cumulative_spend_eur"]
        - horizon.loc[POLICY, "public.cumulative_revenue_eur"]
    )
    public = (declared_territory + (net - declared_sample) * factor).mean()
    sharers = float(extra.mean()) * factor
    return {"sharers": sharers, "public": public, "per_sharer": public / sharers}


def test_the_terminal_and_comparison_md_show_the_territorys_figures(compared, expected):
    output, folder, comparison = compared
    row = next(
        line
        for line in output.splitlines()
        if line.startswith(f"| {POLICY} ") and "[" in line and line.count("|") > 6
    )
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert shown_as(numbers_in(cells[1])[0], expected["public"])
    assert shown_as(numbers_in(cells[2])[0], expected["sharers"])
    assert shown_as(numbers_in(cells[4])[0], expected["per_sharer"])
    markdown = (folder / "comparison.md").read_text(encoding="utf-8")
    assert "for the territory (10\u202f000 households)" in markdown.splitlines()[0]
    costs = (folder / "cost_effectiveness.md").read_text(encoding="utf-8")
    assert shown_as(numbers_in(costs.splitlines()[-1].split("|")[6])[0], expected["per_sharer"])
    assert "for the territory (10\u202f000 households), simulated with 800 households" in output


def test_the_report_shows_the_terminals_figures(compared, expected, tmp_path):
    _, folder, _ = compared
    html = write_report(folder, tmp_path, lang="en", pdf=False)[0].read_text(encoding="utf-8")
    costs = html[html.index('<section id="costs">') : html.index('<section id="method">')]
    row = costs[costs.index(f"<td>{POLICY.replace('_', ' ')}</td>") :].split("</tr>")[
        0
    ]  # its name in words
    cells = re.findall(r'<td class="num">(.*?)</td>', row, flags=re.S)
    assert shown_as(numbers_in(cells[0])[0], expected["public"])
    assert shown_as(numbers_in(cells[1])[0], expected["sharers"])
    assert shown_as(numbers_in(cells[3])[0], expected["per_sharer"])
    assert "For the territory (10,000 households)" in costs
    summary = html[html.index('<section id="summary">') : html.index('<section id="question">')]
    assert "for the territory (10,000 households)" in summary
    sharing = re.search(r"Households sharing at least one good: (\S+)", summary).group(1)
    assert shown_as(numbers_in(sharing)[0], expected["sharers"])


def test_the_apps_compare_page_shows_the_terminals_figures(compared, expected):
    _, _, comparison = compared
    language.set("en")
    from viz import catalogue

    baseline = catalogue.load_named("baseline")
    _, rc = solara.render(
        compare.Results((comparison, comparison.impacts(), baseline)), handle_error=False
    )
    pages = [
        w.unsafe_innerHTML
        for w in rc.find(solara.widgets.HTML).widgets
        if (w.attributes or {}).get("data-testid") == "impacts-table"
    ]
    heading = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    rows = {
        tuple(re.findall(r"<td>(.*?)</td>", row)[:2]): re.findall(r"<td>(.*?)</td>", row)
        for row in pages[0].split("<tr>")[1:]
    }
    title = compare.scenario_title(POLICY)
    sharers = rows[(title, "change in sharing households")]
    public = rows[(title, "change in net public cost")]
    per_sharer = rows[(title, "public cost per extra sharing household")]
    assert shown_as(numbers_in(sharers[3])[0], expected["sharers"])
    assert shown_as(numbers_in(public[3])[0], expected["public"])
    assert shown_as(numbers_in(per_sharer[3])[0], expected["per_sharer"])
    assert "for the territory (10,000 households" in heading


def test_explore_shows_the_figures_compare_gives_for_the_same_run(compared):
    """Explore's headline, for the run of the comparison's first replication, is the territory's
    figure the comparison reads for that run."""
    from viz.session import ExploreRun

    _, _, comparison = compared
    figures = comparison.figures().set_index(["scenario", "replication"]).loc[(POLICY, 0)]
    run = ExploreRun(
        load_scenario(ROOT / "scenarios" / f"{POLICY}.toml"),
        households=SAMPLE,
        seed=int(figures["seed"]),
        agents=False,
    )
    for _ in range(MONTHS):
        run.step()
    headline = run.headline()
    shown = headline["scenario"]
    assert shown["public_spend_eur"] == pytest.approx(figures["public.cumulative_spend_eur"])
    assert shown["sharing_households"] == pytest.approx(figures["sharing_households"])
    assert shown["goods"] == pytest.approx(figures["goods.stock_total"])
    assert headline["households"] == TERRITORY


def test_the_compare_pages_share_of_sharing_households_is_drawn_in_percent(compared):
    """The chart of the households sharing at least one good says "(%)" and its axis reads in %,
    as every other share the app shows (it read 0.0 to 0.2, a fraction, under "(share)")."""
    _, _, comparison = compared
    language.set("en")
    from viz import catalogue

    _, rc = solara.render(
        compare.Results((comparison, comparison.impacts(), catalogue.load_named("baseline"))),
        handle_error=False,
    )
    curves = next(
        w.unsafe_innerHTML
        for w in rc.find(solara.widgets.HTML).widgets
        if (w.attributes or {}).get("data-testid") == "compare-curves"
    )
    chart = next(c for c in curves.split("partage-chart")[1:] if "at least one good" in c)
    assert "Households sharing at least one good (%)" in chart
    share = comparison.curves(["sharing_households.share"], band="runs")
    highest = 100 * float(share["high"].max())
    assert highest > 1.5  # a share in % is far above the fraction's 0 to 1
    value_ticks = re.findall(r'text-anchor="end">\s*(-?[\d.,]+)\s*</text>', chart)
    assert value_ticks
    assert max(float(t.replace(",", "")) for t in value_ticks) >= 0.5 * highest  # in %

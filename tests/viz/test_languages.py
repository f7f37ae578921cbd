"""Every word of every page in the language asked for: the rendered pages are read in Chromium
(the text, the drawings' words, the controls' labels), not the catalogues."""

from __future__ import annotations

import re
import shutil

import pytest

pytestmark = pytest.mark.browser

# (address, what shows the page is drawn); the app opens on Bordeaux's right bank so the
# communes' names, the groups and the targeted policies are on screen too.
PAGES = (
    ("/?scenario=bordeaux_rive_droite&households=1000", "[data-testid=territory-map] svg"),
    ("/?scenario=territoire_partage&households=1000", "[data-testid=territory-map] svg"),
    ("/?scenario=bordeaux_metropole&households=500", "[data-testid=territory-map] svg"),
    ("/?scenario=baseline_calibrated&households=500", "[data-testid=territory-map] svg"),
    ("/compare", "[data-testid=replications], .partage-field-replications"),
    ("/results", "h2"),
    ("/learn", "[data-testid=story-sentence]"),
    ("/optimise", "h2"),
)
# Words that are never French (checked on a French page) and never English (on an English one).
ENGLISH = re.compile(
    r"\b(the|of|and|with|without|households?|shares?|sharing|per|by|from|need|baseline|"
    r"scenario|months?|people|cost|fleet|pool|library|tools?|spending|trust|unbounded|"
    r"setting|report|drift|calibrated|policy|policies|every|everywhere|goods|group|fifths?|"
    r"reference|difference|download|library|target|fitted|observed|reached|posterior)\b",
    re.IGNORECASE,
)
FRENCH = re.compile(
    r"\b(les|des|du|une|pour|avec|sans|ménages?|partagent|partager|mois|référence|scénarios?|"
    r"dépense|coût|confiance|outils|voiture|perceuse|tondeuse|politique|cible|calibré|observé)\b",
    re.IGNORECASE,
)
# Names raw from the files: dotted or underscored identifiers (file names aside).
RAW = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z]+\.[a-z_]+(?:\.[a-z_]+)*\b")
FILES = re.compile(r"\b[\w.-]+\.(?:toml|csv|html|pdf|png|json|geojson|md)\b")
# Numbers as a program prints them, not as a reader writes them (`1.388e-17`).
PROGRAM_NUMBERS = re.compile(r"\d[eE][+-]?\d")
# Proper names that are words of both languages.
NAMES = re.compile(r"Partage|Solara|Okabe-Ito|CO2e|INSEE|Citiz|PRIM|NSGA-II|Bordeaux Métropole")


def visible_texts(page) -> list[str]:
    """The page's lines as a reader gets them: its text, its drawings' words, its controls' labels."""
    body = page.inner_text("body").splitlines()
    drawings = page.eval_on_selector_all(
        "svg text, svg title, [aria-label], img[alt]",
        "(els) => els.map(e => e.getAttribute('aria-label') || e.getAttribute('alt') || e.textContent)",
    )
    return [line.strip() for line in [*body, *drawings] if line and line.strip()]


def untranslated(lines: list[str], lang: str) -> list[str]:
    """The lines with words of the other language or raw identifiers in them."""
    other = ENGLISH if lang == "fr" else FRENCH
    bad = []
    for line in lines:
        text = NAMES.sub(" ", FILES.sub(" ", line))
        if other.search(text) or RAW.search(text) or PROGRAM_NUMBERS.search(text):
            bad.append(line)
    return sorted(set(bad))


@pytest.fixture(scope="module")
def finished_search(results_dir):
    """A small finished policy search in the results folder, so Policy design shows a front's
    package, levers and impacts (the design the page itself writes)."""
    from experiments.optimise import run_optimisation
    from viz.search import design_text

    out = results_dir / "app-search-walk"
    if not (out / "front.csv").exists():
        design = results_dir.parent / "walk-design.toml"
        design.write_text(
            design_text(
                ["tool_library", "carsharing_fleet", "sharing_forum_and_map"],
                ["extra_sharing_households", "net_public_cost_eur"],
                1_200_000,
                (4, 1, 1, 100, 6),
                out.name,
            ),
            encoding="utf-8",
        )
        run_optimisation(design, out=out, progress=False)
    yield out
    shutil.rmtree(out, ignore_errors=True)  # other tests read the first optimisation listed


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_is_in_one_language(open_tab, ui, lang, finished_search, calibration_in):
    calibration_in("calibration-walk")  # Policy design shows a calibration's report too
    tab = open_tab(1440, 900, "fr-FR" if lang == "fr" else "en-GB")
    found = {}
    for path, ready in PAGES:
        tab.goto(f"{ui.url}{path}{'&' if '?' in path else '?'}lang={lang}")
        tab.wait_for_selector(ready)
        tab.wait_for_timeout(1000)
        tab.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        if path == "/compare":  # every scenario's name, in the list of scenarios
            tab.locator("[data-testid=compare-scenarios]").first.click(force=True)
            tab.wait_for_selector(".menuable__content__active .v-list-item")
        bad = untranslated(visible_texts(tab), lang)
        if bad:
            found[path] = bad
    assert not found, f"not in {lang}: {found}"

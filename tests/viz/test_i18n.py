from viz import i18n


def test_numbers_follow_the_language():
    assert i18n.format_eur(1234.5, "fr", 1) == "1\u202f234,5\u00a0€"
    assert i18n.format_eur(1234.5, "en", 1) == "€1,234.5"
    assert i18n.format_percent(0.258, "fr") == "25,8\u202f%"
    assert i18n.format_percent(0.258, "en") == "25.8%"
    assert i18n.format_tonnes(12.34, "fr") == "12,3\u00a0t\u00a0CO2e"


def test_browser_language_chooses_french_or_english():
    assert i18n.preferred_language("fr-FR,fr;q=0.9,en;q=0.8") == "fr"
    assert i18n.preferred_language("en-US,en;q=0.9,fr;q=0.5") == "en"
    assert i18n.preferred_language("de-DE") == "fr"
    assert i18n.preferred_language(None) == "fr"


def test_missing_translation_falls_back_to_english():
    assert i18n.gettext("no such text in any catalogue", "fr") == "no such text in any catalogue"


def test_a_comparisons_baseline_is_named_in_the_pages_language():
    """Compare's curves name the baseline made by `catalogue.baseline_for` in words, in French
    too (it read "bordeaux rive droite without policies" on the French page)."""
    from viz import catalogue
    from viz.language import language, scenario_title

    name = f"bordeaux_rive_droite{catalogue.WITHOUT_POLICIES}"
    language.value = "fr"
    try:
        assert scenario_title(name) == "Bordeaux rive droite sans ses politiques"
    finally:
        language.value = "en"
    assert scenario_title(name) == "Bordeaux rive droite without its policies"


# Texts written the same in both languages.
SAME_IN_FRENCH = {
    "points",
    "Commune",
    "Zone",
    "Pause",
    "t CO2e",
    "{value} points",
    "{sign}{value} points",
}


def test_every_text_the_app_translates_has_its_french():
    """Every literal text the app passes to `tr` is in the French catalogue: Compare's
    "unbounded: …" interval and its report messages were shown in English on the French page."""
    import ast
    from pathlib import Path

    viz = Path(i18n.__file__).parent
    missing = []
    for path in sorted(viz.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None)
            if not (isinstance(node, ast.Call) and node.args and isinstance(name, ast.Name)):
                continue
            text = getattr(node.args[0], "value", None)
            if (
                name.id == "tr"
                and isinstance(text, str)
                and text not in SAME_IN_FRENCH
                and i18n.gettext(text, "fr") == text
            ):
                missing.append(f"{path.name}:{node.lineno}: {text}")
    assert missing == []


def test_the_report_names_a_comparisons_baseline_in_its_language():
    """The French council report read "par rapport à bordeaux rive droite without policies"."""
    from viz import catalogue
    from viz.report import words

    name = f"bordeaux_rive_droite{catalogue.WITHOUT_POLICIES}"
    assert words(name, "fr") == "Bordeaux rive droite sans ses politiques"
    assert words(name, "en") == "Bordeaux rive droite without its policies"


def test_the_report_names_goods_and_the_territory_in_its_language(tmp_path):
    """The French report listed "power drill, lawnmower" and titled "bordeaux-metropole"."""
    from model.scenario import load_scenario
    from viz.report import _where

    scenario = load_scenario("scenarios/bordeaux_rive_droite.toml")
    policy = next(p for p in scenario.policies.values() if "drill" in p.goods)
    where = _where(policy, scenario, "fr")
    assert "power drill" not in where and "lawnmower" not in where and " car" not in where
    assert i18n.scenario_words("bordeaux_metropole", "fr") == "Bordeaux Métropole"


def test_a_place_keeps_its_capitals_and_accents_in_english():
    """A scenario named after a place is written as the place is, in English too: the CLI's and
    the app's maps, the report and the pages all name scenarios through `scenario_words`."""
    from viz.outcomes import map_words

    for lang in ("en", "fr"):
        assert i18n.scenario_words("bordeaux_metropole", lang) == "Bordeaux Métropole"
        assert map_words(lang).scenario("bordeaux_metropole") == "Bordeaux Métropole"
    assert (
        i18n.scenario_words("bordeaux_metropole_without_policies", "en")
        == "Bordeaux Métropole without its policies"
    )
    assert i18n.scenario_words("tool_library", "en") == "tool library"

"""The interactions table sets the library's levers against the baseline on the baseline's territory."""

from experiments.interactions import library_entries


def test_only_scenarios_on_the_baselines_territory_enter_the_table():
    entries = library_entries()
    baseline = entries[0].scenario
    labels = {entry.label for entry in entries}
    assert all(entry.scenario.territory == baseline.territory for entry in entries)
    assert "bordeaux_rive_droite" not in labels and "bordeaux_carsharing_fleet" not in labels
    assert {"tool_library", "territoire_partage"} <= labels

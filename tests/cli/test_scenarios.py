"""`partage scenarios show`: what a scenario changes against the scenario it extends, with units."""

from __future__ import annotations

from cli.main import main


def test_show_lists_each_changed_value_with_its_unit_and_both_values(
    tmp_path, baseline_path, capsys
):
    path = tmp_path / "dear_cars.toml"
    path.write_text(
        f'extends = "{baseline_path.as_posix()}"\nname = "dear_cars"\n'
        "[goods.car]\npurchase_eur = 20000\n"
        '[policies.forum]\nkind = "awareness_campaign"\nextra_awareness_p = 0.01\n',
        encoding="utf-8",
    )
    assert main(["scenarios", "show", str(path)]) == 0
    out = capsys.readouterr().out
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ")}
    car = [cell.strip() for cell in rows["goods.car.purchase_eur"].strip("|").split("|")]
    assert car[2:] == ["EUR", "15,000", "20,000"]
    assert "policies.forum.extra_awareness_p" in rows and "(not set)" in rows["policies.forum.kind"]
    assert "goods.drill.purchase_eur" not in rows  # unchanged values are not listed
    assert "extends baseline.toml" in out.splitlines()[0]


def test_show_of_a_file_that_extends_nothing_says_so(tmp_path, baseline_path, capsys):
    assert main(["scenarios", "show", str(baseline_path)]) == 0
    assert "extends no other file" in capsys.readouterr().out


def test_list_prints_an_invalid_file_on_standard_error_after_the_listing(
    tmp_path, baseline_path, capsys
):
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "broken"\nhouseholds = -1\n', encoding="utf-8")
    assert main(["scenarios", "list", str(broken), str(baseline_path)]) == 2
    captured = capsys.readouterr()
    assert "error:" not in captured.out and "baseline" in captured.out
    assert captured.err.startswith("error: ") and "broken.toml" in captured.err

"""`partage report` on a comparison the web app saved: its scenarios were in memory, not files."""

from __future__ import annotations

import json
from pathlib import Path

from cli.main import main
from experiments.compare import compare_scenarios


def app_saved_comparison(tiny, folder):
    baseline = tiny(households=80, months=3)
    scenario = baseline.with_overrides({"name": "campaign", "behaviour.awareness_p": 0.05})
    compare_scenarios(baseline, [scenario], replications=1, directory=folder)
    return folder


def test_report_on_a_comparison_saved_without_scenario_files_is_written(tiny, tmp_path, capsys):
    folder = app_saved_comparison(tiny, tmp_path / "saved")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["design"]["files"] = [None, None]  # what the app saved before its scenarios were files
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    code = main(["report", str(folder), "--no-pdf", "--lang", "en"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    assert (folder / "report" / "report.en.html").is_file()


def test_scenarios_given_in_memory_are_kept_as_files_the_report_reads(tiny, tmp_path):
    from viz.report import read_comparison

    folder = app_saved_comparison(tiny, tmp_path / "saved")
    files = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["design"]["files"]
    assert [Path(file).parent for file in files] == [(folder / "scenarios").resolve()] * 2
    definitions = read_comparison(folder).definitions
    assert definitions["campaign"] is not None
    assert definitions["campaign"].behaviour.awareness_p == 0.05

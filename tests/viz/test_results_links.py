"""The Policy design page lists only folders that are inside the results directory: a link in
`results/` to a folder elsewhere on the server is not listed, and its report is never read."""

from __future__ import annotations

from viz.optimise import calibration_folders, optimisation_folders


def test_a_linked_calibration_folder_outside_results_is_not_listed(tmp_path):
    results, outside = tmp_path / "results", tmp_path / "elsewhere" / "calibration"
    outside.mkdir(parents=True)
    (outside / "report.md").write_text("# private report\n", encoding="utf-8")
    (outside / "manifest.json").write_text('{"kind": "calibrate"}', encoding="utf-8")
    results.mkdir()
    (results / "calib_linked").symlink_to(outside, target_is_directory=True)
    own = results / "calib_own"
    own.mkdir()
    (own / "report.md").write_text("# report\n", encoding="utf-8")
    (results / "calib_file_linked").mkdir()
    (results / "calib_file_linked" / "report.md").symlink_to(outside / "report.md")
    assert calibration_folders(results) == ["calib_own"]


def test_a_linked_optimisation_folder_outside_results_is_not_listed(tmp_path):
    results, outside = tmp_path / "results", tmp_path / "elsewhere" / "search"
    outside.mkdir(parents=True)
    (outside / "front.csv").write_text("rank,point\n1,1\n", encoding="utf-8")
    (outside / "manifest.json").write_text('{"kind": "optimise"}', encoding="utf-8")
    results.mkdir()
    (results / "search").symlink_to(outside, target_is_directory=True)
    assert optimisation_folders(results) == []

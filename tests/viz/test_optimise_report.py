"""A calibration report's Markdown becomes HTML that can hold no markup of its own."""

from __future__ import annotations

from viz.optimise import safe_markdown


def test_a_report_keeps_its_tables_and_web_links_and_loses_raw_html_and_other_links():
    report = (
        "# Fit\n\n| parameter | range |\n|---|---|\n| a | 1 – 2 |\n\n"
        '<img src="x" onerror="run()"> <script>run()</script>\n'
        "[web](https://example.org) [code](javascript:run()) [file](../../secret.md)\n\n"
        "![fit per target](fit.png)\n"
    )
    shown, images = safe_markdown(report)
    assert "<h1>Fit</h1>" in shown and "<th>parameter</th>" in shown
    assert "&lt;img" in shown and "&lt;script&gt;" in shown
    assert "<img" not in shown and "<script" not in shown
    assert '<a href="https://example.org">web</a>' in shown
    assert 'href="javascript' not in shown
    assert 'href="../../secret.md"' not in shown
    assert images == ["fit.png"]

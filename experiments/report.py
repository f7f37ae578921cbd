"""Tables of results as files people read: CSV for tools, Markdown for reports and terminals."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from experiments.outputs import guarded


def format_number(value, digits: int = 4) -> str:
    """A compact rendering: `digits` significant digits, thousands separators from 1 000 up."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, float) and math.isinf(value):
        return "unbounded" if value > 0 else "-unbounded"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub-flavoured Markdown table of a DataFrame, numbers right-aligned."""
    columns = [str(c) for c in frame.columns]
    rows = [
        [format_number(v, digits) if not isinstance(v, str) else v for v in row]
        for row in frame.itertuples(index=False)
    ]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]

    def line(cells):
        return (
            "| "
            + " | ".join(
                cell.rjust(w) if num else cell.ljust(w)
                for cell, w, num in zip(cells, widths, numeric, strict=True)
            )
            + " |"
        )

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if num else ("-" * (w + 2))
            for w, num in zip(widths, numeric, strict=True)
        )
        + "|"
    )
    return "\n".join([line(columns), rule, *(line(r) for r in rows)])


def write_table(frame: pd.DataFrame, directory: Path, stem: str, title: str = "") -> list[Path]:
    """Write `stem.csv` and `stem.md`; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = guarded(directory / f"{stem}.csv"), guarded(directory / f"{stem}.md")
    frame.to_csv(csv_path, index=False)
    heading = f"# {title}\n\n" if title else ""
    md_path.write_text(heading + markdown_table(frame) + "\n", encoding="utf-8")
    return [csv_path, md_path]

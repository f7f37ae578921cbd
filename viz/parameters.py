"""The table of every scenario parameter, generated from the schema so that it cannot go stale.

`docs/parameters.md` (English) and `docs/parameters.fr.md` (French) are this module's output:
`partage scenarios parameters --lang en --out docs/parameters.md` (and `--lang fr`) rewrites them, and a test
checks that the files equal what the schema gives today. Rows follow the schema: the
scenario's own values, then each table (territory, zones, network, goods, behaviour, market),
then the fields every policy has, then each kind of policy with its own fields.
"""

from __future__ import annotations

from pathlib import Path

from babel import numbers

from model.scenario import UNITS, SchemaField, policy_texts, schema_fields
from viz.i18n import gettext, locale_of

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
DOC_FILES = {"en": DOCS_DIR / "parameters.md", "fr": DOCS_DIR / "parameters.fr.md"}

# Headings and sentences of the document, translated like the schema's texts.
TITLE = "Scenario parameters"
INTRO = (
    "Every value of a scenario file, by its dotted path (as used by `--set`, sweeps and the app), "
    "with its plain name, what it means, its unit, its default and the values allowed. "
    "`<zone>`, `<good>` and `<policy>` stand for the names given in the scenario file. "
    "This file is generated from the schema (`model/scenario.py`) by "
    "`partage scenarios parameters`; do not edit it by hand."
)
UNITS_HEADING = "Units"
COMMON_POLICY_HEADING = "Every policy"
COLUMNS = ("Path", "Label", "Description", "Unit", "Default", "Allowed")
GROUPS = {
    "": "Scenario",
    "territory": "Territory",
    "territory.zones": "Zones",
    "network": "Social network",
    "goods": "Goods",
    "behaviour": "Behaviour",
    "market": "Sharing market",
    "policies": "Policies",
}
REQUIRED = "required"
NO_END = "none"


def _value(value, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return numbers.format_decimal(value, format="#,##0.######", locale=locale_of(lang))


def _allowed(row: SchemaField, lang: str) -> str:
    if row.choices:
        return ", ".join(f"`{choice}`" for choice in row.choices)
    if row.minimum is None and row.maximum is None:
        return ""
    if row.maximum is None:
        return f"≥ {_value(row.minimum, lang)}"
    if row.minimum is None:
        return f"≤ {_value(row.maximum, lang)}"
    return f"{_value(row.minimum, lang)} – {_value(row.maximum, lang)}"


def _group(row: SchemaField) -> str:
    """The section a row belongs to: its table, and the table's kind where it has several."""
    head = row.path.split(".")[0]
    if row.variant:
        return f"{head}:{row.variant}"
    if head == "territory" and row.path.startswith("territory.zones."):
        return "territory.zones"
    return head if "." in row.path or head in ("policies",) else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def parameters_markdown(lang: str = "en") -> str:
    """The Markdown document listing every parameter, in `lang`."""

    def tr(text: str) -> str:
        return gettext(text, lang)

    rows = schema_fields(tr)
    lines = [f"# {tr(TITLE)}", "", tr(INTRO), "", f"## {tr(UNITS_HEADING)}", ""]
    lines += [f"- **{tr(unit)}** — {tr(meaning)}" for unit, meaning in UNITS.items()]
    groups: dict[str, list[SchemaField]] = {}
    for row in rows:
        groups.setdefault(_group(row), []).append(row)
    for key, members in groups.items():
        head, _, variant = key.partition(":")
        if head == "policies" and variant:
            texts = policy_texts(variant, tr)
            heading = f'{tr("Policies")} — {texts["label"]} (`kind = "{variant}"`)'
            lead = texts["description"]
        elif head == "policies":
            heading, lead = f"{tr('Policies')} — {tr(COMMON_POLICY_HEADING)}", ""
        elif variant:
            heading, lead = f'{tr(GROUPS.get(head, head))} (`kind = "{variant}"`)', ""
        else:
            heading, lead = tr(GROUPS.get(key, key)), ""
        lines += ["", f"## {heading}", ""]
        if lead:
            lines += [lead, ""]
        lines.append("| " + " | ".join(tr(c) for c in COLUMNS) + " |")
        lines.append("|" + "|".join("---" for _ in COLUMNS) + "|")
        for row in members:
            default = tr(REQUIRED) if row.required else _value(row.default, lang)
            if not row.required and row.default is None:
                default = tr(NO_END)
            cells = [
                f"`{row.path}`",
                row.label,
                row.description,
                row.unit,
                default,
                _allowed(row, lang),
            ]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"

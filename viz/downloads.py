"""Tables the planner downloads from the app, as CSV with headers in the page's language.

Rule: one header row, each column's words in the page's language followed by its code in
brackets (`part des ménages partageant une voiture [car.share]`), the code alone when it has no
words. One header row keeps the file readable as it is by a spreadsheet, pandas or R (a second
header row would be read as a row of data), and the code in brackets keeps the column
recognisable across languages and findable in `partage outcomes` and the command line's CSVs.
Values stay as the program writes them (a point for decimals) so the file reads the same
whichever language downloaded it.
"""

from __future__ import annotations

import pandas as pd

from . import i18n

N_ = str  # marks a text for the catalogue; translated where it is used

COLUMN_WORDS = {
    "month": N_("month"),
    "scenario": N_("scenario"),
    "replication": N_("replication"),
    "replications": N_("replications"),
    "households": N_("households"),
    "months": N_("months"),
    "seed": N_("random seed"),
    "run_id": N_("run"),
    "indicator": N_("indicator"),
    "unit": N_("unit"),
    "mean": N_("mean"),
    "low_95": N_("low end of the 95% interval"),
    "high_95": N_("high end of the 95% interval"),
}


def column_words(code: str, lang: str) -> str:
    """A column's words in `lang`: an outcome as `viz.outcomes` says it, a scenario field by its
    schema label, the reference's columns (`baseline.…`) marked as the reference's."""
    from .outcomes import outcome_label

    if code in COLUMN_WORDS:
        return i18n.gettext(COLUMN_WORDS[code], lang)
    if code.startswith("baseline."):
        return i18n.gettext("reference: {words}", lang).format(
            words=column_words(code.removeprefix("baseline."), lang)
        )
    path = code.removeprefix("lever:")
    label = _field_label(path)
    if label:
        return i18n.gettext(label, lang)
    return outcome_label(code, lang)


def _field_label(path: str) -> str | None:
    from model.scenario import parameter_info

    from .catalogue import load_named

    if "." not in path:
        return None
    try:
        return parameter_info(load_named("territoire_partage"), path).get("label")
    except Exception:  # noqa: BLE001 - not a field of the schema: an outcome
        return None


def header(code: str, lang: str) -> str:
    words = column_words(str(code), lang)
    return str(code) if words == code else f"{words} [{code}]"


def planner_csv(frame: pd.DataFrame, lang: str) -> str:
    """`frame` as CSV text with one header row in `lang` (words, then the code in brackets)."""
    return frame.rename(columns=lambda code: header(code, lang)).to_csv(index=False)


def column_code(header_text: str) -> str:
    """The code of a downloaded column (`mois [month]` → `month`; a bare code is itself)."""
    words, bracket, code = str(header_text).rpartition(" [")
    return code[:-1] if bracket and code.endswith("]") else str(header_text)


def read_planner_csv(path) -> pd.DataFrame:
    """A CSV downloaded from the app, its columns named by their codes whatever its language."""
    frame = pd.read_csv(path)
    return frame.rename(columns=column_code)

"""The generated table of parameters and the French texts of the schema."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from model.scenario import schema_fields, schema_texts
from viz import parameters
from viz.i18n import LOCALES_DIR, gettext


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_parameter_docs_are_what_the_schema_gives_today(lang):
    path = parameters.DOC_FILES[lang]
    assert path.read_text(encoding="utf-8") == parameters.parameters_markdown(lang), (
        f"{path.name} is stale: run `partage scenarios parameters --lang {lang} --out docs/{path.name}`"
    )


def test_parameter_docs_list_every_field_with_its_texts():
    text = parameters.parameters_markdown("en")
    for row in schema_fields():
        assert f"| `{row.path}` | {row.label} | {row.description} | {row.unit} |" in text


def _catalogue():
    with (LOCALES_DIR / "fr" / "LC_MESSAGES" / "schema.po").open("rb") as handle:
        return read_po(handle, locale="fr")


def test_every_schema_text_has_a_french_translation():
    catalogue = _catalogue()
    doc_texts = [
        parameters.TITLE,
        parameters.INTRO,
        parameters.UNITS_HEADING,
        parameters.COMMON_POLICY_HEADING,
        *parameters.COLUMNS,
        *parameters.GROUPS.values(),
        parameters.REQUIRED,
        parameters.NO_END,
    ]
    missing = [
        text
        for text in [*schema_texts(), *doc_texts]
        if text not in catalogue or not catalogue[text].string or catalogue[text].fuzzy
    ]
    assert not missing, f"{len(missing)} texts without French: {missing[:5]}"
    assert gettext("Purchase price", "fr") == "Prix d’achat"
    assert gettext("EUR/month", "fr") == "€/mois"


def test_french_texts_follow_french_typography():
    for message in _catalogue():
        if not message.id:
            continue
        outside_code = re.sub(r"`[^`]*`", "", message.string)
        assert "'" not in outside_code, f"straight apostrophe in {message.string!r}"
        assert not re.search(r"[^\u202f][;!?%]", outside_code), (
            f"no thin space before ;!?% in {message.string!r}"
        )
        assert not re.search(r"[^\u00a0]:", outside_code), (
            f"no non-breaking space before : in {message.string!r}"
        )

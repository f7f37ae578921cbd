"""Every text of the Policy design page has its French translation in the page's own catalogue."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.pofile import read_po

from viz import i18n
from viz.front import IMPACT_LABELS

PAGES = [
    Path(__file__).resolve().parents[2] / "viz" / name
    for name in ("optimise.py", "search.py", "front.py")
]


def page_texts() -> set[str]:
    """String literals given to `t(...)` or `i18n.gettext(...)` in the page's source, and the impact labels."""
    texts = set(IMPACT_LABELS.values())
    nodes = [n for page in PAGES for n in ast.walk(ast.parse(page.read_text(encoding="utf-8")))]
    for node in nodes:
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        first = node.args[0]
        if (
            name in ("t", "gettext")
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
        ):
            texts.add(first.value)
    return texts


def test_every_text_of_the_page_is_translated_into_french():
    with (i18n.LOCALES_DIR / "fr" / "LC_MESSAGES" / "app_optimise.po").open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    texts = page_texts()
    assert len(texts) > 20
    missing = sorted(
        text for text in texts if not (catalogue.get(text) and catalogue.get(text).string)
    )
    assert missing == []
    assert "app_optimise" in i18n.DOMAINS
    assert i18n.gettext("Open in Explore", "fr") == "Ouvrir dans Explorer"

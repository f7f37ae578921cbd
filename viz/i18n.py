"""Languages of the app and the reports: translated texts and locale-aware numbers.

Texts are written in English where they are used and translated through gettext catalogues,
one per domain (`app` for the web app's interface, `schema` for the scenario fields' labels
and descriptions, `report` for the council report), kept as `locales/<lang>/LC_MESSAGES/<domain>.po`
beside this module and read with Babel at first use (no compiled files to keep in step).
English needs no catalogue: a missing translation falls back to the English text.

Numbers are formatted by Babel for the language's locale: `1 234,5 €`, `12,3 t CO2e` and
`25,8 %` in French, `€1,234.5`, `12.3 t CO2e` and `25.8%` in English.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel import Locale, negotiate_locale, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DOMAINS = ("app", "schema", "report", "app_optimise")
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
_LOCALE_NAMES = {"fr": "fr_FR", "en": "en_GB"}


def checked_language(lang: str | None) -> str:
    """`lang` if it is one of ours, else the default language."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def preferred_language(accept_language: str | None) -> str:
    """The language to show for a browser's Accept-Language header: French when it asks for
    French before English, English when it asks for English first, French otherwise."""
    asked = []
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if tag:
            asked.append(tag.split("_")[0].lower())
    return negotiate_locale(asked, list(LANGUAGES)) or DEFAULT_LANGUAGE


@cache
def translations(lang: str) -> Translations:
    """Every domain's catalogue for `lang`, merged (an empty one for English)."""
    merged = Translations()
    for domain in DOMAINS:
        po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
        if not po.exists():
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=domain)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        merged.merge(Translations(fp=compiled, domain=domain))
    return merged


def gettext(text: str, lang: str) -> str:
    """`text` in `lang` (the English text where no translation exists)."""
    return translations(checked_language(lang)).gettext(text) if text else text


# The suffix of a comparison's baseline made by `viz.catalogue.baseline_for` (its policies left out).
WITHOUT_POLICIES = "_without_policies"


def scenario_words(name: str, lang: str) -> str:
    """A scenario's, a policy's or a kind's name in words of `lang` (`tool_library`: "outilthèque
    municipale"; a comparison's baseline `x_without_policies`: "x sans ses politiques"), never
    its identifier."""
    name = str(name)
    if name.endswith(WITHOUT_POLICIES):
        return gettext("{name} without its policies", lang).format(
            name=scenario_words(name.removesuffix(WITHOUT_POLICIES), lang)
        )
    return gettext(name.replace("_", " "), lang)


@cache  # parsing a locale costs more than formatting a number, and charts format hundreds
def locale_of(lang: str) -> Locale:
    return Locale.parse(_LOCALE_NAMES[checked_language(lang)])


def format_number(value: float, lang: str, digits: int = 0, trailing_zeros: bool = True) -> str:
    """A plain number with the language's separators and `digits` decimals (at most `digits`
    without trailing zeros when `trailing_zeros` is false)."""
    pattern = "#,##0" + ("." + ("0" if trailing_zeros else "#") * digits if digits > 0 else "")
    return numbers.format_decimal(value, format=pattern, locale=locale_of(lang))


def format_eur(value: float, lang: str, digits: int = 0) -> str:
    """An amount in euros: `1 234 €` in French, `€1,234` (and `-€1,234`) in English."""
    number = format_number(value, lang, digits)
    if checked_language(lang) == "fr":
        return f"{number}\u00a0€"
    return f"-€{number[1:]}" if number.startswith("-") else f"€{number}"


def format_percent(share: float, lang: str, digits: int = 1, trailing_zeros: bool = True) -> str:
    """A share (0.258) as a percentage: `25,8 %` in French, `25.8%` in English (at most `digits`
    decimals without trailing zeros when `trailing_zeros` is false)."""
    number = format_number(share * 100, lang, digits, trailing_zeros)
    return f"{number}\u202f%" if checked_language(lang) == "fr" else f"{number}%"


def format_tonnes(value: float, lang: str, digits: int = 1) -> str:
    """Tonnes of CO2-equivalent: `12,3 t CO2e`."""
    return f"{format_number(value, lang, digits)}\u00a0t\u00a0CO2e"

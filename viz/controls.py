"""Controls shared by the pages: lists that show plain words for internal names, checked number
fields, and text that is always shown as text.

A list's options are (value, words) pairs, so a page can show "tool library" or
"bibliothèque d'outils" while the app keeps the file name. A number field keeps what
was typed and says, in one line under the field, why it is not accepted; the value it
reports is only ever a valid one.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipyvuetify as v
import solara

from .language import number, tr


@solara.component
def ChoiceSelect(
    label: str,
    options: Sequence[tuple[Any, str]],
    value: Any,
    on_value: Callable[[Any], None],
    *,
    search: bool = False,
    multiple: bool = False,
    test_id: str = "",
):
    """A list showing words for values; with `search`, typing filters the options."""
    widget = v.Autocomplete if search else v.Select
    return widget.element(
        label=label,
        items=[{"value": key, "text": text} for key, text in options],
        v_model=value,
        on_v_model=on_value,
        multiple=multiple,
        chips=multiple,
        deletable_chips=multiple,
        attributes={"data-testid": test_id} if test_id else {},
    )


def checked_int(text: str, low: int, high: int) -> tuple[int | None, str]:
    """An integer typed in a field, or the one-line reason it is refused."""
    cleaned = str(text).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    try:
        value = int(cleaned)
    except ValueError:
        return None, tr("“{text}” is not a whole number.").format(text=str(text)[:40])
    if not low <= value <= high:
        return None, tr("{value}: allowed from {low} to {high}.").format(
            value=number(value), low=number(low), high=number(high)
        )
    return value, ""


@solara.component
def IntField(
    label: str,
    value: int,
    on_value: Callable[[int], None],
    low: int,
    high: int,
    *,
    hint: str = "",
    test_id: str = "",
):
    """A whole-number field that refuses, with a message, what is not a number in [low, high]."""
    text, set_text = solara.use_state(str(value), key=f"{label}-{value}")
    problem = checked_int(text, low, high)[1] if text != str(value) else ""

    def submit(typed: str | None) -> None:
        set_text(typed or "")
        accepted, why = checked_int(typed or "", low, high)
        if not why and accepted != value:
            on_value(accepted)

    solara.InputText(
        label,
        value=text,
        on_value=submit,
        error=problem or False,
        message=problem or hint or None,
        classes=[f"partage-field-{test_id}"] if test_id else [],
    )


def escaped(text: Any) -> str:
    """User or scenario text made safe to place inside HTML."""
    return html.escape(str(text))


@solara.component
def PngImage(png: bytes, alt: str, test_id: str = "", readable_px: int = 0):
    """A PNG with its text alternative (solara.Image has none). With `readable_px`, a screen
    narrower than that does not shrink it below that width, so that its words stay readable: it
    scrolls sideways in its own box instead."""
    import base64

    encoded = base64.b64encode(png).decode("ascii")

    def image():
        solara.HTML(
            tag="img",
            attributes={
                "src": f"data:image/png;base64,{encoded}",
                "alt": alt,
                **({"data-testid": test_id} if test_id else {}),
            },
            style="max-width: 100%; height: auto"
            + (f"; min-width: {readable_px}px" if readable_px else ""),
        )

    if not readable_px:
        image()
        return
    with solara.Div(style="overflow-x: auto; max-width: 100%"):
        image()


@solara.component
def Section(summary: str, children=[], expand: bool = False):  # noqa: B006 - Solara's signature
    """A section that opens and closes (the page's own <details>, which every screen reader knows)."""
    return v.Html.element(
        tag="details",
        attributes={"open": True} if expand else {},
        class_="partage-section",
        children=[v.Html.element(tag="summary", children=[summary]), *children],
    )

"""The language of one browser session: French or English, French when the browser asks for it.

The choice is the session's (a Solara reactive), starts from the page address (`?lang=en`)
or else the browser's Accept-Language header, and can be switched from the app bar. Texts
go through `viz.i18n.gettext`; the page's `<html lang>` follows the choice, so screen
readers read French as French.
"""

from __future__ import annotations

import ipyvuetify
import solara
import solara.lab
import traitlets

from . import i18n

language = solara.reactive("")  # "" until the session's first page reads the browser's wish


def current() -> str:
    """The session's language, deciding it from the browser on first use."""
    if language.value not in i18n.LANGUAGES:
        headers = solara.lab.headers.value or {}
        asked = headers.get("accept-language") or headers.get("Accept-Language") or [""]
        language.value = i18n.preferred_language(asked[0] if isinstance(asked, list) else asked)
    return language.value


def tr(text: str) -> str:
    """`text` in the session's language."""
    return i18n.gettext(text, current())


def scenario_title(name: str) -> str:
    """A scenario's name in words of the page's language (`i18n.scenario_words`)."""
    return i18n.scenario_words(name, current())


def number(value: float, digits: int = 0) -> str:
    return i18n.format_number(value, current(), digits)


def eur(value: float, digits: int = 0) -> str:
    return i18n.format_eur(value, current(), digits)


def percent(share: float, digits: int = 1) -> str:
    return i18n.format_percent(share, current(), digits)


def tonnes(value: float, digits: int = 1) -> str:
    return i18n.format_tonnes(value, current(), digits)


# Vuetify 2 leaves a few controls without a name for screen readers (the side panel's menu
# button, a chip's remove cross) and gives its lists a button role around a text field; the
# page names them and gives those lists the combobox role they behave as.
DOCUMENT_TEMPLATE = """
<template><span style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    document.documentElement.lang = this.lang;
    document.title = this.title;
    this.viewport_width = window.innerWidth;
    this.fix();
    this.observer = new MutationObserver(() => this.fix());
    this.observer.observe(document.body, {childList: true, subtree: true});
  },
  beforeDestroy() { if (this.observer) this.observer.disconnect(); },
  methods: {
    fix() {
      const name = (selector, label) => document.querySelectorAll(selector).forEach(e => {
        if (e.getAttribute('aria-label') !== label) e.setAttribute('aria-label', label);
      });
      name('.v-app-bar__nav-icon', this.menu_label);
      name('.v-chip__close', this.remove_label);
      document.querySelectorAll('[role=button][aria-haspopup=listbox]').forEach(e => {
        e.setAttribute('role', 'combobox');
      });
    },
  },
  watch: {
    lang(value) { document.documentElement.lang = value; this.fix(); },
    title(value) { document.title = value; },
  },
};
</script>
"""


class DocumentWidget(ipyvuetify.VuetifyTemplate):
    """Keeps `<html lang>` and the window's title in step with the session, and tells the
    server how wide the window opened (a phone starts with the side panel closed)."""

    template = traitlets.Unicode(DOCUMENT_TEMPLATE).tag(sync=True)
    viewport_width = traitlets.Int(0).tag(sync=True)
    lang = traitlets.Unicode("fr").tag(sync=True)
    title = traitlets.Unicode("Partage").tag(sync=True)
    menu_label = traitlets.Unicode("Settings panel").tag(sync=True)
    remove_label = traitlets.Unicode("Remove").tag(sync=True)


viewport_width = solara.reactive(0)  # the window's width when the session opened, in CSS px


@solara.component
def Document(title: str):
    return DocumentWidget.element(
        lang=current(),
        title=title,
        menu_label=tr("Show or hide the settings panel"),
        remove_label=tr("Remove"),
        on_viewport_width=viewport_width.set,
    )


@solara.component
def LanguageSwitch():
    """Two buttons, FR and EN, each saying in its own language what it does."""
    lang = current()
    with solara.Row(style={"gap": "4px", "align-items": "center"}):
        for code, name in (("fr", "Français"), ("en", "English")):
            solara.Button(
                code.upper(),
                on_click=lambda code=code: language.set(code),
                text=lang != code,
                outlined=lang == code,
                color="white",
                attributes={"aria-label": name, "lang": code, "aria-pressed": str(lang == code)},
                classes=[f"partage-lang-{code}"],
            )

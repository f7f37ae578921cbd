"""The time a task under way has left, estimated and said the same way on every page: Compare's
replications, the policy search and Explore's run to the horizon.

Rules:
- The estimate assumes the rest goes at the pace so far: the seconds since the task started,
  times what is left over what is done (`seconds_left`).
- Before any of it is done, or in its first half second (too soon for a pace), there is no
  estimate (None).
- The text (`time_left_text`) says seconds under a minute and a half (never 0 s), whole minutes
  above, and "estimating the time left…" with no estimate, in the page's language.
"""

from __future__ import annotations

from time import monotonic

from . import i18n

ESTIMATE_AFTER_S = 0.5  # no pace before this many seconds
SECONDS_UP_TO = 90  # said in seconds up to this many, in minutes above


def seconds_left(elapsed: float, done: float, total: float) -> float | None:
    """Seconds left when `done` of `total` took `elapsed` seconds and the rest goes at the same
    pace; None before any is done or in the first `ESTIMATE_AFTER_S` seconds."""
    if done <= 0 or elapsed < ESTIMATE_AFTER_S:
        return None
    return elapsed * max(0.0, total - done) / done


def time_left_text(seconds: float | None, lang: str | None = None) -> str:
    """The time left in words of `lang` (the session's language when None)."""
    if lang is None:
        from .language import current

        lang = current()
    if seconds is None:
        return i18n.gettext("estimating the time left…", lang)
    if seconds < SECONDS_UP_TO:
        return i18n.gettext("about {n} s left", lang).format(
            n=i18n.format_number(max(1, round(seconds)), lang)
        )
    return i18n.gettext("about {n} min left", lang).format(
        n=i18n.format_number(round(seconds / 60), lang)
    )


class Clock:
    """When a task started, and its time left from how much of it is done."""

    def __init__(self) -> None:
        self.started = monotonic()

    def start(self) -> None:
        self.started = monotonic()

    def seconds_left(self, done: float, total: float) -> float | None:
        return seconds_left(monotonic() - self.started, done, total)

    def text(self, done: float, total: float, lang: str | None = None) -> str:
        """The time left in words (`time_left_text`) when `done` of `total` is done."""
        return time_left_text(self.seconds_left(done, total), lang)

"""User text inside messages: escaped and cut, so that a key or a value can neither forge a line
nor flood the terminal.

Every message built from user input (a file name, a key, a value) shows it through `shown`
(a quoted value) or `escaped` (a name or a path, unquoted); the command line passes each
whole message through `one_line` before printing it. Control characters become visible
escapes (`\\x1b`, `\\n`), printable text (accents included) is kept, and anything longer than
its limit is cut with the number of characters left out.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

VALUE_LIMIT = 80
MESSAGE_LIMIT = 400


def _cut(text: str, limit: int, original_length: int) -> str:
    """`text` if it fits in `limit` characters, else its start and how long it was, in `limit` in all."""
    if len(text) <= limit:
        return text
    tail = f"…({original_length} characters in all)"
    return text[: max(limit - len(tail), 1)] + tail


def escaped(text: Any, limit: int = VALUE_LIMIT) -> str:
    """A name or path as printable text: control characters escaped, cut at `limit` characters (a
    path keeps its end, where its file name is)."""
    if isinstance(text, PurePath) and len(str(text)) > limit:
        tail = escaped(str(text)[-(limit - 1) :], limit)
        return "…" + tail[-(limit - 1) :]
    text = str(text)
    visible = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return _cut(visible, limit, len(text))


def shown(value: Any, limit: int = VALUE_LIMIT) -> str:
    """A value given by the user, quoted as Python shows it (`'text'`, `[1, 2]`), escaped and cut."""
    if isinstance(value, str):
        return _cut(repr(value[: limit + 1]), limit, len(value))
    try:
        text = repr(value)
    except RecursionError:
        text = f"<{type(value).__name__} nested too deep>"
    return escaped(text, limit)


def one_line(message: Any, limit: int = MESSAGE_LIMIT) -> str:
    """A whole message ready to print on one line: no control character, at most `limit` characters."""
    return escaped(message, limit)


# An absolute path (`/a/b/c.csv`, `~/x`), at the start of the text or after a space, quote or colon.
_PATH = re.compile(
    r"""(?:(?<=^)|(?<=[\s'"(=:]))(?:~/|/(?=[^\s/'"]))[^\s'"]*?([^\s'"/:]*)(?=$|[\s'":),])"""
)


def without_paths(text: Any) -> str:
    """A message for a page shown by a server: every absolute path is cut to its file name, so a page
    never learns where, or whether, a file lies on the server."""
    return _PATH.sub(lambda match: match.group(1) or "…", str(text))

"""Errors a user can fix: a bad option, a missing file, a store that holds something else.

The machinery raises `UserError` with one line naming the file, the field and
what is allowed; the command line prints it without a traceback (as it does
`model.scenario.ScenarioError`).
"""

from __future__ import annotations

import errno


class UserError(Exception):
    """A mistake the user can correct; printed as one line."""


def path_problem(error: OSError) -> UserError:
    """An `OSError` about a file the user named (too long a name, missing, not allowed), as one line."""
    from model.messages import escaped

    why = error.strerror or "cannot be used"
    if error.errno == errno.ENAMETOOLONG:
        why += " (at most 255 bytes per file or folder name, 4096 in all)"
    return UserError(f"{escaped(error.filename)}: {why}")

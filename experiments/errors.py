"""Errors a user can fix: a bad option, a missing file, a store that holds something else.

The machinery raises `UserError` with one line naming the file, the field and
what is allowed; the command line prints it without a traceback (as it does
`model.scenario.ScenarioError`).
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can correct; printed as one line."""

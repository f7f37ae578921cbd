"""The `partage` command line: one module per command, parsing arguments and printing.

Each command module exposes `register(subparsers)`, which adds its parser and
sets `handler`; the work itself lives in `experiments`, `benchmarks`, `viz`
and `model`. Nothing imports this package.
"""

from cli import signals

signals.install(deferred=True)  # first: a Ctrl-C during the imports is remembered, then handled

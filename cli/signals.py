"""Ctrl-C and closed pipes: one line and a conventional exit code, never a traceback.

The first Ctrl-C (SIGINT) is remembered and raised as `KeyboardInterrupt`;
the command line then treats whatever exception comes out of the command as
that interruption, because libraries do not always let `KeyboardInterrupt`
through unchanged (DuckDB turns it into its own errors, an import interrupted
half-way can surface as `ImportError`). Further Ctrl-Cs while the command
stops are ignored: stopping is already under way, and every wait in it is
bounded. The handler is installed when the `cli` package is imported, before
the heavy imports of the commands; until the entry point runs, a Ctrl-C is
only remembered (no `try` surrounds the entry point's own imports), and the
entry point raises it first thing.

Python ignores an exception raised where nothing can catch it (a weak
reference's callback or a `__del__` run by the garbage collector): it prints
"Exception ignored in" with a traceback and goes on. A Ctrl-C that lands there
is not lost: it is delivered again a moment later, without the traceback.

Once the command's outcome is printed, the interpreter's shutdown joins every
thread still running; a process pool's manager thread left blocked by a worker
stopped half-way would make that wait endless. The process leaves with the
command's exit code after `EXIT_WITHIN_S` whatever is still waited for.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
import threading

INTERRUPTED_EXIT = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C
BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, what shells report when the reader of a pipe went away

REDELIVER_S = 0.05  # a Ctrl-C that landed where Python ignores exceptions is raised again after
EXIT_WITHIN_S = 10.0  # the interpreter's shutdown, after the command's outcome, takes at most
RELEASE_S = 2.0  # then, multiprocessing's shared locks are released within this, at most

_interrupted = threading.Event()


def _on_interrupt(signum, frame) -> None:
    if _interrupted.is_set():
        return
    _interrupted.set()
    raise KeyboardInterrupt


def _remember(signum, frame) -> None:
    _interrupted.set()


def _on_unraisable(unraisable) -> None:
    """Our KeyboardInterrupt, ignored by Python where it was raised: raise it again shortly, in
    whatever the main thread runs then (forgotten first, so that the handler raises it)."""
    if not (issubclass(unraisable.exc_type, KeyboardInterrupt) and _interrupted.is_set()):
        sys.__unraisablehook__(unraisable)
        return
    again = threading.Timer(REDELIVER_S, _thread.interrupt_main, (signal.SIGINT,))
    again.daemon = True
    again.start()
    _interrupted.clear()


def install(deferred: bool = False) -> None:
    """Handle Ctrl-C as described above (only the main thread may install a handler). `deferred`:
    only remember it, for the imports of the entry point itself, which no `try` surrounds; the
    entry point raises it once inside its own (`raise_if_interrupted`)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _remember if deferred else _on_interrupt)
        sys.unraisablehook = _on_unraisable


def raise_if_interrupted() -> None:
    """Raise the Ctrl-C remembered while the entry point was being imported."""
    if _interrupted.is_set():
        raise KeyboardInterrupt


def ignore_from_now() -> None:
    """The command's outcome is decided: a Ctrl-C from here on, while the interpreter shuts down,
    neither prints a traceback nor kills the process, whose exit code stays the command's."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def exit_within(code: int, seconds: float = EXIT_WITHIN_S) -> None:
    """The command's outcome (`code`) is decided and printed: if the interpreter has not exited
    `seconds` from now (a thread it joins is blocked), leave anyway, with that code."""

    def leave() -> None:
        release = threading.Thread(target=_release_shared_locks, daemon=True)
        release.start()
        release.join(timeout=RELEASE_S)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)

    timer = threading.Timer(seconds, leave)
    timer.daemon = True  # it does not hold the exit back itself
    timer.start()


def _release_shared_locks() -> None:
    """multiprocessing's exit steps that release what it shares with other processes (the locks of a
    pool's queues, which its resource tracker would report as leaked after the command's one
    line), not those that wait for processes (`multiprocessing.util._exit_function`)."""
    shared = sys.modules.get("multiprocessing.util")
    if shared is not None:
        with contextlib.suppress(Exception):
            shared._run_finalizers(0)


def forget_interrupt_in_exec() -> None:
    """CPython remembers a KeyboardInterrupt that ended code run from a string by `exec` (as
    `dataclasses` and `namedtuple` build their methods, e.g. in an import under way) even once it
    was caught, and `python -m` then exits by SIGINT whatever the exit code asked. A string
    `exec` resets that memory: called once the interruption is handled."""
    exec("None")  # noqa: S102 - a constant string, run only to reset the interpreter's flag


def interrupted() -> bool:
    return _interrupted.is_set()


def silence_stdout() -> None:
    """After the reader of stdout went away (`partage ... | head`): send what is left nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)

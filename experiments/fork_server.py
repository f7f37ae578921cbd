"""The local pool's fork server: a process that imports the model once and forks the pool's
workers from itself, so that a worker is ready in milliseconds (`executors.LocalPoolExecutor`).

This module imports nothing but the standard library: the command line starts the fork server
first thing when a command asks for several workers (`start_fork_server`), so that the server's
imports (about 1.5 s) overlap the command's own (about 1 s) instead of following them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading

# What a fork server imports once, before it forks the pool's workers: everything a run needs,
# and a small run that loads what a first run loads (`experiments.pool_preload`).
PRELOADED = ("__main__", "experiments.executors", "experiments.targets", "experiments.pool_preload")


def pool_context() -> multiprocessing.context.BaseContext:
    """How the pool starts its workers: forked from a fork server that imported the model once
    (`PRELOADED`), so that a worker is ready in milliseconds instead of importing the model
    itself for a second or more; spawned where there is no fork server (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOADED))
    return context


def start_fork_server() -> None:
    """Start the fork server now, if the pool uses one and it is not running yet, so that its
    imports overlap the sweep's preparation; it ignores Ctrl-C (the parent handles it), and so
    do the workers it forks."""
    context = pool_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        with workers_start_ignoring_ctrl_c():
            forkserver.ensure_running()


# Commands that run sweeps on several local workers whatever their options
SEVERAL_WORKERS_COMMANDS = ("sweep-bench",)


def asks_for_workers(arguments: list[str]) -> bool:
    """Whether a command line asks for several local workers (`--workers W`, W > 1, or a command
    that always uses them), read before the command's modules are imported; a malformed value is
    argparse's to report."""
    for index, argument in enumerate(arguments):
        if argument == "--":
            break
        if argument in SEVERAL_WORKERS_COMMANDS:
            return True
        value = None
        if argument == "--workers" and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif argument.startswith("--workers="):
            value = argument.partition("=")[2]
        if value is not None and value.strip().isdigit() and int(value) > 1:
            return True
    return False


@contextlib.contextmanager
def workers_start_ignoring_ctrl_c():
    """Workers started in this block do not take Ctrl-C: one pressed while they import (before
    their initializer) is the parent's alone, not a traceback per worker. They start with it
    blocked (a signal mask is kept across exec), or, where there are no signal masks (Windows),
    ignored. The parent keeps one pressed in the meantime and handles it as soon as the workers
    are started, instead of dropping it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if not hasattr(signal, "pthread_sigmask"):
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
        return
    # multiprocessing's resource tracker unblocks SIGINT once it has started its own process,
    # which would let the processes started after it take the Ctrl-C: it is started first.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # one pending now comes to `pressed`
        signal.signal(signal.SIGINT, previous)
        if pressed:
            signal.raise_signal(signal.SIGINT)

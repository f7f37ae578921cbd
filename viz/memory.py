"""Memory of closed sessions given back: a class of thirty reloading tabs must not fill the server.

Solara closes a session's kernel when its tab closes (after `cull_timeout` when the
connection only dropped). Closing drops the session's state, but the models' numpy
arrays go back to the C allocator, which keeps them unless asked: after each close the
session's runs are released, a full garbage collection runs and glibc is asked to return
free memory to the system (`malloc_trim`). Each close logs how many sessions and
Explore runs are still alive, so an operator (and the tests) can see nothing leaks.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import threading
import time
import weakref

logger = logging.getLogger("partage.memory")

live_runs: weakref.WeakSet = weakref.WeakSet()  # every ExploreRun not yet collected
_sessions = {"open": 0}
_lock = threading.Lock()


def track(run) -> None:
    """Count `run` among the live Explore runs of this session until it is closed or collected."""
    try:
        import solara

        run.session_id = solara.get_kernel_id()
    except Exception:  # noqa: BLE001 - outside a session (a script, a benchmark): no session
        run.session_id = None
    live_runs.add(run)


def runs_holding_a_model() -> int:
    return sum(1 for run in list(live_runs) if run.model is not None)


def _return_memory_to_system() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: it keeps what it keeps
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _after_close() -> None:
    """Collect until the closed session's runs are gone (the kernel lets go of its objects over
    a few seconds), then give memory back and log what is still alive."""
    for _ in range(10):
        gc.collect()
        with _lock:
            open_now = _sessions["open"]
        if runs_holding_a_model() <= open_now:
            break
        time.sleep(1.0)
    _return_memory_to_system()
    logger.warning(
        "partage sessions open: %d, explore runs alive: %d", open_now, runs_holding_a_model()
    )


_forget_page_state: list = []  # set by free_closed_sessions: clears the pages' per-session state


def _on_session_start():
    import solara

    session = solara.get_kernel_id()
    with _lock:
        _sessions["open"] += 1

    def release():
        for forget in _forget_page_state:
            forget()
        with _lock:
            _sessions["open"] -= 1
        # The kernel still draws its pages while it closes, and its own objects are freed once
        # this close returns: close the session's runs and collect a moment later.
        threading.Timer(1.0, _close_runs_then_collect, args=(session,)).start()

    return release


def session_renderer():
    """The current session's render context (None outside a session): a run closes while holding
    its lock, so a page never draws a run that closes half-way through the drawing."""
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context().app_object
    except Exception:  # noqa: BLE001 - outside a session (a script, a benchmark): none
        return None


@contextlib.contextmanager
def not_while_drawing(renderer):
    """Hold `renderer`'s render lock (reacton renders under `thread_lock`), unless this thread is
    the one drawing; wait at most 10 s for a drawing under way."""
    lock = getattr(renderer, "thread_lock", None)
    drawing_here = getattr(renderer, "_lock_thread", None) is threading.current_thread()
    held = lock is not None and not drawing_here and lock.acquire(timeout=10)
    try:
        yield
    finally:
        if held:
            lock.release()


def _close_runs_then_collect(session) -> None:
    """Whatever still points at the closed session's runs (a widget's callback, a thread), their
    models' arrays go now; then collect."""
    for run in list(live_runs):
        if getattr(run, "session_id", None) == session:
            run.close()
    _after_close()


def free_closed_sessions(forget_page_state, cull_timeout: str = "60s") -> None:
    """Release each session's runs when it closes, after `forget_page_state()` has cleared what
    the pages keep for it; close sessions whose connection dropped after `cull_timeout`."""
    _forget_page_state[:] = [forget_page_state]
    import solara.lab
    import solara.server.settings

    solara.server.settings.kernel.cull_timeout = cull_timeout
    solara.lab.on_kernel_start(_on_session_start)

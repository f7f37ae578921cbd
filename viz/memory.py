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
import weakref

logger = logging.getLogger("partage.memory")

live_runs: weakref.WeakSet = weakref.WeakSet()  # every ExploreRun not yet collected
_sessions = {"open": 0}
_lock = threading.Lock()


def track(run) -> None:
    """Count `run` among the live Explore runs until it is collected."""
    live_runs.add(run)


def _return_memory_to_system() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: it keeps what it keeps
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _after_close() -> None:
    _return_memory_to_system()
    with _lock:
        open_now = _sessions["open"]
    logger.warning("partage sessions open: %d, explore runs alive: %d", open_now, len(live_runs))


def _on_session_start():
    from viz import compare, explore

    with _lock:
        _sessions["open"] += 1

    def release():
        explore.playing.value = False
        explore.current.value = None
        compare.last_result.value = None
        with _lock:
            _sessions["open"] -= 1
        # The kernel's own objects are freed once this close returns: collect a moment later.
        threading.Timer(1.0, _after_close).start()

    return release


def free_closed_sessions(cull_timeout: str = "60s") -> None:
    """Release each session's runs when it closes; close sessions whose connection dropped after `cull_timeout`."""
    import solara.lab
    import solara.server.settings

    solara.server.settings.kernel.cull_timeout = cull_timeout
    solara.lab.on_kernel_start(_on_session_start)

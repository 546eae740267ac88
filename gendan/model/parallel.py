"""One big workbook on several cores: the switch, and a call run in a forked copy.

Two stretches of a big check can use a second core.  The read (gendan.read.split_read) uses
threads, because calamine's parse releases the GIL.  The rules are Python code that holds
the GIL, so threads would take turns; instead a forked copy of the process runs some of the
rules (:func:`fork_call`): the child sees the typed tables without copying or pickling them
(pages are shared copy-on-write) and only its findings travel back through a pipe.

A folder run already gives each core its own workbook, so its worker processes call
:func:`serial` and read and check one workbook on one core; ``gendan check --jobs 1`` and
library callers use :func:`one_core` (or ``RunOptions(cores=1)``, gendan.model.options) for one
call only, undone when it returns.  Where ``os.fork`` is missing
(Windows, where the add-in runs), not safe to use after threads (macOS), or while other
threads run (a library user's server), the work runs in this process, unchanged.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

#: whether one workbook may use several cores here; a context variable, so one_core()
#: is undone on exit and does not leak into other threads' or tasks' runs
_ENABLED: ContextVar[bool] = ContextVar("gendan_parallel_enabled", default=True)


def cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def allowed() -> bool:
    """Whether one workbook may use more than one core."""
    return _ENABLED.get() and cores() >= 2


def serial() -> None:
    """One core per workbook from now on in this process: for the worker processes of a
    folder run (a ProcessPoolExecutor initializer, which has no ``with`` to scope it)."""
    _ENABLED.set(False)


@contextmanager
def one_core(enabled: bool = False) -> Iterator[None]:
    """Inside the block, one workbook uses one core (``enabled=True``: as many as allowed);
    the previous setting is back afterwards."""
    token = _ENABLED.set(enabled and _ENABLED.get())
    try:
        yield
    finally:
        _ENABLED.reset(token)


def fork_call(fn: Callable[[], T]) -> Callable[[], T | None] | None:
    """Start ``fn()`` in a forked child.  Returns a function that waits for the child and
    gives ``fn()``'s result, or None if the child failed (the caller then runs ``fn``
    itself); returns None at once where forking is not available or not allowed.

    The child never returns into the caller's code: it writes its pickled result to a
    pipe and leaves with ``os._exit`` (no atexit handlers, no flushing of the parent's
    buffered output a second time).  The pipe is read by the parent only, from its own
    child, so unpickling it trusts nothing from outside."""
    # another thread could hold a lock (the import lock, a logging lock) at the moment of
    # the fork, and the child would wait for it forever: fork only a single-threaded process
    if not allowed() or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return None
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child
        code = 0
        try:
            os.close(read_fd)
            payload: Any = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
        except BaseException:  # any failure: the parent runs fn itself
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)

    def result() -> T | None:
        with os.fdopen(read_fd, "rb") as pipe:
            data = pipe.read()
        _pid, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            return None
        value: T = pickle.loads(data)  # our own child's output
        return value

    return result

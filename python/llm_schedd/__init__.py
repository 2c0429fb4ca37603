# SPDX-License-Identifier: BSD-3-Clause
"""Phase marks for the llm_sched scheduler, from Python.

    import llm_schedd
    llm_schedd.set_phase("forward", scope="process")   # every thread, pools included
    with llm_schedd.phase("backward"):                  # this thread, until the block ends
        loss.backward()

A process mark reaches every thread of the process, those started
before it and after it; a thread mark only the thread, and it beats the
process's. Neither is inherited by a thread or process started while it
is set (include/llm_schedd/phase.h has the rules).

Marks are harmless without llm-schedd (a 50.1 us timer slack instead of
50 us). llm_schedd.torch marks a model's forward and backward passes
automatically; llm_schedd.hugemem gives numpy arrays on huge pages.
"""
import contextlib
import os
import threading

from . import _clib

__all__ = ["PHASES", "set_phase", "get_phase", "phase", "mark_thread"]

PHASES = {"none": 0, "forward": 1, "backward": 2}
_NAMES = {v: k for k, v in PHASES.items()}

# The process mark as this module last set it (the kernel keeps no copy
# a thread can read back).
_process_phase = "none"
_process_lock = threading.Lock()


def _code(name):
    try:
        return PHASES[name]
    except KeyError:
        raise ValueError(f"unknown phase {name!r}: use one of {', '.join(PHASES)}") from None


def _check(rc, what):
    if rc < 0:
        raise OSError(-rc, f"{what}: {os.strerror(-rc)}")


def set_phase(name, scope="thread"):
    """Marks this thread ("thread") or the whole process ("process")."""
    global _process_phase
    code = _code(name)
    if scope == "thread":
        _check(_clib.lib().llm_phase_set(code), f"llm_phase_set({name})")
    elif scope == "process":
        with _process_lock:
            _check(_clib.lib().llm_phase_set_process(code), f"llm_phase_set_process({name})")
            _process_phase = name
    else:
        raise ValueError(f"scope must be 'thread' or 'process', not {scope!r}")


def get_phase(scope="thread"):
    """This thread's own mark, or the process mark this module last set."""
    if scope == "process":
        return _process_phase
    if scope != "thread":
        raise ValueError(f"scope must be 'thread' or 'process', not {scope!r}")
    return _NAMES.get(_clib.lib().llm_phase_get(), "none")


@contextlib.contextmanager
def phase(name, scope="thread"):
    """Marks for the block, then puts back the mark that was there."""
    before = get_phase(scope)
    set_phase(name, scope)
    try:
        yield
    finally:
        set_phase(before, scope)


def mark_thread(tid, name):
    """Marks another thread; needs CAP_SYS_NICE over it (otherwise use
    `llm-schedctl phase NAME --tid TID`, which asks the daemon)."""
    _check(_clib.lib().llm_phase_set_tid(int(tid), _code(name)), f"llm_phase_set_tid({tid}, {name})")

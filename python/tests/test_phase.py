# SPDX-License-Identifier: BSD-3-Clause
"""The Python API on the real C library, against the kernel's own record of
each thread's timer slack (no sched_ext needed: the mark is the slack)."""
import ctypes
import threading

import pytest

import llm_schedd

BASE = 50100


_libc = ctypes.CDLL(None, use_errno=True)
PR_GET_TIMERSLACK = 30


def slack():
    """This thread's timer slack, as the kernel keeps it."""
    return _libc.prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0)


def decode(value):
    """(phase, scope) of a mark, or None for a slack that is not one."""
    code = value - BASE
    if not 0 <= code < 16 or code & 3 == 3:
        return None
    return ({0: "none", 1: "forward", 2: "backward"}[code & 3], "process" if code & 4 else "thread")


def in_thread(fn):
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("r", fn()))
    t.start()
    t.join()
    return out["r"]


def test_thread_mark_sets_and_clears_this_thread_only():
    def body():
        before = slack()
        llm_schedd.set_phase("forward")
        marked = slack()
        assert decode(marked) == ("forward", "thread")
        assert llm_schedd.get_phase() == "forward"
        # Marking the same phase again leaves the mark; another phase changes it.
        llm_schedd.set_phase("forward")
        assert decode(slack()) == ("forward", "thread")
        llm_schedd.set_phase("backward")
        assert decode(slack()) == ("backward", "thread")
        other = in_thread(slack)
        llm_schedd.set_phase("none")
        return before, other, slack(), llm_schedd.get_phase()

    before, other, after, phase = in_thread(body)
    # A thread started while its creator was marked sees the copied slack,
    # which the scheduler ignores; clearing really restores the old value.
    assert decode(other) == ("backward", "thread")
    assert after == before
    assert phase == "none"


def test_the_context_manager_puts_back_what_was_there():
    def body():
        llm_schedd.set_phase("forward")
        with llm_schedd.phase("backward"):
            inside = llm_schedd.get_phase()
        after = llm_schedd.get_phase()
        with pytest.raises(RuntimeError):
            with llm_schedd.phase("backward"):
                raise RuntimeError("the block fails")
        failed = llm_schedd.get_phase()
        llm_schedd.set_phase("none")
        return inside, after, failed

    assert in_thread(body) == ("backward", "forward", "forward")


def test_process_mark_is_a_process_scope_value():
    def body():
        llm_schedd.set_phase("backward", scope="process")
        v = slack()
        with llm_schedd.phase("forward", scope="process"):
            inner = slack()
        after = slack()
        llm_schedd.set_phase("none", scope="process")
        return v, inner, after, slack(), llm_schedd.get_phase("process")

    v, inner, after, cleared, name = in_thread(body)
    assert decode(v) == ("backward", "process")
    assert decode(inner) == ("forward", "process")
    assert decode(after) == ("backward", "process")
    assert decode(cleared) == ("none", "process")
    assert name == "none"


def test_bad_input_is_refused_before_anything_changes():
    before = slack()
    with pytest.raises(ValueError, match="unknown phase 'sideways'"):
        llm_schedd.set_phase("sideways")
    with pytest.raises(ValueError, match="scope"):
        llm_schedd.set_phase("forward", scope="cluster")
    with pytest.raises(ValueError, match="scope"):
        llm_schedd.get_phase("cluster")
    assert slack() == before


def test_marking_another_thread_takes_privilege():
    """Root (CAP_SYS_NICE) marks another thread; anyone else is refused by
    the kernel and must ask the daemon (llm-schedctl phase --tid)."""
    import os

    ready, done = threading.Event(), threading.Event()
    tid = {}

    def sleeper():
        tid["t"] = threading.get_native_id()
        ready.set()
        done.wait()

    t = threading.Thread(target=sleeper)
    t.start()
    ready.wait()
    try:
        path = f"/proc/{tid['t']}/timerslack_ns"
        if os.geteuid() == 0:
            llm_schedd.mark_thread(tid["t"], "backward")
            with open(path) as f:
                assert decode(int(f.read())) == ("backward", "thread")
            llm_schedd.mark_thread(tid["t"], "none")
            with open(path) as f:
                assert decode(int(f.read())) is None
        else:
            with pytest.raises(OSError):
                llm_schedd.mark_thread(tid["t"], "forward")
    finally:
        done.set()
        t.join()

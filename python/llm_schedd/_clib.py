# SPDX-License-Identifier: BSD-3-Clause
"""The C library (libllm_schedd_client.so) through ctypes.

Looked up in this order: $LLM_SCHEDD_LIB (a path), the directory of this
package (a copy installed beside it), then the system's library path.
"""
import ctypes
import ctypes.util
import os

_lib = None


class HugeMem(ctypes.Structure):
    _fields_ = [
        ("addr", ctypes.c_void_p),
        ("len", ctypes.c_size_t),
        ("page_size", ctypes.c_size_t),
        ("kind", ctypes.c_int),
        ("fallback_errno", ctypes.c_int),
    ]


def _candidates():
    env = os.environ.get("LLM_SCHEDD_LIB")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libllm_schedd_client.so.0")
    yield "libllm_schedd_client.so.0"
    found = ctypes.util.find_library("llm_schedd_client")
    if found:
        yield found


def lib():
    """The loaded library; OSError naming every place tried if there is none."""
    global _lib
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        try:
            candidate = ctypes.CDLL(path, use_errno=True)
        except OSError as e:
            tried.append(f"{path} ({e})")
            continue
        _declare(candidate)
        _lib = candidate
        return _lib
    raise OSError("cannot load libllm_schedd_client: tried " + "; ".join(tried) +
                  ". Install llm-schedd's library, or set LLM_SCHEDD_LIB to its path")


def _declare(l):
    for name in ("llm_phase_set", "llm_phase_set_process"):
        f = getattr(l, name)
        f.argtypes = [ctypes.c_int]
        f.restype = ctypes.c_int
    l.llm_phase_get.argtypes = []
    l.llm_phase_get.restype = ctypes.c_int
    l.llm_phase_set_tid.argtypes = [ctypes.c_int, ctypes.c_int]
    l.llm_phase_set_tid.restype = ctypes.c_int
    l.llm_hugemem_alloc.argtypes = [ctypes.POINTER(HugeMem), ctypes.c_size_t, ctypes.c_char_p, ctypes.c_uint]
    l.llm_hugemem_alloc.restype = ctypes.c_int
    l.llm_hugemem_free.argtypes = [ctypes.POINTER(HugeMem)]
    l.llm_hugemem_free.restype = None
    l.llm_hugemem_kind_name.argtypes = [ctypes.c_int]
    l.llm_hugemem_kind_name.restype = ctypes.c_char_p
    l.llm_hugemem_stage.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    l.llm_hugemem_stage.restype = ctypes.c_int

# SPDX-License-Identifier: BSD-3-Clause
"""numpy arrays (and torch tensors) on huge pages, from llm_hugemem_alloc.

    import llm_schedd.hugemem as hm
    w = hm.empty((4096, 4096), "float32")   # hugetlbfs, MAP_HUGETLB, THP or 4 KiB, best first
    print(hm.kind(w))                         # "hugetlb", "thp", ...
    t = hm.tensor((4096, 4096))               # the same, as a torch tensor sharing the memory
    path = hm.stage("model.gguf")             # a copy on hugetlbfs, for loaders that mmap (llama.cpp)

The memory is unmapped when the last array or tensor that uses it is gone.
The hugetlbfs directory is the argument, or $LLM_SCHEDD_HUGETLBFS.
"""
import ctypes
import errno
import os

import numpy as np

from . import _clib

__all__ = ["empty", "zeros", "tensor", "kind", "stage"]

POPULATE, NO_HUGETLB, NO_THP = 0x1, 0x2, 0x4


class _Mapping:
    """Owns one llm_hugemem mapping; freed with the last array on it."""

    def __init__(self, nbytes, hugetlbfs_dir, flags):
        self.buf = _clib.HugeMem()
        d = os.fsencode(hugetlbfs_dir) if hugetlbfs_dir else None
        rc = _clib.lib().llm_hugemem_alloc(ctypes.byref(self.buf), max(int(nbytes), 1), d, flags)
        if rc < 0:
            raise OSError(-rc, f"llm_hugemem_alloc({nbytes} bytes): {os.strerror(-rc)}")
        self.kind = _clib.lib().llm_hugemem_kind_name(self.buf.kind).decode()
        self.page_size = self.buf.page_size

    def __del__(self):
        lib = _clib._lib
        if lib is not None and self.buf.addr:
            lib.llm_hugemem_free(ctypes.byref(self.buf))


def empty(shape, dtype="float32", hugetlbfs_dir=None, populate=True, hugetlb=True, thp=True):
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    flags = (POPULATE if populate else 0) | (0 if hugetlb else NO_HUGETLB) | (0 if thp else NO_THP)
    m = _Mapping(count * dtype.itemsize, hugetlbfs_dir, flags)
    raw = (ctypes.c_ubyte * m.buf.len).from_address(m.buf.addr)
    raw._llm_mapping = m  # the array's base chain keeps the mapping alive
    return np.frombuffer(raw, dtype=dtype, count=count).reshape(shape)


def zeros(shape, dtype="float32", **kw):
    """Fresh anonymous and hugetlb memory reads as zero already."""
    return empty(shape, dtype, **kw)


def kind(array):
    """Which kind of page backs the array: "hugetlbfs", "hugetlb", "thp" or "4k"."""
    base = array
    while base is not None:
        m = getattr(base, "_llm_mapping", None)
        if m is not None:
            return m.kind
        base = getattr(base, "base", None) if not isinstance(base, ctypes.Array) else None
    raise ValueError("the array is not on memory from llm_schedd.hugemem")


def tensor(shape, dtype=None, **kw):
    import torch

    dtype = dtype or torch.float32
    np_dtype = torch.empty((), dtype=dtype).numpy().dtype
    return torch.from_numpy(empty(shape, np_dtype, **kw))


def stage(path, hugetlbfs_dir=None):
    """Copies a model file onto a hugetlbfs mount and returns the copy's path.

    A loader that mmap()s the copy maps huge pages. The copy is padded with
    zeros to whole huge pages; one already there with the same length and
    modification time is reused. Raises OSError (nothing is left behind).
    """
    out = ctypes.create_string_buffer(4096)
    d = os.fsencode(hugetlbfs_dir) if hugetlbfs_dir else None
    rc = _clib.lib().llm_hugemem_stage(os.fsencode(path), d, out, len(out))
    if rc < 0:
        where = hugetlbfs_dir or os.environ.get("LLM_SCHEDD_HUGETLBFS") or "no hugetlbfs directory given"
        why = {"ENOTSUP": f"{where} is not a hugetlbfs mount",
               "ENOMEM": "the hugetlb pool (or the mount's size) is too small for it",
               "EINVAL": "not a non-empty regular file, or no hugetlbfs directory (argument or $LLM_SCHEDD_HUGETLBFS)",
               "EAGAIN": "the file changed while it was copied"}.get(errno.errorcode.get(-rc), os.strerror(-rc))
        raise OSError(-rc, f"staging {path} onto {where}: {why}")
    return os.fsdecode(out.value)

"""Allocator settings of the generation process: keep freed memory for reuse instead of giving it back.

A chunk allocates and frees a few hundred MB of large temporary arrays (truth, weights, branches,
and uproot's copies of every basket). With glibc's defaults each of them is a fresh ``mmap`` whose
pages are faulted in (and zeroed) on first touch, then unmapped on free: ~80k page faults per 200k
W events, 25-30% of the CPU time of a chunk (benchmarks/generate.py). Serving every block from the
heap (``M_MMAP_MAX = 0``) and trimming it only above 1 GiB of free memory at its top reuses the
same pages instead. Only the layout of memory changes, never a value; a no-op outside glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import platform

__all__ = ["keep_freed_memory"]

#: mallopt parameters (glibc <malloc.h>).
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
_TRIM_BYTES = 1 << 30


@functools.cache
def keep_freed_memory() -> bool:
    """Set the glibc malloc options of the module docstring for this process (once); True if applied."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_MMAP_MAX, 0)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_BYTES))
    except (OSError, AttributeError):
        return False

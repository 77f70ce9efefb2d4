"""Operations on branch sets (:mod:`wmass.nanoaod.schema`): concatenate events, reorder events."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wmass.nanoaod.schema import Branches, Collection, Jagged

__all__ = ["concat_branches", "permute_branches"]


def concat_branches(parts: Sequence[Branches]) -> Branches:
    """Events of ``parts`` one after the other; every part must have the same branches."""
    names = list(parts[0])
    for part in parts[1:]:
        if list(part) != names:
            raise ValueError("cannot concatenate branch sets with different branches")
    out: Branches = {}
    for name in names:
        vals = [part[name] for part in parts]
        if isinstance(vals[0], (Collection, Jagged)):
            counts = np.concatenate([v.counts for v in vals])  # type: ignore[union-attr]
        if isinstance(vals[0], Collection):
            out[name] = Collection(counts, {f: np.concatenate([v.fields[f] for v in vals])  # type: ignore[union-attr]
                                            for f in vals[0].fields})
        elif isinstance(vals[0], Jagged):
            out[name] = Jagged(counts, np.concatenate([v.values for v in vals]))  # type: ignore[union-attr]
        else:
            out[name] = np.concatenate(vals)  # type: ignore[arg-type]
    return out


def _gather_index(counts: np.ndarray, perm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat index that reorders a jagged array's content by event permutation ``perm``; new counts."""
    off = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=off[1:])
    new_counts = counts[perm]
    new_off = np.zeros_like(off)
    np.cumsum(new_counts, out=new_off[1:])
    shift = np.repeat(off[:-1][perm] - new_off[:-1], new_counts)
    return np.arange(new_off[-1], dtype=np.int64) + shift, new_counts


def permute_branches(branches: Branches, perm: np.ndarray) -> Branches:
    """Events reordered so that new event i is old event ``perm[i]``."""
    out: Branches = {}
    for name, val in branches.items():
        if isinstance(val, Collection):
            idx, counts = _gather_index(val.counts, perm)
            out[name] = Collection(counts, {f: v[idx] for f, v in val.fields.items()})
        elif isinstance(val, Jagged):
            idx, counts = _gather_index(val.counts, perm)
            out[name] = Jagged(counts, val.values[idx])
        else:
            out[name] = val[perm]
    return out

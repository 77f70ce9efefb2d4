"""A :class:`~wmass.fit.builder.FitInputBuilder` that keeps only the non-zero log κ of each variation.

The fit engine's builder keeps a dense [bins] array of log κ per (channel, process, systematic) until
:meth:`build`; for the mw analysis (≈ 4000 nuisances × 7 processes × 2880 bins) that is ~0.7 GB
although most variations act inside one (η, charge) cell. This subclass compresses each variation
as soon as it is added (bin indices and values of the non-zero entries), so memory scales with the
non-zero entries, and builds the same :class:`~wmass.fit.inputs.LogK` (sparse or dense).

Entries with |log κ| below :data:`LOGK_ZERO` are dropped: they are floating-point residues of
"nominal − h[cell, nominal] + h[cell, label]" in cells where a variation does nothing (changing the
expected yields by < 1e-12 relative), and would otherwise fill the sparse tensor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import hist
import numpy as np

from wmass.fit.builder import FitInputBuilder, logk_from_entries
from wmass.fit.inputs import Channel, LogK

__all__ = ["LOGK_ZERO", "CompactFitInputBuilder"]

#: log κ entries smaller than this (in absolute value, both parts) are treated as exact zeros.
LOGK_ZERO = 1e-12


class CompactFitInputBuilder(FitInputBuilder):
    """FitInputBuilder storing (bin indices, log κ_avg, log κ_halfdiff) of the non-zero entries only."""

    def add_systematic(self, channel: str, process: str, name: str, up: hist.Hist | np.ndarray,
                       down: hist.Hist | np.ndarray | None = None, group: str | Sequence[str] | None = None,
                       constrained: bool = True, noi: bool = False, kfactor: float = 1.0,
                       symmetrize: str | None = None) -> None:
        """As :meth:`FitInputBuilder.add_systematic`, then keep only the non-zero entries."""
        super().add_systematic(channel, process, name, up, down, group, constrained, noi, kfactor, symmetrize)
        key = (channel, process, name)
        avg, hd = self.logk[key]
        keep = np.abs(avg) > LOGK_ZERO if hd is None else (np.abs(avg) > LOGK_ZERO) | (np.abs(hd) > LOGK_ZERO)
        nz = np.flatnonzero(keep)
        self.logk[key] = (nz, avg[nz], None if hd is None else hd[nz])  # type: ignore[assignment]

    def _logk(self, chans: list[Channel], offs: np.ndarray, procs: list[str], systs: list[str], sparse: bool) -> LogK:
        """Assemble the (bin, process, syst) entries, sorted by row, into a sparse or dense LogK."""
        nb, npr, ns = int(offs[-1]), len(procs), len(systs)
        stored: list[Any] = list(self.logk.items())
        sym = all(entry[2] is None for _, entry in stored)
        cidx = {c.name: i for i, c in enumerate(chans)}
        pidx, sidx = {p: i for i, p in enumerate(procs)}, {s: i for i, s in enumerate(systs)}
        idx, avg, hd = [], [], []
        for (ch, p, s), (nz, a, h) in stored:
            b = offs[cidx[ch]] + nz
            idx.append(np.stack([b, np.full(len(b), pidx[p]), np.full(len(b), sidx[s])], axis=1))
            avg.append(a)
            hd.append(np.zeros(len(nz)) if h is None else h)
        return logk_from_entries((nb, npr, ns), idx, avg, None if sym else hd, sparse)

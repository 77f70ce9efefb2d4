"""Build a :class:`~wmass.fit.inputs.FitInput` from ``hist.Hist`` objects (the processors feed this).

    b = FitInputBuilder()
    b.add_channel("plus", h_data.axes)                    # named axes, flattened in C order
    b.add_data("plus", h_data)
    b.add_process("plus", "wplus", h_w, signal=True)     # Weight storage: variances = sumw2
    b.add_systematics("plus", "wplus", h_w_syst, group="effStat")   # a "syst" axis (+ "downup")
    b.add_systematic("plus", "wplus", "massShift", up=h_up, down=h_dn, constrained=False, noi=True)
    b.add_norm("lumi", ["wplus", "zmumu"], 1.017)
    fi = b.build(sparse=True)

log κ as in rabbit's TensorWriter (``get_logk``, ``_compute_asym_syst``): ln(var/ν⁰), log(1e-3)
where the variation flips sign, 0 where ν⁰ = 0; ``kfactor`` scales log κ (e.g. ±½ for the
m_W+ − m_W− reparametrisation: massDiff acts with +½ on W+ and −½ on W−). ``symmetrize="average"``
keeps only log κ_avg, None keeps the asymmetric interpolation.

Storage: each variation is compressed as soon as it is added, to the bin indices and values of its
non-zero log κ entries, so memory scales with the non-zero entries, not with bins × processes ×
systematics (for the mw fit input, ≈ 4000 nuisances × 7 processes × 2880 bins, a dense store would
take ~0.7 GB although most variations act inside one (η, charge) cell). ``logk_zero`` sets what
counts as zero: entries with |log κ_avg| and |log κ_halfdiff| both ≤ ``logk_zero`` are dropped.
The default 0 keeps every non-zero entry; ``wmass fitinput`` uses :data:`LOGK_ZERO` (1e-12), which
drops the floating-point residues of "nominal − h[cell, nominal] + h[cell, label]" in cells where a
variation does nothing (changing the expected yields by < 1e-12 relative) that would otherwise fill
the sparse tensor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import hist
import numpy as np

from wmass.errors import InputError
from wmass.fit.inputs import Channel, FitInput, LogK

__all__ = ["LOGK_ZERO", "FitInputBuilder", "logk_from_entries", "logk_from_variation"]

LOGK_EPSILON = math.log(1e-3)
#: log κ entries smaller than this (in absolute value, both parts) are floating-point residues (``wmass fitinput``).
LOGK_ZERO = 1e-12


def logk_from_variation(var: np.ndarray, nom: np.ndarray, kfactor: float = 1.0) -> np.ndarray:
    """kfactor·ln(var/nom), log(1e-3) where var and nom differ in sign or vanish (rabbit ``get_logk``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lk = kfactor * np.log(var / nom)
    return np.where(np.sign(nom * var) == 1, lk, LOGK_EPSILON)


def logk_from_entries(
    shape: tuple[int, int, int],
    idx: list[np.ndarray],
    avg: list[np.ndarray],
    halfdiff: list[np.ndarray] | None,
    sparse: bool,
) -> LogK:
    """LogK from COO pieces: ``idx`` [k, 3] (bin, process, syst) rows with their log κ_avg (and half-diff).

    Entries are sorted by (bin, process, syst); ``halfdiff`` None means symmetric systematics.
    """
    ind = np.concatenate(idx).astype(np.int64) if idx else np.zeros((0, 3), dtype=np.int64)
    av = np.concatenate(avg) if avg else np.zeros(0)
    hdv = None if halfdiff is None else (np.concatenate(halfdiff) if halfdiff else np.zeros(0))
    order = np.lexsort((ind[:, 2], ind[:, 1], ind[:, 0]))
    ind, av = ind[order], av[order]
    hdv = None if hdv is None else hdv[order]
    if sparse:
        return LogK(shape, av, hdv, ind)
    dense_avg = np.zeros(shape)
    dense_avg[tuple(ind.T)] = av
    dense_hd = None
    if hdv is not None:
        dense_hd = np.zeros(shape)
        dense_hd[tuple(ind.T)] = hdv
    return LogK(shape, dense_avg, dense_hd)


def _values(h: hist.Hist | np.ndarray) -> np.ndarray:
    return np.asarray(h.values(flow=False) if isinstance(h, hist.Hist) else h, dtype=np.float64)


class FitInputBuilder:
    """Collects channels, data, processes and systematics; :meth:`build` makes the FitInput.

    ``logk_zero``: log κ entries with |avg| and |halfdiff| both ≤ this are not stored (module docstring).
    """

    def __init__(self, logk_zero: float = 0.0) -> None:
        if not logk_zero >= 0.0:
            raise InputError(f"logk_zero must be >= 0, got {logk_zero!r}")
        self.logk_zero = float(logk_zero)
        self.channels: dict[str, Channel] = {}
        self.data: dict[str, np.ndarray] = {}
        self.nominal: dict[tuple[str, str], np.ndarray] = {}
        self.sumw2: dict[tuple[str, str], np.ndarray] = {}
        self.signals: dict[str, bool] = {}
        #: (channel, process, systematic) → (bin indices in the channel, log κ_avg, log κ_halfdiff or None)
        #: of the stored (non-zero) entries
        self.logk: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray, np.ndarray | None]] = {}
        self.systs: dict[str, dict[str, Any]] = {}
        self.pois: dict[str, tuple[str, ...]] = {}

    def add_channel(self, name: str, axes: Sequence[Any] | hist.Hist, masked: bool = False) -> None:
        """A channel with the given (named) hist axes, or the axes of a histogram."""
        axes = axes.axes if isinstance(axes, hist.Hist) else axes
        if name in self.channels:
            raise InputError(f"channel {name} added twice")
        spec = tuple((a.name, tuple(float(e) for e in a.edges)) for a in axes)
        self.channels[name] = Channel(name, spec, masked)

    def _flat(self, channel: str, h: hist.Hist | np.ndarray, what: str) -> np.ndarray:
        if channel not in self.channels:
            raise InputError(f"{what}: unknown channel {channel}")
        ch = self.channels[channel]
        if isinstance(h, hist.Hist):
            names = tuple(a.name for a in h.axes)
            want = tuple(n for n, _ in ch.axes)
            if names != want:
                raise InputError(f"{what}: axes {names} do not match channel {channel} axes {want}")
        v = _values(h).reshape(-1)
        if v.size != ch.nbins:
            raise InputError(f"{what}: {v.size} bins, channel {channel} has {ch.nbins}")
        if not np.all(np.isfinite(v)):
            raise InputError(f"{what}: NaN or infinite value at bin {int(np.flatnonzero(~np.isfinite(v))[0])}")
        return v

    def add_data(self, channel: str, h: hist.Hist | np.ndarray) -> None:
        """Observed counts of an unmasked channel."""
        self.data[channel] = self._flat(channel, h, f"data of channel {channel}")

    def add_process(self, channel: str, name: str, h: hist.Hist | np.ndarray, signal: bool = False,
                    sumw2: hist.Hist | np.ndarray | None = None) -> None:
        """Nominal yields; sum of squared weights from ``sumw2`` or the histogram's variances (else none)."""
        what = f"process {name} in channel {channel}"
        if self.signals.setdefault(name, signal) != signal:
            raise InputError(f"{what}: declared both signal and background")
        nom = self._flat(channel, h, what)
        var = sumw2 if sumw2 is not None else (h.variances(flow=False) if isinstance(h, hist.Hist) else None)
        self.nominal[(channel, name)] = np.maximum(nom, 0.0)
        self.sumw2[(channel, name)] = np.zeros_like(nom) if var is None else self._flat(channel, var, what + " sumw2")

    def _book(self, name: str, group: str | Sequence[str] | None, constrained: bool, noi: bool) -> None:
        groups = [name] if group is None else ([group] if isinstance(group, str) else list(group))
        spec = {"groups": groups, "constrained": constrained, "noi": noi}
        old = self.systs.setdefault(name, spec)
        if (old["constrained"], old["noi"]) != (constrained, noi):
            raise InputError(f"systematic {name} booked with conflicting constrained/noi flags")
        old["groups"] = sorted(set(old["groups"]) | set(groups))

    def add_systematic(self, channel: str, process: str, name: str, up: hist.Hist | np.ndarray,
                       down: hist.Hist | np.ndarray | None = None, group: str | Sequence[str] | None = None,
                       constrained: bool = True, noi: bool = False, kfactor: float = 1.0,
                       symmetrize: str | None = None) -> None:
        """One variation (mirrored when ``down`` is None) of ``process`` in ``channel``."""
        nom = self.nominal.get((channel, process))
        if nom is None:
            raise InputError(f"systematic {name}: add process {process} to channel {channel} first")
        up_k = logk_from_variation(self._flat(channel, up, f"systematic {name} up"), nom, kfactor)
        if down is None:
            avg, hd = up_k, None
        else:
            dn_k = -logk_from_variation(self._flat(channel, down, f"systematic {name} down"), nom, kfactor)
            avg = 0.5 * (up_k + dn_k)
            hd = None if symmetrize == "average" else 0.5 * (up_k - dn_k)
            if symmetrize not in (None, "average"):
                raise InputError(f"systematic {name}: symmetrize must be None or 'average'")
        zero = nom == 0
        avg = np.where(zero, 0.0, avg)
        hd = None if hd is None else np.where(zero, 0.0, hd)
        keep = np.abs(avg) > self.logk_zero
        if hd is not None:
            keep |= np.abs(hd) > self.logk_zero
        nz = np.flatnonzero(keep)
        self.logk[(channel, process, name)] = (nz, avg[nz], None if hd is None else hd[nz])
        self._book(name, group, constrained, noi)

    def add_systematics(self, channel: str, process: str, h: hist.Hist, group: str | Sequence[str] | None = None,
                        constrained: bool = True, noi: bool = False, prefix: str = "", symmetrize: str | None = None) -> None:
        """All variations of a histogram with a ``syst`` category axis (and optional ``downup`` axis)."""
        names = [a.name for a in h.axes]
        if "syst" not in names:
            raise InputError(f"process {process}: systematic histogram needs a 'syst' axis, has {names}")
        for label in h.axes["syst"]:
            sl = cast(hist.Hist, h[{"syst": label}])
            if "downup" in names:
                up, dn = cast(hist.Hist, sl[{"downup": "up"}]), cast(hist.Hist, sl[{"downup": "down"}])
            else:
                up, dn = sl, None
            self.add_systematic(channel, process, f"{prefix}{label}", up, dn, group, constrained, noi, symmetrize=symmetrize)

    def add_norm(self, name: str, processes: Sequence[str], kappa: float | tuple[float, float],
                 channels: Sequence[str] | None = None, group: str | None = None, constrained: bool = True) -> None:
        """A log-normal normalisation uncertainty κ (or (κ_down, κ_up)) on ``processes``."""
        for ch in channels or list(self.channels):
            for p in processes:
                nom = self.nominal.get((ch, p))
                if nom is None:
                    continue
                up = nom * (kappa[1] if isinstance(kappa, tuple) else kappa)
                dn = nom * kappa[0] if isinstance(kappa, tuple) else None
                self.add_systematic(ch, p, name, up, dn, group, constrained)

    def set_poi(self, name: str, processes: Sequence[str]) -> None:
        """A POI whose square scales ``processes`` (default: one POI per signal process, named after it)."""
        self.pois[name] = tuple(processes)

    def build(self, sparse: bool = True, provenance: dict[str, Any] | None = None) -> FitInput:
        """Assemble the arrays (channels in the order added) and validate them."""
        chans = list(self.channels.values())
        procs = [p for p, s in self.signals.items() if s] + [p for p, s in self.signals.items() if not s]
        systs = list(self.systs)
        offs = np.cumsum([0] + [c.nbins for c in chans])
        nb, npr = int(offs[-1]), len(procs)
        nom, sw2 = np.zeros((nb, npr)), np.zeros((nb, npr))
        for (ch, p), v in self.nominal.items():
            i = [c.name for c in chans].index(ch)
            nom[offs[i]:offs[i + 1], procs.index(p)] = v
            sw2[offs[i]:offs[i + 1], procs.index(p)] = self.sumw2[(ch, p)]
        missing = [c.name for c in chans if not c.masked and c.name not in self.data]
        if missing:
            raise InputError(f"no data for channel(s) {missing}")
        data = np.concatenate([self.data[c.name] for c in chans if not c.masked]) if chans else np.zeros(0)
        logk = self._logk(chans, offs, procs, systs, sparse)
        pois = self.pois or {p: (p,) for p in procs if self.signals[p]}
        cons = np.array([self.systs[s]["constrained"] for s in systs], dtype=bool)
        groups: dict[str, list[str]] = {}
        for s in systs:
            for g in self.systs[s]["groups"]:
                groups.setdefault(g, []).append(s)
        fi = FitInput(channels=tuple(chans), processes=tuple(procs), signal=np.array([self.signals[p] for p in procs]),
                      nominal=nom, sumw=nom.copy(), sumw2=sw2, data_obs=data, systs=tuple(systs), constrained=cons,
                      weight=cons.astype(float), noi=np.array([self.systs[s]["noi"] for s in systs], dtype=bool),
                      groups={g: tuple(v) for g, v in groups.items()}, pois=pois, logk=logk, provenance=provenance or {})
        fi.validate("built fit input")
        return fi

    def _logk(self, chans: list[Channel], offs: np.ndarray, procs: list[str], systs: list[str], sparse: bool) -> LogK:
        """Assemble the stored (bin, process, syst) entries, sorted by row, into a sparse or dense LogK."""
        nb, npr, ns = int(offs[-1]), len(procs), len(systs)
        sym = all(hd is None for _, _, hd in self.logk.values())
        cidx = {c.name: i for i, c in enumerate(chans)}
        pidx, sidx = {p: i for i, p in enumerate(procs)}, {s: i for i, s in enumerate(systs)}
        idx, avg, hd = [], [], []
        for (ch, p, s), (nz, a, h) in self.logk.items():
            b = offs[cidx[ch]] + nz
            idx.append(np.stack([b, np.full(len(b), pidx[p]), np.full(len(b), sidx[s])], axis=1))
            avg.append(a)
            hd.append(np.zeros(len(nz)) if h is None else h)
        return logk_from_entries((nb, npr, ns), idx, avg, None if sym else hd, sparse)

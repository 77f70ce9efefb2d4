"""Synthetic fit inputs in the shape of the mW fit (charge × η × pT), for tests and benchmarks.

Benchmarks import it as ``tests.fit.synthetic`` with the repository root on ``sys.path``.

Processes: ``wplus``/``wminus`` signals (one POI ``Wnorm`` scaling both, the floating W
normalisation) and backgrounds. Systematics, in the realistic sparse pattern of DESIGN.md §6:
``massShift`` (noi, unconstrained, units of 100 MeV: a smooth pT-dependent log κ on W), global
ones touching every bin of W/Z (PDF-like, asymmetric when requested), background normalisations
(lnN), and local efficiency-statistics ones acting inside one (charge, η) cell, which are the bulk.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from wmass.fit.inputs import Channel, FitInput, LogK

__all__ = ["synthetic_input", "write_hist_file"]

_PROCS = ("wplus", "wminus", "zmumu", "wtaunu", "ztautau", "top", "diboson", "qcd", "jpsi", "rare")


def _shapes(nproc: int, neta: int, npt: int, charge: int, rng: np.random.Generator) -> np.ndarray:
    """Nominal yields [eta, pt, proc] of one charge channel."""
    pt = np.linspace(0.0, 1.0, npt)
    eta = np.linspace(-1.0, 1.0, neta)
    jac = np.exp(-0.5 * ((pt - 0.7) / 0.18) ** 2) + 0.3  # Jacobian-peak-like
    base = np.outer(1.0 - 0.2 * eta**2, jac)
    scale = np.array([4e3, 3e3, 5e2, 1e2, 30.0, 60.0, 20.0, 3e2, 10.0, 5.0])[:nproc]
    if charge == 1:
        scale[[0, 1]] = scale[[1, 0]]
    out = base[:, :, None] * scale[None, None, :] * rng.uniform(0.9, 1.1, size=(neta, npt, nproc))
    out[:, :, 1 if charge == 0 else 0] *= 1e-3  # wrong-charge W is tiny
    return out


def synthetic_input(nsyst: int = 100, neta: int = 48, npt: int = 30, nproc: int = 10, nchan: int = 2,
                    seed: int = 1, sparse: bool = True, asymmetric: bool = False, mass_shift: float = 0.5,
                    global_frac: float = 0.06, mc_stat: float = 5.0, data: str = "poisson",
                    mass_params: str = "single") -> FitInput:
    """A fit input with ``nsyst`` systematics; data ``poisson`` or ``asimov`` at θ_mass = ``mass_shift``.

    ``mass_params``: "single" (massShift), "charge" (massShift_plus/_minus on W+/W−) or "diff"
    (massShift and massDiff = m_W+ − m_W−, a reparametrisation of "charge").
    """
    rng = np.random.default_rng(seed)
    nproc = min(nproc, len(_PROCS))
    procs = _PROCS[:nproc]
    ncell = neta * npt
    nom = np.concatenate([_shapes(nproc, neta, npt, c, rng).reshape(ncell, nproc) for c in range(nchan)])
    nb = nom.shape[0]
    pt = np.tile(np.repeat(np.linspace(0, 1, npt)[None, :], neta, axis=0).ravel(), nchan)
    entries: list[tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray]] = []
    names, constrained, noi, groups = [], [], [], {}
    wprocs = np.array([i for i, p in enumerate(procs) if p.startswith("w") or p.startswith("z")])

    def add(name: str, group: str, bins: np.ndarray, proc: np.ndarray, avg: np.ndarray, hd: np.ndarray | None = None,
            cons: bool = True, is_noi: bool = False) -> None:
        s = len(names)
        names.append(name)
        constrained.append(cons)
        noi.append(is_noi)
        groups.setdefault(group, []).append(name)
        hdv = np.zeros_like(avg) if hd is None else hd
        entries.append((bins, proc, s, avg, hdv))

    def full(procsel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        b, p = np.meshgrid(np.arange(nb), procsel, indexing="ij")
        return b.ravel(), p.ravel()

    b, p = full(np.array([0, 1]))
    mass_lk = 0.004 * np.sin(2 * np.pi * pt[b]) * (1.0 + 0.1 * p)
    if mass_params == "charge":  # one mass per W charge (the processes wplus, wminus)
        add("massShift_plus", "mass", b[p == 0], p[p == 0], mass_lk[p == 0], cons=False, is_noi=True)
        add("massShift_minus", "mass", b[p == 1], p[p == 1], mass_lk[p == 1], cons=False, is_noi=True)
    else:
        add("massShift", "mass", b, p, mass_lk, cons=False, is_noi=True)
    if mass_params == "diff":  # m_W± = m ± Δ/2: massDiff acts with ±½ log κ (the kfactor of the builder)
        add("massDiff", "mass", b, p, np.where(p == 0, 0.5, -0.5) * mass_lk, cons=False, is_noi=True)
    nglobal = max(1, int(round(global_frac * nsyst)))
    nnorm = min(nproc - 2, max(0, nsyst - 1 - nglobal))
    for i in range(nglobal):
        b, p = full(wprocs)
        avg = 0.01 * np.cos((i + 1) * np.pi * pt[b] + 0.3 * p) * rng.uniform(0.5, 1.5)
        hd = 0.3 * avg if asymmetric else None
        add(f"pdf{i}", "pdf", b, p, avg, hd)
    for i in range(nnorm):
        b, p = full(np.array([2 + i]))
        add(f"norm_{procs[2 + i]}", "bkgnorm", b, p, np.full(len(b), np.log(1.1)))
    nlocal = nsyst - len(names)
    cells = rng.integers(0, nchan * neta, size=nlocal)
    for i, cell in enumerate(cells):
        bins = cell * npt + np.arange(npt)
        b, p = np.meshgrid(bins, np.arange(nproc), indexing="ij")
        b, p = b.ravel(), p.ravel()
        add(f"effStat{i}", "effStat", b, p, rng.normal(0.0, 0.003, size=len(b)) + 0.002 * (pt[b] - 0.5))
    avg_dense = None
    idx = np.concatenate([np.stack([e[0], e[1], np.full(len(e[0]), e[2])], axis=1) for e in entries])
    avg = np.concatenate([e[3] for e in entries])
    hd = np.concatenate([e[4] for e in entries]) if asymmetric else None
    order = np.lexsort((idx[:, 2], idx[:, 1], idx[:, 0]))
    idx, avg = idx[order], avg[order]
    hd = None if hd is None else hd[order]
    shape = (nb, nproc, len(names))
    if sparse:
        logk = LogK(shape=shape, avg=avg, halfdiff=hd, indices=idx)
    else:
        avg_dense = np.zeros(shape)
        avg_dense[idx[:, 0], idx[:, 1], idx[:, 2]] = avg
        hd_dense = None
        if hd is not None:
            hd_dense = np.zeros(shape)
            hd_dense[idx[:, 0], idx[:, 1], idx[:, 2]] = hd
        logk = LogK(shape=shape, avg=avg_dense, halfdiff=hd_dense)
    sumw2 = nom / mc_stat  # MC sample mc_stat times the data: k_b = mc_stat · ν_b
    axes = (("eta", tuple(np.linspace(-2.4, 2.4, neta + 1))), ("pt", tuple(np.linspace(26, 56, npt + 1))))
    chans = tuple(Channel(f"ch{c}", axes) for c in range(nchan))
    # expected yields at the injected mass shift (all other nuisances at 0)
    m = np.isin(idx[:, 2], [k for k, nm in enumerate(names) if nm.startswith("massShift")])
    eta = np.zeros((nb, nproc))
    np.add.at(eta, (idx[m, 0], idx[m, 1]), mass_shift * avg[m])
    expected = (nom * np.exp(eta)).sum(axis=1)
    dobs = rng.poisson(expected).astype(float) if data == "poisson" else expected
    w = np.where(np.array(constrained), 1.0, 0.0)
    return FitInput(channels=chans, processes=procs, signal=np.array([i < 2 for i in range(nproc)]), nominal=nom,
                    sumw=nom.copy(), sumw2=sumw2, data_obs=dobs, systs=tuple(names), constrained=np.array(constrained),
                    weight=w, noi=np.array(noi), groups={k: tuple(v) for k, v in groups.items()},
                    pois={"Wnorm": ("wplus", "wminus")}, logk=logk)


def write_hist_file(fi: FitInput, path: str | Path, asymmetric: bool = False, pois: bool = True) -> None:
    """Write a (sparse) fit input as a wmass-fithists file: variations ν⁰·exp(±log κ) per process.

    With ``asymmetric``, (down, up) = ν⁰·exp(−avg + hd), ν⁰·exp(avg + hd) reproduce (avg, halfdiff).
    ``pois`` False leaves the default POIs (one per signal process, as rabbit has).
    """
    with h5py.File(path, "w") as f:
        f.attrs.update(format="wmass-fithists", format_version=1)
        if pois:
            f.attrs["pois"] = json.dumps({k: list(v) for k, v in fi.pois.items()})
        idx, avg = fi.logk.indices, fi.logk.avg
        group_of = {m: g_ for g_, members in fi.groups.items() for m in members}
        start = 0
        for c in fi.channels:
            g = f.create_group(c.name)
            g.attrs["axes"] = json.dumps([{"name": n, "edges": list(e)} for n, e in c.axes])
            shape = tuple(len(e) - 1 for _, e in c.axes)
            sl = slice(start, start + c.nbins)
            g["data"] = fi.data_obs[sl].reshape(shape)
            for p, proc in enumerate(fi.processes):
                pg = g.create_group(proc)
                pg.attrs["signal"] = bool(fi.signal[p])
                pg["nominal"] = fi.nominal[sl, p].reshape(shape)
                pg["sumw2"] = fi.sumw2[sl, p].reshape(shape)
                m = (idx[:, 1] == p) & (idx[:, 0] >= start) & (idx[:, 0] < start + c.nbins)
                systs, k = np.unique(idx[m, 2], return_inverse=True)
                if not len(systs):
                    continue
                arr = np.repeat(fi.nominal[sl, p][None, None], len(systs), axis=0).repeat(2, axis=1)
                hd = (fi.logk.halfdiff if fi.logk.halfdiff is not None else np.zeros_like(avg))[m]
                b = idx[m, 0] - start
                arr[k, 1, b] *= np.exp(avg[m] + hd)
                arr[k, 0, b] *= np.exp(-avg[m] + hd)
                data = arr if asymmetric else arr[:, 1]
                ds = pg.create_dataset("syst", data=data.reshape(data.shape[:-1] + shape))
                ds.attrs.update(names=json.dumps([fi.systs[s] for s in systs]),
                                groups=json.dumps([group_of[fi.systs[s]] for s in systs]),
                                constrained=json.dumps([bool(fi.constrained[s]) for s in systs]),
                                noi=json.dumps([bool(fi.noi[s]) for s in systs]))
            start += c.nbins

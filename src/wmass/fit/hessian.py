"""The exact Hessian of the profiled NLL, written explicitly (much faster than ``jax.hessian``).

With ν_b = Σ_p ν_bp, the profiled per-bin NLL f_b(ν_b) has (envelope theorem for β̂)

.. math::

    g_b = f'_b = β̂_b - n_b/ν_b,\\qquad W_b = f''_b = n_b/ν_b^2 - β̂_b/(ν_b + k_b),

so that, with J_{bi} = ∂ν_b/∂x_i and the per-row log-derivatives D_{rs} = ∂η_r/∂θ_s,

.. math::

    H = J^T \\mathrm{diag}(W) J + K_D^T \\mathrm{diag}(g_b ν_r) K_D
        + \\mathrm{diag}\\Big(\\sum_r g_b ν_r E_{rs}\\Big) + \\mathrm{diag}(w) + \\text{POI terms},

E_{rs} = ∂²η_r/∂θ_s² (asymmetric systematics only). Gauss-Newton replaces W by the Fisher weight
β̂ k/(ν(ν+k)) (β̂/ν without MC stat) and drops the second-derivative terms: positive semi-definite.
Without profiling β ("nobb", rabbit ``profile=False``), W = n/ν².

The per-bin and per-entry factors come from a JAX function (:func:`hessian_factors`, jitted by the
caller); the products are assembled on the host with BLAS for densely filled columns of K and
scipy.sparse for the rest, so a sparse K is never made dense.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict, cast

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp

from wmass.fit.linalg import local_blocks
from wmass.fit.model import Model, Obs, alpha, beta_profiled, log_syst, proc_norm

__all__ = ["SplitMatrix", "Design", "Factors", "HostFactors", "make_design", "hessian_factors", "host_factors",
           "assemble_hessian", "bin_jacobian", "k_matrix"]


class Factors(TypedDict):
    """Output of :func:`hessian_factors`: per-bin [b], per-row [r] and per-entry ([e] or [r, s]) factors.

    ``D`` and ``E`` are None for a symmetric model (D is then log κ itself, kept in the :class:`Design`).
    """

    g: jax.Array
    w: jax.Array
    w_gn: jax.Array
    w_nobb: jax.Array
    nu_r: jax.Array
    dmu_r: jax.Array
    d2mu_r: jax.Array
    D: jax.Array | None
    E: jax.Array | None


class HostFactors(TypedDict):
    """:class:`Factors` copied to the host (:func:`host_factors`)."""

    g: np.ndarray
    w: np.ndarray
    w_gn: np.ndarray
    w_nobb: np.ndarray
    nu_r: np.ndarray
    dmu_r: np.ndarray
    d2mu_r: np.ndarray
    D: np.ndarray | None
    E: np.ndarray | None


def host_factors(fac: Factors | HostFactors) -> HostFactors:
    """Host (numpy) copy of the factors; None stays None."""
    return cast(HostFactors, {k: (None if v is None else np.asarray(v)) for k, v in fac.items()})


@dataclass
class SplitMatrix:
    """A [R, S] matrix: columns ``dense_cols`` as a dense [R, Nd] block, the others as CSR (zero on dense_cols)."""

    dense_cols: np.ndarray
    dense: np.ndarray
    sparse: sp.csr_matrix
    clusters: list[tuple[np.ndarray, np.ndarray]] | None = None  # (dense positions, their common row support)

    def gram(self, v: np.ndarray, out: np.ndarray) -> None:
        """out += Mᵀ diag(v) M  (out is [S, S]); dense columns sharing a row support are multiplied
        only over their rows (e.g. PDF-like columns touch only the W/Z processes)."""
        dc = self.dense_cols
        if len(dc):
            cl = self.clusters or [(np.arange(len(dc)), np.arange(self.dense.shape[0]))]
            for i, (ca, ra) in enumerate(cl):
                da = self.dense[np.ix_(ra, ca)]
                vda = da * v[ra, None]
                cross = np.asarray(self.sparse[ra].T @ vda)  # [S, |ca|]
                out[:, dc[ca]] += cross
                out[dc[ca], :] += cross.T
                for cb, rb in cl[i:]:
                    if cb is ca:
                        out[np.ix_(dc[ca], dc[ca])] += da.T @ vda
                        continue
                    rows = np.intersect1d(ra, rb, assume_unique=True)
                    if len(rows):
                        blk = (self.dense[np.ix_(rows, ca)] * v[rows, None]).T @ self.dense[np.ix_(rows, cb)]
                        out[np.ix_(dc[ca], dc[cb])] += blk
                        out[np.ix_(dc[cb], dc[ca])] += blk.T
        if self.sparse.nnz:
            ss = (self.sparse.T.tocsr() @ self.sparse.multiply(v[:, None]).tocsr()).tocoo()
            out[ss.row, ss.col] += ss.data  # coordinates are unique after the product

    def tdot(self, m: np.ndarray) -> np.ndarray:
        """Mᵀ m for a dense [R, k] m, shape [S, k]."""
        out = np.asarray(self.sparse.T @ m)
        if len(self.dense_cols):
            out[self.dense_cols] += self.dense.T @ m
        return out

    def dot(self, x: np.ndarray) -> np.ndarray:
        """M x for x of shape [S] or [S, k]."""
        out = np.asarray(self.sparse @ x)
        if len(self.dense_cols):
            out = out + self.dense @ x[self.dense_cols]
        return out


@dataclass
class SplitLayout:
    """Fixed structure of a :class:`SplitMatrix` built from entries (row, col): computed once per model,
    so that each Hessian only sums values (bincount) into it."""

    shape: tuple[int, int]
    dense_cols: np.ndarray
    isd: np.ndarray
    dense_flat: np.ndarray
    sp_inverse: np.ndarray
    sp_indices: np.ndarray
    sp_indptr: np.ndarray
    clusters: list[tuple[np.ndarray, np.ndarray]]

    @classmethod
    def make(cls, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int], dense_pos: np.ndarray,
             dense_cols: np.ndarray) -> SplitLayout:
        """Layout of the entries (rows, cols), duplicates to be summed."""
        pos = dense_pos[cols]
        isd = pos >= 0
        dense_flat = rows[isd].astype(np.int64) * len(dense_cols) + pos[isd]
        flat = rows[~isd].astype(np.int64) * shape[1] + cols[~isd]
        uniq, inverse = np.unique(flat, return_inverse=True)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(uniq // shape[1], minlength=shape[0]))])
        return cls(shape, dense_cols, isd, dense_flat, inverse, (uniq % shape[1]).astype(np.int32), indptr,
                   _clusters(rows[isd], pos[isd], len(dense_cols)))

    def build(self, vals: np.ndarray) -> SplitMatrix:
        """The matrix with entry values ``vals`` (duplicates summed)."""
        nd = len(self.dense_cols)
        dense = np.bincount(self.dense_flat, weights=vals[self.isd], minlength=self.shape[0] * nd).reshape(self.shape[0], nd)
        data = np.bincount(self.sp_inverse, weights=vals[~self.isd], minlength=len(self.sp_indices))
        return SplitMatrix(self.dense_cols, dense, sp.csr_matrix((data, self.sp_indices, self.sp_indptr), shape=self.shape),
                           self.clusters)


def _clusters(rows: np.ndarray, pos: np.ndarray, nd: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group dense columns by identical row support: [(positions, sorted support rows)]."""
    order = np.lexsort((rows, pos))
    rows, pos = rows[order], pos[order]
    cuts = np.searchsorted(pos, np.arange(nd + 1))
    groups: dict[bytes, tuple[list[int], np.ndarray]] = {}
    for c in range(nd):
        r = np.unique(rows[cuts[c]:cuts[c + 1]])
        groups.setdefault(r.tobytes(), ([], r))[0].append(c)
    return [(np.array(cs, dtype=np.int64), r) for cs, r in groups.values()]


@dataclass
class Design:
    """Host copy of the structure of log κ: entries, their (bin, syst) and the dense/sparse column split."""

    rows: np.ndarray | None  # [e] (None for a dense model)
    cols: np.ndarray | None
    bins: np.ndarray | None
    nrows: int
    nbins: int
    nsyst: int
    npoi: int
    dense_pos: np.ndarray
    dense_cols: np.ndarray
    weight: np.ndarray
    poi_of_proc: np.ndarray
    nproc: int
    blocks: list[np.ndarray]  # connected groups of local (sparse-column) systematics, as θ indices
    logk_host: np.ndarray | None = None  # host copy of log κ^avg (D of a symmetric model)
    k_layout: SplitLayout | None = None  # [r, s] layout of K (sparse models)
    j_layout: SplitLayout | None = None  # [b, s] layout of J

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cols) of the log κ entries of a sparse design; ValueError for a dense one."""
        if self.rows is None or self.cols is None:
            raise ValueError("a dense design has no log κ entry coordinates (rows, cols)")
        return self.rows, self.cols


def make_design(model: Model, dense_fill: float = 0.02) -> Design:
    """Entry coordinates and the split: columns filling more than ``dense_fill`` of rows go dense."""
    nb, npr = model.nu0.shape
    nrows = nb * npr
    rows: np.ndarray | None = None
    cols: np.ndarray | None = None
    bins: np.ndarray | None = None
    blocks: list[np.ndarray] = []
    kl: SplitLayout | None = None
    jl: SplitLayout | None = None
    if model.sparse:
        mrows, mcols = model.entries()
        rows, cols = np.asarray(mrows, dtype=np.int64), np.asarray(mcols, dtype=np.int64)
        fill = np.bincount(cols, minlength=model.nsyst) / max(nrows, 1)
        dense_cols = np.flatnonzero(fill > dense_fill)
        bins = rows // npr
        dense_pos = _dense_positions(dense_cols, model.nsyst)
        blocks = local_blocks(cols, bins, dense_pos < 0, model.nsyst, nb)
        kl = SplitLayout.make(rows, cols, (nrows, model.nsyst), dense_pos, dense_cols)
        jl = SplitLayout.make(bins, cols, (nb, model.nsyst), dense_pos, dense_cols)
    else:
        dense_cols = np.arange(model.nsyst)
        dense_pos = _dense_positions(dense_cols, model.nsyst)
    return Design(rows, cols, bins, nrows, nb, model.nsyst, model.npoi, dense_pos, dense_cols,
                  np.asarray(model.weight), np.asarray(model.poi_of_proc), npr, blocks, np.asarray(model.logk_avg), kl, jl)


def _dense_positions(dense_cols: np.ndarray, nsyst: int) -> np.ndarray:
    """Position of each systematic among ``dense_cols``, -1 for the sparse ones."""
    dense_pos = -np.ones(nsyst, dtype=np.int64)
    dense_pos[dense_cols] = np.arange(len(dense_cols))
    return dense_pos


def hessian_factors(x: jax.Array, model: Model, obs: Obs) -> Factors:
    """Per-bin (g, W, W_GN, W_nobb), per-row (ν, ∂ν/∂r, ∂²ν/∂r²) and per-entry (D, E) factors at x."""
    poi, theta = x[: model.npoi], x[model.npoi:]
    mu = model.nu0 * jnp.exp(log_syst(theta, model).reshape(model.nu0.shape))  # [b, p]
    r = proc_norm(poi, model)
    nu_bp = r[None, :] * mu
    nu = nu_bp.sum(axis=1)
    n, k = obs.nobs, model.kstat
    beta = beta_profiled(nu, model, obs) if model.bbstat else jnp.ones_like(nu)
    nus = jnp.where(nu > 0, nu, 1.0)
    g = beta - n / nus
    w_nobb = jnp.where(nu > 0, n / nus**2, 0.0)
    free = ~model.bbmask if model.bbstat else jnp.zeros_like(model.bbmask)
    w = jnp.where(free, w_nobb - beta / (nu + k), w_nobb)
    w_gn = jnp.where(nu > 0, jnp.where(free, beta * k / (nus * (nu + k)), beta / nus), 0.0)
    dr = 2.0 * poi if model.poi_square else jnp.ones_like(poi)  # dr/dpoi
    rp = jnp.where(model.poi_of_proc >= 0, dr[jnp.maximum(model.poi_of_proc, 0)] if model.npoi else 0.0, 0.0)
    rpp = jnp.where(model.poi_of_proc >= 0, 2.0 if model.poi_square else 0.0, 0.0)
    nu_r, dmu_r, d2mu_r = nu_bp.reshape(-1), (rp[None, :] * mu).reshape(-1), (rpp[None, :] * mu).reshape(-1)
    d: jax.Array | None = None
    e: jax.Array | None = None
    if model.logk_hd is not None:  # symmetric: D is log κ itself (host copy kept in the Design), no E
        th = theta[model.entries()[1]] if model.sparse else theta[None, :]
        x2 = 2.0 * th
        inside = jnp.abs(x2) < 1.0
        da = jnp.where(inside, 3.75 * (x2 * x2 - 1.0) ** 2, 0.0)
        d2a = jnp.where(inside, 30.0 * x2 * (x2 * x2 - 1.0), 0.0)
        d = model.logk_avg + model.logk_hd * (alpha(th) + th * da)
        e = model.logk_hd * (2.0 * da + th * d2a)
    return {"g": g, "w": w, "w_gn": w_gn, "w_nobb": w_nobb, "nu_r": nu_r, "dmu_r": dmu_r, "d2mu_r": d2mu_r,
            "D": d, "E": e}


def _entry_values(design: Design, model: Model, fac: HostFactors, key: Literal["D", "E"]) -> np.ndarray | None:
    """Per-entry D or E values ([e] sparse, [r, s] dense); D is log κ itself when symmetric."""
    arr = fac[key]
    if arr is None:
        return None if key == "E" else design.logk_host
    return np.asarray(arr)


def _d_values(design: Design, model: Model, fac: HostFactors) -> np.ndarray:
    """Per-entry D values (:func:`_entry_values`), never None."""
    d = _entry_values(design, model, fac, "D")
    if d is None:
        raise ValueError("no log κ derivatives D: the factors are symmetric and the design has no host copy of log κ")
    return d


def _empty(shape: tuple[int, int]) -> sp.csr_matrix:
    return sp.csr_matrix(shape)


def _layout(layout: SplitLayout | None, what: str) -> SplitLayout:
    """The layout of a sparse design (set by :func:`make_design` whenever ``rows`` is)."""
    if layout is None:
        raise ValueError(f"sparse design without the layout of {what}: build it with make_design")
    return layout


def k_matrix(design: Design, model: Model, fac: HostFactors) -> SplitMatrix:
    """K_D[r, s] = ∂η_r/∂θ_s as a :class:`SplitMatrix`."""
    d = _d_values(design, model, fac)
    if design.rows is None:
        return SplitMatrix(design.dense_cols, d, _empty((design.nrows, design.nsyst)))
    return _layout(design.k_layout, "K").build(d)


def bin_jacobian(design: Design, model: Model, fac: HostFactors) -> tuple[SplitMatrix, np.ndarray]:
    """J = ∂ν_b/∂x: the θ part as a :class:`SplitMatrix` [b, s] and the POI part dense [b, j]."""
    d = _d_values(design, model, fac)
    nu_r = np.asarray(fac["nu_r"])
    if design.rows is None:
        dense = np.einsum("bp,bps->bs", nu_r.reshape(design.nbins, design.nproc),
                          d.reshape(design.nbins, design.nproc, design.nsyst))
        jth = SplitMatrix(design.dense_cols, dense, _empty((design.nbins, design.nsyst)))
    else:
        jth = _layout(design.j_layout, "J").build(nu_r[design.rows] * d)
    jp = np.zeros((design.nbins, design.npoi))
    dmu = np.asarray(fac["dmu_r"]).reshape(design.nbins, design.nproc)
    for p, j in enumerate(design.poi_of_proc):
        if j >= 0:
            jp[:, j] += dmu[:, p]
    return jth, jp


_WEIGHT: Mapping[str, Literal["w", "w_gn", "w_nobb"]] = {"exact": "w", "gn": "w_gn", "nobb": "w_nobb"}


def assemble_hessian(design: Design, model: Model, fac: Factors | HostFactors, kind: str = "exact",
                     jac: tuple[SplitMatrix, np.ndarray] | None = None) -> np.ndarray:
    """Dense [x, x] Hessian of the reduced NLL: ``kind`` = "exact", "gn" (Gauss-Newton) or "nobb"."""
    fac = host_factors(fac)
    jth, jp = jac if jac is not None else bin_jacobian(design, model, fac)
    w = fac[_WEIGHT[kind]]
    npoi, ns = design.npoi, design.nsyst
    h = np.zeros((npoi + ns, npoi + ns))
    hth = h[npoi:, npoi:]
    jth.gram(w, hth)
    hth[np.diag_indices(ns)] += design.weight
    hpt = jth.tdot(w[:, None] * jp).T  # [j, s]
    h[:npoi, :npoi] = jp.T @ (w[:, None] * jp)
    if kind != "gn":
        g_r = np.repeat(fac["g"], design.nproc)
        k = k_matrix(design, model, fac)
        k.gram(g_r * fac["nu_r"], hth)
        e = _entry_values(design, model, fac, "E")
        if e is not None and design.rows is None:
            hth[np.diag_indices(ns)] += (g_r * fac["nu_r"]) @ e
        elif e is not None:
            hth[np.diag_indices(ns)] += np.bincount(design.entries()[1], weights=(g_r * fac["nu_r"])[design.rows] * e, minlength=ns)
        m = np.zeros((design.nrows, npoi))
        d2 = np.zeros(npoi)
        for p, j in enumerate(design.poi_of_proc):
            if j >= 0:
                m[p::design.nproc, j] = fac["g"] * fac["dmu_r"][p::design.nproc]
                d2[j] += np.sum(fac["g"] * fac["d2mu_r"][p::design.nproc])
        hpt += k.tdot(m).T
        h[np.diag_indices(npoi)] += d2
    h[:npoi, npoi:] = hpt
    h[npoi:, :npoi] = hpt.T
    return h

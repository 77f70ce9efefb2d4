"""Prefit and postfit expected yields per process, their total uncertainties, and ``yields.h5``.

The yields are those of the likelihood (wmass.fit.model) evaluated in *all* bins, masked channels
included: prefit at the nominal parameters x⁰ (POIs at 1, θ = 0, β = 1), postfit at the best fit x̂
with the profiled Barlow-Beeston-lite factor β̂_b = (n_b + k_b)/(ν_b + k_b) multiplying every process
of an unmasked bin (β = 1 in masked bins, which have no data). The total-yield uncertainties are
linear propagations (rabbit's ``expected_events`` with ``compute_variance``):

.. math::

    σ^2_\\mathrm{post}(t_b) = [J C J^T]_{bb},\\quad J_{bi} = ∂(β̂_b ν_b)/∂x_i
        = β̂_b \\frac{k_b}{ν_b + k_b} ∂ν_b/∂x_i,\\qquad
    σ^2_\\mathrm{pre}(t_b) = \\sum_{s\\,\\mathrm{constrained}} J^0_{bs}{}^2 / w_s,

with C the postfit covariance and w_s the constraint weights (prior width 1/√w_s; POIs and
unconstrained systematics, the nois included, have no prior and do not enter the prefit band).
J comes from the fit's analytic Jacobian (wmass.fit.hessian.bin_jacobian, whose per-entry factors
are JAX functions) as a sparse matrix, and J C Jᵀ is evaluated in blocks of bins, so the memory is
O(block × parameters) even for ~3000 bins × 4000 parameters. The same is done for projections of
each channel onto each of its axes (and onto (axis, charge)), whose bands need the bin correlations.

File layout of ``yields.h5`` (format ``wmass-yields`` v1; B = bins of all channels in channel
order, Bf = bins of the unmasked channels, P = processes)::

    /                   attrs: format="wmass-yields", format_version=1, provenance=<JSON string>
    /processes          str [P]
    /channels           attr "spec": the fit input's channels JSON ([{"name", "masked", "axes"}])
    /prefit             [B, P]  expected yields at x⁰
    /postfit            [B, P]  expected yields at x̂, times β̂
    /prefit_total_err   [B]     prior uncertainty of Σ_p prefit
    /postfit_total_err  [B]     postfit uncertainty of Σ_p postfit
    /data               [Bf]    observed counts (unmasked channels)
    /fit_bins           int [Bf] indices of the data bins among the B bins
    /projections/<channel>/<axes>   (axes joined by "+", e.g. "mll" or "pt+charge"): attrs
                        "axes" (JSON list); datasets prefit_err, postfit_err [flattened projection, C order]

The file holds shapes only: neither x̂ nor the value of any POI or noi is written.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import h5py
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp

from wmass.fit.driver import FitOptions, precision
from wmass.fit.hessian import SplitMatrix, bin_jacobian, hessian_factors, host_factors, make_design
from wmass.fit.inputs import Channel, FitInput
from wmass.fit.model import build_model, x0
from wmass.io import atomic_path

__all__ = ["FORMAT", "FORMAT_VERSION", "expected_yields", "write_yields", "projection_matrices"]

FORMAT = "wmass-yields"
FORMAT_VERSION = 1
_BLOCK = 256  # bins per block of J C Jᵀ


def _all_bins_input(fi: FitInput) -> FitInput:
    """``fi`` with every channel unmasked (data 0 in formerly masked bins), so the model covers all bins."""
    data = np.zeros(sum(c.nbins for c in fi.channels))
    data[fi.fit_bins()] = fi.data_obs
    chans = tuple(Channel(c.name, c.axes, False) for c in fi.channels)
    return dataclasses.replace(fi, channels=chans, data_obs=data)


def _jacobian_csr(jth: SplitMatrix, jp: np.ndarray) -> sp.csr_matrix:
    """The bin Jacobian [b, x] (POI columns first) as one CSR matrix."""
    nb, ns = jth.sparse.shape
    parts = [sp.csr_matrix(jp), jth.sparse]
    if len(jth.dense_cols):
        d = sp.coo_matrix(jth.dense)
        parts[1] = parts[1] + sp.csr_matrix((d.data, (d.row, jth.dense_cols[d.col])), shape=(nb, ns))
    return sp.hstack(parts, format="csr")


def _quad_diag(j: sp.csr_matrix, cov: np.ndarray) -> np.ndarray:
    """diag(J C Jᵀ), in blocks of rows of J."""
    out = np.zeros(j.shape[0])
    for s in range(0, j.shape[0], _BLOCK):
        blk = j[s:s + _BLOCK]
        out[s:s + _BLOCK] = np.einsum("bi,bi->b", np.asarray(blk @ cov), blk.toarray())
    return np.maximum(out, 0.0)


def projection_matrices(channels: tuple[Channel, ...]) -> dict[tuple[str, tuple[str, ...]], sp.csr_matrix]:
    """Summation matrices [projected bins, B] onto each axis of each channel and onto (axis, charge)."""
    out: dict[tuple[str, tuple[str, ...]], sp.csr_matrix] = {}
    nb, start = sum(c.nbins for c in channels), 0
    for c in channels:
        names = [n for n, _ in c.axes]
        shape = tuple(len(e) - 1 for _, e in c.axes)
        keeps: list[tuple[str, ...]] = [(n,) for n in names]
        if "charge" in names and len(names) > 2:
            keeps += [(n, "charge") for n in names if n != "charge"]
        flat = np.arange(c.nbins).reshape(shape)
        for keep in keeps:
            kept = [names.index(n) for n in keep]
            idx = np.moveaxis(flat, kept, list(range(len(kept))))
            nproj = int(np.prod([shape[k] for k in kept]))
            rows = np.repeat(np.arange(nproj), c.nbins // nproj)
            cols = start + idx.reshape(nproj, -1).ravel()
            out[(c.name, keep)] = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(nproj, nb))
        start += c.nbins
    return out


def expected_yields(fi: FitInput, out: dict[str, Any], options: FitOptions) -> dict[str, Any]:
    """Prefit/postfit yields [B, P], total uncertainties [B], data [Bf] and projection bands.

    ``out`` is the dict of :func:`wmass.fit.driver.run_fit` (raw ``x``, ``cov``, ``names``).
    Keys: prefit, postfit, prefit_total_err, postfit_total_err, data, fit_bins, projections
    ({(channel, axes): (prefit_err, postfit_err)}).
    """
    full = _all_bins_input(fi)
    fb = fi.fit_bins()
    infit = np.zeros(full.nominal.shape[0], dtype=bool)
    infit[fb] = True
    with precision(options.device):
        model, obs = build_model(full, poi_square=options.poi_square, bbstat=options.bbstat)
        if list(out["names"]) != list(fi.pois) + list(fi.systs):
            raise ValueError("fit output and fit input have different parameters")
        design = make_design(model, options.dense_fill)
        facs = []
        for x in (np.asarray(x0(model)), np.asarray(out["x"], dtype=float)):
            facs.append(host_factors(hessian_factors(jnp.asarray(x), model, obs)))
    nbp = model.nu0.shape
    pre = facs[0]["nu_r"].reshape(nbp)
    nu_bp = facs[1]["nu_r"].reshape(nbp)
    nu, n, k = nu_bp.sum(axis=1), np.asarray(obs.nobs), np.asarray(model.kstat)
    free = infit & ~np.asarray(model.bbmask) if options.bbstat else np.zeros(len(nu), bool)
    beta = np.where(free, (n + k) / (nu + k), 1.0)
    dtot = np.where(free, beta * k / (nu + k), 1.0)  # d(β̂ν)/dν
    j_pre = _jacobian_csr(*bin_jacobian(design, model, facs[0]))
    j_post = sp.diags(dtot) @ _jacobian_csr(*bin_jacobian(design, model, facs[1]))
    j_post = j_post.tocsr()
    prior = np.concatenate([np.zeros(model.npoi), np.where(fi.constrained & (fi.weight > 0),
                                                           1.0 / np.where(fi.weight > 0, fi.weight, 1.0), 0.0)])
    cov = np.asarray(out["cov"], dtype=float)
    res: dict[str, Any] = {
        "prefit": pre, "postfit": nu_bp * beta[:, None],
        "prefit_total_err": np.sqrt(np.asarray(j_pre.multiply(j_pre) @ prior).ravel()),
        "postfit_total_err": np.sqrt(_quad_diag(j_post, cov)),
        "data": np.asarray(fi.data_obs, dtype=float), "fit_bins": fb, "projections": {},
    }
    for key, a in projection_matrices(fi.channels).items():
        jp_pre, jp_post = (a @ j_pre).tocsr(), (a @ j_post).tocsr()
        res["projections"][key] = (np.sqrt(np.asarray(jp_pre.multiply(jp_pre) @ prior).ravel()),
                                   np.sqrt(_quad_diag(jp_post, cov)))
    return res


def write_yields(path: str | Path, fi: FitInput, out: dict[str, Any], options: FitOptions,
                 provenance: dict[str, Any]) -> None:
    """Compute :func:`expected_yields` and write them to ``path`` atomically (layout in the module docstring)."""
    y = expected_yields(fi, out, options)
    st = h5py.string_dtype()
    spec = [{"name": c.name, "masked": c.masked, "axes": [{"name": nm, "edges": list(e)} for nm, e in c.axes]}
            for c in fi.channels]
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs.update(format=FORMAT, format_version=FORMAT_VERSION, provenance=json.dumps(provenance, default=str))
        f.create_dataset("processes", data=np.array(fi.processes, dtype=object), dtype=st)
        f.create_group("channels").attrs["spec"] = json.dumps(spec)
        for key in ("prefit", "postfit", "prefit_total_err", "postfit_total_err", "data", "fit_bins"):
            f.create_dataset(key, data=y[key], compression="gzip" if y[key].ndim == 2 else None)
        for (chan, axes), (pre, post) in y["projections"].items():
            g = f.create_group(f"projections/{chan}/{'+'.join(axes)}")
            g.attrs["axes"] = json.dumps(list(axes))
            g.create_dataset("prefit_err", data=pre)
            g.create_dataset("postfit_err", data=post)

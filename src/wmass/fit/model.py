"""The binned likelihood, identical to rabbit's default (log-normal systematics, BB-lite gamma).

Parameters x = (POIs, θ). Axis names used below: ``b`` fit bin, ``p`` process, ``r`` = (b, p) row
(flattened b·P + p), ``s`` systematic, ``e`` stored (sparse) entry of log κ, ``j`` POI.

.. math::

    ν_{bp} &= r_p(x_\\mathrm{poi})\\, ν^0_{bp} \\exp\\Big(\\sum_s θ_s \\log κ^{avg}_{bps}
              + θ_s α(θ_s) \\log κ^{hd}_{bps}\\Big),\\quad r = \\mathrm{poi}^2\\ (\\text{or poi}),\\\\
    α(θ) &= \\mathrm{clip}\\big(\\tfrac18 x (x^2(3x^2 - 10) + 15), -1, 1\\big),\\ x = 2θ,\\\\
    β_b &= (n_b + k_b β^0_b) / (ν_b + k_b),\\quad k_b = (\\textstyle\\sum_p \\mathrm{sumw}_{bp})^2
           / \\sum_p \\mathrm{sumw2}_{bp},\\\\
    L &= \\sum_b \\big[-n_b(\\ln ν_bβ_b - \\ln n_b) + ν_bβ_b - n_b\\big] + \\tfrac12\\sum_s w_s(θ_s-θ^0_s)^2
         + \\sum_b\\big[-k_bβ^0_b(\\ln β_b - \\ln β^0_b) + k_b(β_b - β^0_b)\\big].

Reference: rabbit 0.2.5 ``rabbit/fitter.py`` (``_compute_yields_noBBB``, ``_compute_yields_with_beta``,
``_compute_nll_components``, ``_compute_lbeta``), https://github.com/WMass/rabbit. ``L`` is rabbit's
"reduced" NLL, whose minimum is half the saturated χ²; :func:`nll_full` adds the constants.

All functions are pure and un-jitted (jit at the driver); they need float64 (``jax.enable_x64``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from wmass.errors import InputError
from wmass.fit.inputs import FitInput

__all__ = ["Model", "Obs", "alpha", "build_model", "default_obs", "x0", "param_names", "yields",
           "beta_profiled", "nll", "nll_terms", "nll_full", "nll_fixed_beta", "check_x64"]


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class Model:
    """Arrays of the likelihood (pytree leaves, passed to jitted functions as arguments) and static flags."""

    nu0: jax.Array            # [b, p] nominal yields of the fit bins
    kstat: jax.Array          # [b] effective MC statistics (1 where masked)
    bbmask: jax.Array         # [b] bool: no MC-stat parameter in this bin
    poi_of_proc: jax.Array    # [p] int: POI scaling the process, -1 for none
    weight: jax.Array         # [s] constraint weights
    rows: jax.Array | None    # [e] int32 row b·P+p (sparse) ...
    cols: jax.Array | None    # [e] int32 syst
    logk_avg: jax.Array       # [e] (sparse) or [r, s] (dense)
    logk_hd: jax.Array | None  # same shape, asymmetric half-difference, None when symmetric
    npoi: int = field(default=0, metadata={"static": True})
    nsyst: int = field(default=0, metadata={"static": True})
    poi_square: bool = field(default=True, metadata={"static": True})
    bbstat: bool = field(default=True, metadata={"static": True})

    @property
    def sparse(self) -> bool:
        """Whether log κ is stored as entries (rows, cols, values)."""
        return self.rows is not None

    @property
    def nparams(self) -> int:
        """Number of fit parameters."""
        return self.npoi + self.nsyst

    def entries(self) -> tuple[jax.Array, jax.Array]:
        """(rows, cols) of the stored log κ entries of a sparse model; ValueError for a dense one."""
        if self.rows is None or self.cols is None:
            raise ValueError("a dense model has no log κ entry coordinates (rows, cols)")
        return self.rows, self.cols


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class Obs:
    """Observations: data n_b, constraint centres θ⁰_s and MC-stat centres β⁰_b (toys vary them)."""

    nobs: jax.Array   # [b]
    theta0: jax.Array  # [s]
    beta0: jax.Array  # [b]


def check_x64() -> None:
    """Raise unless JAX runs in float64 (the fit is meaningless in float32)."""
    if jnp.zeros(1).dtype != jnp.float64:
        raise RuntimeError("the fit needs float64: call it inside `with jax.enable_x64(True):` "
                           "(wmass.fit.driver does this)")


def param_names(fi: FitInput) -> list[str]:
    """Parameter names in x order: POIs, then systematics in file order."""
    return list(fi.pois) + list(fi.systs)


def build_model(fi: FitInput, poi_square: bool = True, bbstat: bool = True) -> tuple[Model, Obs]:
    """Device arrays of the likelihood for the unmasked bins of ``fi``, and its observations."""
    check_x64()
    fb = fi.fit_bins()
    nbf, npr = len(fb), len(fi.processes)
    nu0 = np.maximum(fi.nominal[fb], 0.0)
    sumw, sumw2 = fi.sumw[fb].sum(axis=1), fi.sumw2[fb].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kstat = sumw**2 / sumw2
    bbmask = (sumw2 == 0.0) | (kstat == 0.0) | ~np.isfinite(kstat) | (not bbstat)
    kstat = np.where(bbmask, 1.0, kstat)
    proc_index = {p: i for i, p in enumerate(fi.processes)}
    poi_of_proc = -np.ones(npr, dtype=np.int32)
    for j, procs in enumerate(fi.pois.values()):
        for p in procs:
            if poi_of_proc[proc_index[p]] >= 0:
                raise InputError(f"process {p} is scaled by two POIs")
            poi_of_proc[proc_index[p]] = j
    lk = fi.logk
    rows: jax.Array | None = None
    cols: jax.Array | None = None
    if lk.indices is not None:  # sparse
        glob_to_fit = -np.ones(fi.nominal.shape[0], dtype=np.int64)
        glob_to_fit[fb] = np.arange(nbf)
        b = glob_to_fit[lk.indices[:, 0]]
        keep = (b >= 0) & (nu0[np.maximum(b, 0), lk.indices[:, 1]] > 0)
        erows = (b[keep] * npr + lk.indices[keep, 1]).astype(np.int32)
        ecols = lk.indices[keep, 2].astype(np.int32)
        order = np.lexsort((ecols, erows))
        avg = lk.avg[keep][order]
        hd = None if lk.halfdiff is None else lk.halfdiff[keep][order]
        rows, cols = jnp.asarray(erows[order]), jnp.asarray(ecols[order])
    else:
        zero = (nu0 == 0)[:, :, None]
        avg = np.where(zero, 0.0, lk.avg[fb]).reshape(nbf * npr, -1)
        hd = None if lk.halfdiff is None else np.where(zero, 0.0, lk.halfdiff[fb]).reshape(nbf * npr, -1)
    _check_defined(fi, fb, nu0, poi_of_proc, cols if lk.sparse else None, avg, hd)
    model = Model(nu0=jnp.asarray(nu0), kstat=jnp.asarray(kstat), bbmask=jnp.asarray(bbmask),
                  poi_of_proc=jnp.asarray(poi_of_proc), weight=jnp.asarray(fi.weight, dtype=jnp.float64),
                  rows=rows, cols=cols, logk_avg=jnp.asarray(avg), logk_hd=None if hd is None else jnp.asarray(hd),
                  npoi=len(fi.pois), nsyst=len(fi.systs), poi_square=poi_square, bbstat=bbstat)
    return model, default_obs(fi)


def _check_defined(fi: FitInput, fb: np.ndarray, nu0: np.ndarray, poi_of_proc: np.ndarray, cols: Any,
                   avg: Any, hd: Any) -> None:
    """InputError when the likelihood is undefined or flat whatever the parameters.

    * data in a fit bin whose total prediction Σ_p ν⁰_bp is zero: ν_b = 0 for every x (the log-normal
      and POI factors multiply ν⁰), so −n ln ν = +∞ everywhere (rabbit's NLL is infinite too); the fit
      input must give such bins a non-zero prediction (``wmass fitinput`` floors them, docs/fitinput.md);
    * an unconstrained parameter (POI or systematic with weight 0) without any effect on the fit bins
      (no non-zero log κ where ν⁰ > 0, or a POI whose processes have no yield): the NLL is flat along it.
    """
    tot = nu0.sum(axis=1)
    bad = np.flatnonzero((tot <= 0) & (np.asarray(fi.data_obs) > 0))
    if len(bad):
        where = "; ".join(f"{fi.bin_label(int(fb[b]))}: {fi.data_obs[b]:g} events" for b in bad[:5])
        raise InputError(f"{len(bad)} fit bin(s) have data but a zero total prediction, where the Poisson NLL is "
                         f"infinite for every parameter value: {where}{' ...' if len(bad) > 5 else ''}; give these "
                         "bins a non-zero prediction (wmass fitinput floors empty bins: fitinput.empty_bins) or "
                         "mask the channel")
    ns = len(fi.systs)
    if cols is not None:
        nz = np.asarray(avg) != 0 if hd is None else (np.asarray(avg) != 0) | (np.asarray(hd) != 0)
        effect = np.bincount(np.asarray(cols)[nz], minlength=ns) > 0
    else:
        a = np.asarray(avg).reshape(-1, ns)
        effect = np.any(a != 0, axis=0) if hd is None else np.any((a != 0) | (np.asarray(hd).reshape(-1, ns) != 0), axis=0)
    flat = [s for s, c, e in zip(fi.systs, fi.constrained, effect) if not c and not e]
    flat += [poi for j, poi in enumerate(fi.pois) if not np.any(nu0[:, poi_of_proc == j] > 0)]
    if flat:
        raise InputError(f"unconstrained parameter(s) without any effect on the fit bins (the NLL is flat along "
                         f"them): {', '.join(flat[:10])}{' ...' if len(flat) > 10 else ''}")


def default_obs(fi: FitInput) -> Obs:
    """The observed data, θ⁰ = 0 and β⁰ = 1."""
    nbf = fi.nbins_fit
    return Obs(nobs=jnp.asarray(fi.data_obs, dtype=jnp.float64), theta0=jnp.zeros(len(fi.systs)),
               beta0=jnp.ones(nbf))


def x0(model: Model, mu: float = 1.0) -> jax.Array:
    """Default starting point: signal strength ``mu`` (POI = √mu when r = POI²), θ = 0."""
    poi = jnp.full(model.npoi, np.sqrt(mu) if model.poi_square else mu)
    return jnp.concatenate([poi, jnp.zeros(model.nsyst)])


def alpha(theta: jax.Array) -> jax.Array:
    """Smooth asymmetric interpolation α(θ) (rabbit ``_compute_yields_noBBB``; combine's ``smoothStep``)."""
    twox = 2.0 * theta
    twox2 = twox * twox
    return jnp.clip(0.125 * twox * (twox2 * (3.0 * twox2 - 10.0) + 15.0), -1.0, 1.0)


def log_syst(theta: jax.Array, model: Model) -> jax.Array:
    """η_r = Σ_s θ_s (log κ^avg_rs + α(θ_s) log κ^hd_rs), shape [r]."""
    if model.sparse:
        rows, cols = model.entries()
        th = theta[cols]  # [e]
        val = th * model.logk_avg if model.logk_hd is None else th * (model.logk_avg + alpha(th) * model.logk_hd)
        return jax.ops.segment_sum(val, rows, num_segments=model.nu0.size, indices_are_sorted=True)
    eta = model.logk_avg @ theta  # [r, s] @ [s]
    if model.logk_hd is not None:
        eta = eta + model.logk_hd @ (theta * alpha(theta))
    return eta


def proc_norm(poi: jax.Array, model: Model) -> jax.Array:
    """r_p: POI² (or POI) for processes scaled by a POI, 1 otherwise; shape [p]."""
    rpoi = poi * poi if model.poi_square else poi
    idx = jnp.maximum(model.poi_of_proc, 0)
    return jnp.where(model.poi_of_proc >= 0, rpoi[idx] if model.npoi else 1.0, 1.0)


def yields(x: jax.Array, model: Model) -> jax.Array:
    """ν_bp before the MC-stat factor, shape [b, p]."""
    poi, theta = x[: model.npoi], x[model.npoi:]
    eta = log_syst(theta, model).reshape(model.nu0.shape)
    return proc_norm(poi, model)[None, :] * model.nu0 * jnp.exp(eta)


def beta_profiled(nu: jax.Array, model: Model, obs: Obs) -> jax.Array:
    """Analytic BB-lite (gamma) minimum β_b = (n_b + k_b β⁰_b)/(ν_b + k_b); β⁰ where masked."""
    beta = (obs.nobs + model.kstat * obs.beta0) / (nu + model.kstat)
    return jnp.where(model.bbmask, obs.beta0, beta)


def _poisson(nexp: jax.Array, nobs: jax.Array) -> jax.Array:
    """Σ_b −n(ln ν − ln n) + ν − n, with ln n := 0 and ln ν := 0 where n = 0 (rabbit's offset form)."""
    empty = nobs == 0.0
    lognexp = jnp.log(jnp.where(empty, 1.0, nexp))
    lognobs = jnp.log(jnp.where(empty, 1.0, nobs))
    return jnp.sum(-nobs * (lognexp - lognobs) + nexp - nobs)


def _lbeta(beta: jax.Array, model: Model, obs: Obs) -> jax.Array:
    """Σ_b −k β⁰(ln β − ln β⁰) + k(β − β⁰) (zero for masked bins, where β = β⁰)."""
    safe0 = obs.beta0 == 0.0
    logbeta = jnp.log(jnp.where(safe0, 1.0, beta))
    logbeta0 = jnp.log(jnp.where(safe0, 1.0, obs.beta0))
    terms = -model.kstat * obs.beta0 * (logbeta - logbeta0) + model.kstat * (beta - obs.beta0)
    return jnp.sum(jnp.where(model.bbmask, 0.0, terms))


def nll_terms(x: jax.Array, model: Model, obs: Obs) -> dict[str, jax.Array]:
    """Components of the reduced NLL: Poisson ``ln``, constraint ``lc``, MC-stat ``lbeta``, and ``beta``."""
    nu = jnp.sum(yields(x, model), axis=1)
    beta = beta_profiled(nu, model, obs) if model.bbstat else jnp.ones_like(nu)
    theta = x[model.npoi:]
    lc = 0.5 * jnp.sum(model.weight * (theta - obs.theta0) ** 2)
    lbeta = _lbeta(beta, model, obs) if model.bbstat else jnp.zeros(())
    return {"ln": _poisson(nu * beta, obs.nobs), "lc": lc, "lbeta": lbeta, "beta": beta}


def nll(x: jax.Array, model: Model, obs: Obs) -> jax.Array:
    """Reduced NLL (β profiled): the quantity minimised; 2·min equals the saturated χ²."""
    t = nll_terms(x, model, obs)
    return t["ln"] + t["lc"] + t["lbeta"]


def nll_fixed_beta(x: jax.Array, beta: jax.Array, model: Model, obs: Obs) -> jax.Array:
    """Reduced NLL at fixed β (rabbit ``profile=False``), for the data-stat / MC-stat split of impacts."""
    nu = jnp.sum(yields(x, model), axis=1)
    theta = x[model.npoi:]
    lc = 0.5 * jnp.sum(model.weight * (theta - obs.theta0) ** 2)
    return _poisson(nu * beta, obs.nobs) + lc + (_lbeta(beta, model, obs) if model.bbstat else 0.0)


def nll_full(x: jax.Array, model: Model, obs: Obs) -> jax.Array:
    """Full NLL with all constants (rabbit ``full_nll``: ln n!, Gaussian and gamma normalisations)."""
    nu = jnp.sum(yields(x, model), axis=1)
    beta = beta_profiled(nu, model, obs) if model.bbstat else jnp.ones_like(nu)
    nexp = nu * beta
    lognexp = jnp.log(jnp.where(obs.nobs == 0.0, 1.0, nexp))
    ln = jnp.sum(-obs.nobs * lognexp + nexp + jax.scipy.special.gammaln(obs.nobs + 1.0))
    theta = x[model.npoi:]
    lc = jnp.sum(0.5 * model.weight * (theta - obs.theta0) ** 2 + 0.9189385332046727 * model.weight)
    k, b0 = model.kstat, obs.beta0
    logbeta = jnp.log(jnp.where(b0 == 0.0, 1.0, beta))
    lb = -k * b0 * logbeta + k * beta + jax.scipy.special.gammaln(k * b0) - k * b0 * jnp.log(k)
    # bins without MC stat keep k = 1, β = β⁰ and their constants, as in rabbit
    lbeta = jnp.sum(lb) if model.bbstat else 0.0
    return ln + lc + lbeta

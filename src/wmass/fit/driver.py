"""The fit driver: the jit boundary, float64, device choice, and the sequence fit → covariance → impacts.

float64: the library modules never touch JAX's global configuration at import; :func:`run_fit`
(and :class:`Fitter`'s users) run inside ``with jax.enable_x64(True)``, a scoped switch, so importing
wmass.fit leaves other JAX users unaffected. Device: "cpu" by default, "gpu" when asked (or "auto"
and JAX sees one).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import scipy.stats

from wmass.fit.covariance import covariance
from wmass.fit.hessian import bin_jacobian, hessian_factors, host_factors, make_design
from wmass.fit.impacts import global_impacts, nominal_impacts
from wmass.fit.inputs import FitInput
from wmass.fit.minimize import FitFunctions, MinimizeResult, minimize
from wmass.fit.model import Obs, build_model, nll, nll_full, nll_terms, param_names, x0, yields

__all__ = ["FitOptions", "Fitter", "precision", "run_fit"]


@dataclass(frozen=True)
class FitOptions:
    """Options of the fit (the ``fit:`` block of the configuration)."""

    poi_square: bool = True
    bbstat: bool = True
    tol: float = 1e-8
    max_iter: int = 100
    impacts: bool = True
    global_impacts: bool = True
    asimov: bool = False
    toys: int = 0
    toy_seed: int = 1
    toy_batch: int = 64
    scan: tuple[str, ...] = ()
    scan_points: int = 11
    scan_sigma: float = 3.0
    device: str = "cpu"
    dense_fill: float = 0.02

    @classmethod
    def from_config(cls, fit: Mapping[str, Any]) -> FitOptions:
        """The options of the validated ``fit`` block (every key present: :func:`wmass.config.load_config`
        or :func:`wmass.config.defaults` fill the schema's defaults). ``symmetrize`` is ``wmass fitinput``'s.
        """
        return cls(poi_square=not fit["allow_negative_poi"], bbstat=fit["bin_by_bin_stat"], tol=fit["edm_tol"],
                   max_iter=fit["max_iter"], impacts=fit["impacts"], global_impacts=fit["global_impacts"],
                   asimov=fit["asimov"], toys=fit["toys"], toy_seed=fit["toy_seed"], scan=tuple(fit["scan"]),
                   scan_points=fit["scan_points"], device=fit["device"])


@contextlib.contextmanager
def precision(device: str = "cpu") -> Iterator[Any]:
    """float64 and the chosen device for everything inside the block; yields the device."""
    if device == "auto":
        device = "gpu" if any(d.platform == "gpu" for d in jax.devices()) else "cpu"
    dev = jax.devices(device)[0]
    with jax.enable_x64(True), jax.default_device(dev):
        yield dev


def _compile(fun: Callable[..., Any], *args: Any) -> tuple[Callable[..., Any], float]:
    t = time.perf_counter()
    compiled = jax.jit(fun).lower(*args).compile()
    return compiled, time.perf_counter() - t


@dataclass
class Fitter:
    """A model with its compiled functions; all calls must run inside :func:`precision`."""

    fi: FitInput
    options: FitOptions = field(default_factory=FitOptions)

    def __post_init__(self) -> None:
        self.model, self.obs = build_model(self.fi, poi_square=self.options.poi_square, bbstat=self.options.bbstat)
        self.names = param_names(self.fi)
        self.design = make_design(self.model, self.options.dense_fill)
        self.x0 = np.asarray(x0(self.model))
        args = (jnp.asarray(self.x0), self.model, self.obs)
        vg, t1 = _compile(jax.value_and_grad(nll), *args)
        fac, t2 = _compile(hessian_factors, *args)
        self.fns = FitFunctions(vg, lambda *a: vg(*a)[0], fac)
        self.summary, t3 = _compile(lambda *a: (nll_terms(*a), nll_full(*a)), *args)
        self.compile_time = t1 + t2 + t3

    def fit(self, obs: Obs | None = None, x_start: np.ndarray | None = None, free: np.ndarray | None = None,
            log: Callable[[str], None] | None = None) -> MinimizeResult:
        """Minimise from ``x_start`` (default x0) on ``obs`` (default the data)."""
        return minimize(self.fns, self.design, self.model, self.obs if obs is None else obs,
                        self.x0 if x_start is None else x_start, self.names, free=free, tol=self.options.tol,
                        max_iter=self.options.max_iter, log=log)

    def asimov_obs(self, x: np.ndarray | None = None) -> Obs:
        """Expected data at ``x`` (default x0) with θ⁰ = 0 and β⁰ = 1 (rabbit's ``-t -1`` Asimov data set)."""
        nu = jnp.sum(yields(jnp.asarray(self.x0 if x is None else x), self.model), axis=1)
        return Obs(nobs=nu, theta0=self.obs.theta0, beta0=self.obs.beta0)

    def targets(self) -> np.ndarray:
        """Indices of the POIs and the nois: the parameters impacts are computed for."""
        npoi = self.model.npoi
        return np.concatenate([np.arange(npoi), npoi + np.flatnonzero(self.fi.noi)]).astype(int)

    def groups(self) -> dict[str, np.ndarray]:
        """Parameter indices of each systematic group."""
        pos = {s: self.model.npoi + i for i, s in enumerate(self.fi.systs)}
        return {g: np.array([pos[s] for s in members], dtype=int) for g, members in sorted(self.fi.groups.items())}

    def postfit(self, res: MinimizeResult, obs: Obs | None = None) -> dict[str, Any]:
        """Covariance, impacts and goodness of fit at the minimum ``res`` (all parameters free)."""
        obs = self.obs if obs is None else obs
        out: dict[str, Any] = {"timings": {}}
        t = time.perf_counter()
        cov = covariance(res.chol)
        out["cov"] = cov
        out["timings"]["covariance"] = time.perf_counter() - t
        fac = host_factors(self.fns.factors(res.x, self.model, obs))
        jac = bin_jacobian(self.design, self.model, fac)
        terms, full = self.summary(jnp.asarray(res.x), self.model, obs)
        terms = {k: np.asarray(v) for k, v in terms.items()}
        tg, groups = self.targets(), self.groups()
        npoi = self.model.npoi
        stat_idx = np.concatenate([np.arange(npoi), npoi + np.flatnonzero(~self.fi.constrained)]).astype(int)
        if self.options.impacts:
            t = time.perf_counter()
            h_nobb = None
            if self.options.bbstat:
                jth, jp = jac
                sel = np.zeros((self.model.nsyst, len(stat_idx) - npoi))
                sel[stat_idx[npoi:] - npoi, np.arange(len(stat_idx) - npoi)] = 1.0
                js = np.concatenate([jp, jth.dot(sel)], axis=1)  # [b, stat]
                dw = fac["w_nobb"] - fac["w"]
                h_nobb = res.hessian.copy()
                h_nobb[np.ix_(stat_idx, stat_idx)] += js.T @ (dw[:, None] * js)
            out["impacts"] = nominal_impacts(cov, res.hessian, h_nobb, tg, stat_idx, groups)
            out["timings"]["impacts"] = time.perf_counter() - t
        if self.options.global_impacts:
            t = time.perf_counter()
            nu = np.sum(np.asarray(fac["nu_r"]).reshape(self.model.nu0.shape), axis=1)
            bbfree = ~np.asarray(self.model.bbmask) if self.options.bbstat else np.zeros(len(nu), bool)
            out["global_impacts"] = global_impacts(cov, tg, npoi, np.asarray(self.model.weight), jac, nu,
                                                   np.asarray(self.model.kstat), np.asarray(obs.beta0), bbfree, groups)
            out["timings"]["global_impacts"] = time.perf_counter() - t
        nllv = float(res.nll)
        ndf = int(self.fi.nbins_fit - npoi - int(np.sum(~self.fi.constrained)))
        out["gof"] = {"nll_reduced": nllv, "nll_full": float(full),
                      "chi2": 2.0 * nllv, "ndf": ndf, "p_value": float(scipy.stats.chi2.sf(2.0 * nllv, ndf)),
                      "nll_terms": {k: float(terms[k]) for k in ("ln", "lc", "lbeta")}}
        return out


def run_fit(fi: FitInput, options: FitOptions | None = None, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Fit the data of ``fi`` and compute everything the options ask for; raw (unblinded) numbers.

    Returns a dict with ``names``, ``x``, ``cov``, ``minimizer`` (edm, iterations, status), ``impacts``,
    ``global_impacts``, ``gof``, optional ``asimov``, ``toys``, ``scans``, and ``timings``.
    """
    from wmass.fit.scan import nll_scan
    from wmass.fit.toys import run_toys

    options = options or FitOptions()
    with precision(options.device) as dev:
        t = time.perf_counter()
        fitter = Fitter(fi, options)
        out: dict[str, Any] = {"names": fitter.names, "device": str(dev), "npoi": fitter.model.npoi,
                               "poi_square": options.poi_square,
                               "timings": {"setup_and_compile": time.perf_counter() - t,
                                           "compile": fitter.compile_time}}
        t = time.perf_counter()
        res = fitter.fit(log=log)
        out["timings"]["minimize"] = time.perf_counter() - t
        out.update(x=res.x, minimizer={"edm": res.edm, "iterations": res.iterations, "status": res.status,
                                      "nll": res.nll, "tol": options.tol})
        post = fitter.postfit(res)
        out["timings"].update(post.pop("timings"))
        out.update(post)
        if options.asimov:
            t = time.perf_counter()
            ares = fitter.fit(obs=fitter.asimov_obs())
            apost = fitter.postfit(ares, obs=fitter.asimov_obs())
            out["asimov"] = {"x": ares.x, "cov": apost["cov"], "edm": ares.edm, "impacts": apost.get("impacts"),
                             "global_impacts": apost.get("global_impacts")}
            out["timings"]["asimov"] = time.perf_counter() - t
        if options.scan:
            t = time.perf_counter()
            out["scans"] = {p: nll_scan(fitter, res, out["cov"], p, options.scan_points, options.scan_sigma)
                            for p in options.scan}
            out["timings"]["scans"] = time.perf_counter() - t
        if options.toys:
            t = time.perf_counter()
            out["toys"] = run_toys(fitter, res, options.toys, options.toy_seed, options.toy_batch)
            out["timings"]["toys"] = time.perf_counter() - t
    return out

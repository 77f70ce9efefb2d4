"""Toys, batched with ``jax.vmap``: throw data and global observables, refit, pull distributions.

Generation (frequentist, rabbit ``frequentistassign``) at x_gen = x0 (POI² = 1, θ = 0):
n_b ~ Poisson(ν_b(x_gen)), θ⁰_s ~ N(θ_gen,s, 1/w_s) for constrained systematics, β⁰_b ~ Poisson(k_b)/k_b.
Each toy is minimised by truncated Newton: exact Hessian-vector products (forward-over-reverse),
preconditioned conjugate gradients with the data fit's Cholesky factor as preconditioner, and a
vectorised backtracking line search; the uncertainties of the targets come from PCG solves
H z = e_i. Every toy runs the same fixed number of iterations, so the batch maps onto vmap.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from wmass.fit.model import Model, Obs, nll

__all__ = ["throw_toys", "toy_fit", "toy_fit_dense", "run_toys"]

_STEPS = jnp.array([1.0, 0.5, 0.25, 0.125, 0.0625, 0.015625, 0.0])


def throw_toys(key: jax.Array, ntoys: int, nu_gen: jax.Array, theta_gen: jax.Array, model: Model) -> Obs:
    """Batched observations [toy, ...] around the expectation ``nu_gen`` and constraint centres ``theta_gen``."""
    k1, k2, k3 = jax.random.split(key, 3)
    nobs = jax.random.poisson(k1, nu_gen, shape=(ntoys, nu_gen.shape[0])).astype(jnp.float64)
    sig = jnp.where(model.weight > 0, 1.0 / jnp.sqrt(jnp.where(model.weight > 0, model.weight, 1.0)), 0.0)
    theta0 = theta_gen + sig * jax.random.normal(k2, (ntoys, theta_gen.shape[0]))
    free = ~model.bbmask if model.bbstat else jnp.zeros_like(model.bbmask)
    beta0 = jax.random.poisson(k3, model.kstat, shape=(ntoys, nu_gen.shape[0])) / model.kstat
    beta0 = jnp.where(free, beta0, 1.0)
    return Obs(nobs=nobs, theta0=theta0, beta0=beta0)


def _pcg(hvp: Any, b: jax.Array, precond: Any, iters: int) -> jax.Array:
    """Solve H z = b by preconditioned CG with a fixed iteration count (stops updating on convergence)."""
    def body(_: int, st: tuple[jax.Array, ...]) -> tuple[jax.Array, ...]:
        z, r, y, p, ry = st
        hp = hvp(p)
        php = p @ hp
        ok = (php > 0) & (ry > 1e-30)
        a = jnp.where(ok, ry / jnp.where(ok, php, 1.0), 0.0)
        z, r = z + a * p, r - a * hp
        y = precond(r)
        ry_new = r @ y
        p = jnp.where(ok, y + (ry_new / jnp.where(ry > 0, ry, 1.0)) * p, p)
        return z, r, y, p, jnp.where(ok, ry_new, 0.0)

    y0 = precond(b)
    st = (jnp.zeros_like(b), b, y0, y0, b @ y0)
    return jax.lax.fori_loop(0, iters, body, st)[0]


def toy_fit(x_start: jax.Array, obs: Obs, model: Model, chol: jax.Array, targets: jax.Array,
            newton_iters: int = 12, cg_iters: int = 20) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Minimise one toy; returns (x̂, σ of ``targets``, final gradient norm). vmap over ``obs``."""
    grad = jax.grad(nll)

    def precond(v: jax.Array) -> jax.Array:
        return jax.scipy.linalg.cho_solve((chol, True), v)

    def newton(_: int, x: jax.Array) -> jax.Array:
        g = grad(x, model, obs)
        hvp = lambda v: jax.jvp(lambda y: grad(y, model, obs), (x,), (v,))[1]  # noqa: E731
        d = _pcg(hvp, -g, precond, cg_iters)
        fs = jax.vmap(lambda t: nll(x + t * d, model, obs))(_STEPS)
        f0 = fs[-1]
        good = jnp.isfinite(fs) & (fs <= f0 + 1e-4 * _STEPS * (g @ d))
        i = jnp.argmax(good)
        return x + _STEPS[i] * d

    x = jax.lax.fori_loop(0, newton_iters, newton, x_start)
    hvp = lambda v: jax.jvp(lambda y: grad(y, model, obs), (x,), (v,))[1]  # noqa: E731
    eye = jnp.eye(x.shape[0])[targets]
    var = jax.vmap(lambda e: e @ _pcg(hvp, e, precond, 3 * cg_iters))(eye)
    return x, jnp.sqrt(var), jnp.linalg.norm(grad(x, model, obs))


def toy_fit_dense(x_start: jax.Array, obs: Obs, model: Model, chol: jax.Array, targets: jax.Array,
                  newton_iters: int = 10) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Small models: exact Newton with the dense ``jax.hessian`` (falls back to the data-fit metric
    when the toy's Hessian is not positive definite) and the same line search; vmap over ``obs``."""
    grad = jax.grad(nll)
    hess = jax.hessian(nll)

    def newton(_: int, x: jax.Array) -> jax.Array:
        g, h = grad(x, model, obs), hess(x, model, obs)
        c = jnp.linalg.cholesky(h)
        d_exact = -jax.scipy.linalg.cho_solve((c, True), g)
        d_data = -jax.scipy.linalg.cho_solve((chol, True), g)
        d = jnp.where(jnp.all(jnp.isfinite(d_exact)), d_exact, d_data)
        fs = jax.vmap(lambda t: nll(x + t * d, model, obs))(_STEPS)
        good = jnp.isfinite(fs) & (fs <= fs[-1] + 1e-4 * _STEPS * (g @ d))
        return x + _STEPS[jnp.argmax(good)] * d

    x = jax.lax.fori_loop(0, newton_iters, newton, x_start)
    cov = jnp.linalg.inv(hess(x, model, obs))
    return x, jnp.sqrt(jnp.diag(cov)[targets]), jnp.linalg.norm(grad(x, model, obs))


def run_toys(fitter: Any, res: Any, ntoys: int, seed: int, batch: int = 64, dense_max: int = 300) -> dict[str, Any]:
    """Throw ``ntoys`` toys at x0, refit in vmapped batches; pulls of the targets (POIs and nois).

    Models with at most ``dense_max`` parameters use :func:`toy_fit_dense`, larger ones :func:`toy_fit`.

    Returns ``pulls`` [toy, target] = (x̂ − x_gen)/σ̂, their mean and width per target, ``target_names``,
    and the fraction of toys whose final gradient norm is below 1e-3 (``converged_fraction``).
    """
    model = fitter.model
    xg = jnp.asarray(fitter.x0)
    nu_gen = jnp.asarray(fitter.asimov_obs().nobs)
    targets = jnp.asarray(fitter.targets())
    chol = jnp.asarray(np.linalg.cholesky(res.hessian))  # dense factor of the data fit's Hessian
    fun = toy_fit_dense if model.nparams <= dense_max else toy_fit
    fit = jax.jit(jax.vmap(fun, in_axes=(None, 0, None, None, None)))  # 0: every leaf of the Obs batch
    key = jax.random.PRNGKey(seed)
    xs: list[np.ndarray] = []
    sig: list[np.ndarray] = []
    gn: list[np.ndarray] = []
    for start in range(0, ntoys, batch):
        n = min(batch, ntoys - start)
        obs = throw_toys(jax.random.fold_in(key, start), n, nu_gen, xg[model.npoi:], model)
        x, s, g = fit(xg, obs, model, chol, targets)
        xs.append(np.asarray(x))
        sig.append(np.asarray(s))
        gn.append(np.asarray(g))
    x, s, g = np.concatenate(xs), np.concatenate(sig), np.concatenate(gn)
    tg = np.asarray(targets)
    pulls = (x[:, tg] - np.asarray(xg)[tg]) / s
    ok = g < 1e-3
    return {"ntoys": ntoys, "seed": seed, "target_names": [fitter.names[i] for i in tg], "pulls": pulls,
            "pull_mean": pulls[ok].mean(axis=0), "pull_width": pulls[ok].std(axis=0, ddof=1),
            "converged_fraction": float(ok.mean())}

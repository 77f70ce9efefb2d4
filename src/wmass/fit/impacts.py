"""Impacts on the parameters of interest (POIs and nois), traditional and global, per group.

Traditional (rabbit ``impacts_parms``): nuisance s on parameter i: V_is/√V_ss; group G:
√(v_Gᵀ V_GG⁻¹ v_G) with v_G = V_iG; data statistics from the inverse of the Hessian block of POIs and
unconstrained systematics without profiling β (fixed at β̂, W = n/ν²); MC statistics
√max(0, [H_stat⁻¹ − H_stat,noBB⁻¹]_ii).

Global (arXiv:2307.04007; rabbit ``global_impacts_parms``): response of x̂ to the global observables.
Constraint centres: I_is = √w_s V_si. MC-stat centres β⁰_b: I_ib = √(k_b β⁰_b)/β̂_b · ∂β̂_b/∂x · V_:i
= −√(k_b β⁰_b)/(ν_b + k_b) (J V_:i)_b. Data statistics: the remainder V_ii − Σ_s I_is² − Σ_b I_ib².
"""

from __future__ import annotations

import numpy as np

from wmass.fit.hessian import SplitMatrix

__all__ = ["nominal_impacts", "global_impacts"]


def nominal_impacts(cov: np.ndarray, hess: np.ndarray, hess_nobb: np.ndarray | None, targets: np.ndarray,
                    stat_idx: np.ndarray, groups: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Traditional impacts on parameters ``targets``: per parameter [t, x] and per group {name: [t]}.

    ``stat_idx``: indices of POIs and unconstrained systematics; ``groups`` hold parameter indices.
    ``hess_nobb`` is the Hessian at fixed β (None without MC statistics).
    """
    sig = np.sqrt(np.diag(cov))
    v = cov[targets]  # [t, x]
    out: dict[str, np.ndarray] = {"per_param": v / sig[None, :]}
    pos = {int(i): k for k, i in enumerate(stat_idx)}
    tpos = np.array([pos.get(int(t), -1) for t in targets])
    inv_stat = np.linalg.inv(hess[np.ix_(stat_idx, stat_idx)])
    grouped: dict[str, np.ndarray] = {}
    for name, idx in groups.items():
        grouped[name] = _group_impact(cov, hess, v, targets, idx)
    diag_stat = np.where(tpos >= 0, np.diag(inv_stat)[np.maximum(tpos, 0)], 0.0)
    if hess_nobb is not None:
        inv_nobb = np.linalg.inv(hess_nobb[np.ix_(stat_idx, stat_idx)])
        diag_nobb = np.where(tpos >= 0, np.diag(inv_nobb)[np.maximum(tpos, 0)], 0.0)
        grouped["stat"] = np.sqrt(diag_nobb)
        grouped["binByBinStat"] = np.sqrt(np.maximum(diag_stat - diag_nobb, 0.0))
    else:
        grouped["stat"] = np.sqrt(diag_stat)
    out["groups"] = grouped  # type: ignore[assignment]
    return out


def _group_impact(cov: np.ndarray, hess: np.ndarray, v: np.ndarray, targets: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """√(v_Gᵀ V_GG⁻¹ v_G) per target; for a group larger than half the parameters, the equivalent
    √(V_ii − [(H_RR)⁻¹]_ii) with R the complement of G (Schur complement), which is cheaper."""
    n = cov.shape[0]
    if len(idx) <= n // 2:
        vg = v[:, idx]
        return np.sqrt(np.maximum(np.einsum("ti,it->t", vg, np.linalg.solve(cov[np.ix_(idx, idx)], vg.T)), 0.0))
    rest = np.setdiff1d(np.arange(n), idx)
    pos = {int(r): k for k, r in enumerate(rest)}
    sub = hess[np.ix_(rest, rest)]
    out = np.zeros(len(targets))
    for k, t in enumerate(targets):
        if int(t) not in pos:  # the target is in the group: fixing the group fixes it
            out[k] = np.sqrt(cov[t, t])
            continue
        e = np.zeros(len(rest))
        e[pos[int(t)]] = 1.0
        out[k] = np.sqrt(max(cov[t, t] - np.linalg.solve(sub, e)[pos[int(t)]], 0.0))
    return out


def global_impacts(cov: np.ndarray, targets: np.ndarray, npoi: int, weight: np.ndarray,
                   jac: tuple[SplitMatrix, np.ndarray], nu: np.ndarray, kstat: np.ndarray,
                   beta0: np.ndarray, bbfree: np.ndarray, groups: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Global impacts on ``targets``: per constrained systematic [t, s] and per group {name: [t]}.

    ``jac`` = (J_θ, J_poi) = ∂ν_b/∂x at the minimum; ``bbfree`` marks bins with a profiled β.
    """
    vt = cov[:, targets]  # [x, t]
    i_theta = (np.sqrt(weight)[:, None] * vt[npoi:]).T  # [t, s]
    jth, jp = jac
    jv = jth.dot(vt[npoi:]) + jp @ vt[:npoi]  # [b, t]
    coef = np.where(bbfree, -np.sqrt(kstat * beta0) / (nu + kstat), 0.0)
    i_beta = coef[:, None] * jv  # [b, t]
    var_total = np.diag(cov)[targets]
    var_theta, var_beta = np.sum(i_theta**2, axis=1), np.sum(i_beta**2, axis=0)
    grouped = {name: np.sqrt(np.sum(i_theta[:, idx - npoi] ** 2, axis=1)) for name, idx in groups.items()}
    grouped["stat"] = np.sqrt(np.maximum(var_total - var_theta - var_beta, 0.0))
    grouped["binByBinStat"] = np.sqrt(var_beta)
    return {"per_param": i_theta, "groups": grouped}

"""Solves and inverse of the Hessian exploiting its arrow structure (block-diagonal local part).

Order the parameters as (local ℓ, global γ): local systematics (sparse columns of log κ, e.g.
efficiency statistics acting inside one (charge, η) cell) couple only to locals sharing a bin, so
H_ℓℓ = A is block diagonal; global parameters (POIs, dense columns) couple to everything:

.. math::

    H = \\begin{pmatrix} A & B \\\\ B^T & C \\end{pmatrix},\\quad S = C - B^T A^{-1} B,\\quad
    H^{-1} = \\begin{pmatrix} A^{-1} + Y S^{-1} Y^T & -Y S^{-1} \\\\ -S^{-1} Y^T & S^{-1} \\end{pmatrix},
    \\ Y = A^{-1} B.

Cost Σ_k n_k³ + n_γ³ + n_ℓ² n_γ instead of n³ (N = 5000: ~0.5 s instead of a dense Cholesky's
seconds per iteration). H is positive definite iff every block of A and S are. With no local
parameters this is a plain dense Cholesky.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["ArrowFactor", "local_blocks"]


def local_blocks(cols: np.ndarray, bins: np.ndarray, local: np.ndarray, nsyst: int, nbins: int) -> list[np.ndarray]:
    """Connected groups of local systematics (two are connected when they act on a common bin).

    ``cols``/``bins``: systematic and bin of each log κ entry; ``local``: boolean mask [nsyst].
    """
    m = local[cols]
    g = sp.csr_matrix((np.ones(int(m.sum())), (cols[m], bins[m])), shape=(nsyst, nbins))
    adj = (g @ g.T).tocsr()
    _, lab = connected_components(adj, directed=False)
    idx = np.flatnonzero(local)
    order = np.argsort(lab[idx], kind="stable")
    idx, lab_sorted = idx[order], lab[idx][order]
    cuts = np.flatnonzero(np.diff(lab_sorted)) + 1
    return np.split(idx, cuts) if len(idx) else []


@dataclass
class _Bucket:
    """Local blocks padded to a common size m: indices [K, m] (-1 = padding), A [K, m, m], Y [K, m, γ]."""

    idx: np.ndarray
    a: np.ndarray
    y: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return self.idx >= 0


def _buckets(blocks: list[np.ndarray]) -> dict[int, list[np.ndarray]]:
    """Blocks grouped by size rounded up to a power of two (batched LAPACK calls, little padding)."""
    out: dict[int, list[np.ndarray]] = {}
    for b in blocks:
        out.setdefault(1 << int(np.ceil(np.log2(max(len(b), 1)))), []).append(b)
    return out


@dataclass
class ArrowFactor:
    """Factorisation of a symmetric matrix with a block-diagonal local part; raises LinAlgError if not PD.

    The local blocks are processed in batches (stacked, identity-padded) so that thousands of small
    LAPACK calls do not each pay BLAS threading overhead.
    """

    n: int
    glob: np.ndarray
    buckets: list[_Bucket]
    s_chol: tuple[np.ndarray, bool] | None

    @classmethod
    def factor(cls, h: np.ndarray, blocks: list[np.ndarray]) -> ArrowFactor:
        """Factor ``h`` (dense [n, n]) given the local blocks (index arrays into h)."""
        n = h.shape[0]
        inb = np.zeros(n, dtype=bool)
        for b in blocks:
            inb[b] = True
        glob = np.flatnonzero(~inb)
        s = h[np.ix_(glob, glob)].copy()
        out = []
        for m, bl in _buckets(blocks).items():
            idx = -np.ones((len(bl), m), dtype=np.int64)
            for k, b in enumerate(bl):
                idx[k, : len(b)] = b
            valid = idx >= 0
            safe = np.where(valid, idx, 0)
            a = h[safe[:, :, None], safe[:, None, :]] * (valid[:, :, None] & valid[:, None, :])
            a[:, np.arange(m), np.arange(m)] += ~valid  # identity on the padding
            np.linalg.cholesky(a)  # raises LinAlgError unless every block is positive definite
            bmat = h[safe[:, :, None], glob[None, None, :]] * valid[:, :, None]  # [K, m, γ]
            y = np.linalg.solve(a, bmat)
            s -= bmat.reshape(-1, len(glob)).T @ y.reshape(-1, len(glob))  # Σ_k B_kᵀ A_k⁻¹ B_k (BLAS)
            out.append(_Bucket(idx, a, y))
        s_chol = scipy.linalg.cho_factor(s, lower=True) if len(glob) else None
        return cls(n, glob, out, s_chol)

    def solve(self, g: np.ndarray) -> np.ndarray:
        """H⁻¹ g for g of shape [n]."""
        out = np.zeros(self.n)
        ainv_g = []
        rhs = g[self.glob].astype(float)
        for bk in self.buckets:
            gl = np.where(bk.valid, g[np.maximum(bk.idx, 0)], 0.0)
            ainv_g.append(np.linalg.solve(bk.a, gl[..., None])[..., 0])
            rhs = rhs - np.einsum("kmg,km->g", bk.y, gl)  # Bᵀ A⁻¹ g = Yᵀ g
        zg = scipy.linalg.cho_solve(self.s_chol, rhs) if self.s_chol is not None else np.zeros(0)
        out[self.glob] = zg
        for bk, ag in zip(self.buckets, ainv_g):
            x = ag - bk.y @ zg if len(zg) else ag
            out[bk.idx[bk.valid]] = x[bk.valid]
        return out

    def inverse(self) -> np.ndarray:
        """The dense inverse (the covariance), symmetric."""
        v = np.zeros((self.n, self.n))
        g = self.glob
        sinv = scipy.linalg.cho_solve(self.s_chol, np.eye(len(g))) if self.s_chol is not None else np.zeros((0, 0))
        v[np.ix_(g, g)] = sinv
        if self.buckets:
            loc = np.concatenate([bk.idx[bk.valid] for bk in self.buckets])
            ymat = np.concatenate([bk.y[bk.valid] for bk in self.buckets], axis=0)  # [ℓ, γ]
            if len(g):
                ys = ymat @ sinv
                v[np.ix_(loc, g)] = -ys
                v[np.ix_(g, loc)] = -ys.T
                v[np.ix_(loc, loc)] = ys @ ymat.T
            for bk in self.buckets:
                ainv = np.linalg.inv(bk.a)
                for k in range(len(bk.idx)):
                    b = bk.idx[k][bk.valid[k]]
                    v[np.ix_(b, b)] += ainv[k][: len(b), : len(b)]
        return 0.5 * (v + v.T)

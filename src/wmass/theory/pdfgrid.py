"""LHAPDF6 ``lhagrid1`` reader and log-bicubic interpolation of x f(x, Q).

The grids are the central members shipped in the ``pythia8mc`` wheel (``share/Pythia8/pdfdata``).
A file holds a header and one or more Q subgrids (flavour thresholds), each with knots x_i, Q_j, a
list of PDG ids and the values x f(x_i, Q_j) ordered x-major. Interpolation follows LHAPDF 6's
``logbicubic`` scheme: cubic Hermite in ln x with finite-difference knot derivatives, evaluated on
the four surrounding Q² knots, then cubic Hermite in ln Q² (derivatives again by finite differences,
one-sided at subgrid edges). Points outside the grid are frozen at its edge (as Pythia does).

Reference: A. Buckley et al., "LHAPDF6", Eur. Phys. J. C 75 (2015) 132, arXiv:1412.7420, sec. 3.3.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["PdfGrid", "SubGrid", "available_sets", "load_pdf", "pdf_data_dir", "xfx"]

#: Sub-directory of the Python prefix where the pythia8mc wheel puts its PDF grids.
_PDFDATA = ("share", "Pythia8", "pdfdata")
#: A float in exponent notation (some grids glue fields together, e.g. ``0.0e+000.0e+00``).
_FLOAT = re.compile(r"[-+]?\d+\.\d*[eE][-+]\d{2}")


@dataclass(frozen=True)
class SubGrid:
    """One Q range of a grid: knots in ln x and ln Q², values [flavour, x, Q] and their ln x slopes."""

    lnx: np.ndarray
    lnq2: np.ndarray
    values: np.ndarray
    dlnx: np.ndarray


@dataclass(frozen=True)
class PdfGrid:
    """A PDF set member: its name, the PDG ids it tabulates (21 for the gluon) and its subgrids."""

    name: str
    pids: tuple[int, ...]
    subgrids: tuple[SubGrid, ...]

    def index(self, pid: int) -> int:
        """Row of ``pid`` in the value arrays (0 for the gluon also when the file writes it as 0)."""
        pid = 21 if pid == 0 else pid
        if pid not in self.pids:
            raise KeyError(f"PDF set {self.name} has no flavour {pid} (has {self.pids})")
        return self.pids.index(pid)


def pdf_data_dir() -> Path:
    """Folder of the LHAPDF grids of the ``pythia8mc`` wheel; raises FileNotFoundError if absent."""
    candidates = [Path(sys.prefix).joinpath(*_PDFDATA), Path(sys.base_prefix).joinpath(*_PDFDATA)]
    try:  # the wheel's share/ folder sits above its module (site-packages/../../../share)
        import pythia8mc

        here = Path(pythia8mc.__file__).resolve()
        candidates += [parent.joinpath(*_PDFDATA) for parent in here.parents[:5]]
    except ImportError:
        pass
    for path in candidates:
        if path.is_dir() and any(path.glob("*_0000.dat")):
            return path
    raise FileNotFoundError(
        "no LHAPDF grids found; looked in " + ", ".join(str(c) for c in candidates)
        + " (install the pythia8mc wheel, which ships share/Pythia8/pdfdata)"
    )


def available_sets() -> list[str]:
    """Names of the lhagrid1 central members available (file name without ``_0000.dat``)."""
    out = []
    for path in sorted(pdf_data_dir().glob("*_0000.dat")):
        with path.open() as fh:
            head = fh.read(200)
        if "lhagrid1" in head and "DPDF" not in path.name:
            out.append(path.name[: -len("_0000.dat")])
    return out


def _hermite_slopes(lnk: np.ndarray, vals: np.ndarray, axis: int) -> np.ndarray:
    """LHAPDF knot derivatives along ``axis``: mean of the two adjacent slopes, one-sided at ends."""
    v = np.moveaxis(vals, axis, -1)
    sl = np.diff(v, axis=-1) / np.diff(lnk)
    d = np.empty_like(v)
    d[..., 0] = sl[..., 0]
    d[..., -1] = sl[..., -1]
    d[..., 1:-1] = 0.5 * (sl[..., 1:] + sl[..., :-1])
    return np.moveaxis(d, -1, axis)


def _numbers(text: str) -> np.ndarray:
    """Whitespace-separated floats; falls back to a regex for fields written without a separator."""
    try:
        return np.array(text.split(), dtype=float)
    except ValueError:
        return np.array(_FLOAT.findall(text), dtype=float)


def _parse_block(block: str, pids: list[int] | None) -> tuple[SubGrid, list[int]]:
    lines = block.strip().split("\n", 3)
    x = np.array(lines[0].split(), dtype=float)
    q = np.array(lines[1].split(), dtype=float)
    ids = [int(v) for v in lines[2].split()]
    data = _numbers(lines[3]).reshape(x.size, q.size, len(ids))
    # some grids (CT14qed) repeat the first x knot: keep the last of equal knots
    keep = np.append(np.diff(x) > 0, True)
    x, data = x[keep], data[keep]
    vals = np.ascontiguousarray(np.moveaxis(data, 2, 0))
    order = pids if pids is not None else [21 if i == 0 else i for i in ids]
    ids = [21 if i == 0 else i for i in ids]
    vals = vals[[ids.index(p) for p in order]]
    lnx = np.log(x)
    return SubGrid(lnx, np.log(q**2), vals, _hermite_slopes(lnx, vals, 1)), order


@functools.lru_cache(maxsize=32)
def load_pdf(name: str) -> PdfGrid:
    """Read set ``name`` (e.g. ``NNPDF31_nnlo_as_0118_luxqed``) from the wheel's grids (cached, read-only)."""
    path = pdf_data_dir() / f"{name}_0000.dat"
    if not path.is_file():
        raise FileNotFoundError(f"PDF set {name!r} not found as {path}; available: {available_sets()}")
    text = path.read_text()
    if "lhagrid1" not in text[:300]:
        raise ValueError(f"{path} is not an LHAPDF6 lhagrid1 file")
    blocks = [b for b in text.split("---")[1:] if b.strip()]
    subgrids, pids = [], None
    for block in blocks:
        sub, pids = _parse_block(block, pids)
        subgrids.append(sub)
    assert pids is not None
    return PdfGrid(name, tuple(pids), tuple(subgrids))


def _hermite(t: np.ndarray, f0: np.ndarray, f1: np.ndarray, d0: np.ndarray, d1: np.ndarray,
             h: np.ndarray) -> np.ndarray:
    """Cubic Hermite polynomial on [0, 1] with end values f0, f1 and end slopes d0, d1 (per unit h)."""
    t2 = t * t
    t3 = t2 * t
    return ((2 * t3 - 3 * t2 + 1) * f0 + (t3 - 2 * t2 + t) * h * d0
            + (-2 * t3 + 3 * t2) * f1 + (t3 - t2) * h * d1)


def _interp_sub(sub: SubGrid, row: int, lnx: np.ndarray, lnq2: np.ndarray) -> np.ndarray:
    nx, nq = sub.lnx.size, sub.lnq2.size
    lnx = np.clip(lnx, sub.lnx[0], sub.lnx[-1])
    lnq2 = np.clip(lnq2, sub.lnq2[0], sub.lnq2[-1])
    ix = np.clip(np.searchsorted(sub.lnx, lnx, side="right") - 1, 0, nx - 2)
    iq = np.clip(np.searchsorted(sub.lnq2, lnq2, side="right") - 1, 0, nq - 2)
    hx = sub.lnx[ix + 1] - sub.lnx[ix]
    tx = (lnx - sub.lnx[ix]) / hx
    v, d = sub.values[row], sub.dlnx[row]

    def along_x(j: np.ndarray) -> np.ndarray:
        return _hermite(tx, v[ix, j], v[ix + 1, j], d[ix, j], d[ix + 1, j], hx)

    # four Q² knots iq-1 .. iq+2, clipped to the subgrid (one-sided derivatives at its edges)
    jm, j0, j1, jp = np.maximum(iq - 1, 0), iq, iq + 1, np.minimum(iq + 2, nq - 1)
    fm, f0, f1, fp = along_x(jm), along_x(j0), along_x(j1), along_x(jp)
    lq = sub.lnq2
    h = lq[j1] - lq[j0]
    s_mid = (f1 - f0) / h
    s_lo = np.where(jm < j0, (f0 - fm) / np.where(jm < j0, lq[j0] - lq[jm], 1.0), s_mid)
    s_hi = np.where(jp > j1, (fp - f1) / np.where(jp > j1, lq[jp] - lq[j1], 1.0), s_mid)
    d0 = np.where(jm < j0, 0.5 * (s_lo + s_mid), s_mid)
    d1 = np.where(jp > j1, 0.5 * (s_mid + s_hi), s_mid)
    tq = (lnq2 - lq[j0]) / h
    return _hermite(tq, f0, f1, d0, d1, h)


def xfx(pdf: PdfGrid, pid: int, x: np.ndarray | float, q: np.ndarray | float) -> np.ndarray:
    """x f_pid(x, Q) for arrays x and Q (GeV), broadcast together; pid 21 (or 0) is the gluon.

    Example:
        >>> round(float(xfx(load_pdf("NNPDF31_nnlo_as_0118_luxqed"), 2, 0.1, 91.0)), 2)
        0.6
    """
    x_arr, q_arr = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(q, dtype=float))
    lnx, lnq2 = np.log(x_arr).ravel(), np.log(q_arr**2).ravel()
    row = pdf.index(pid)
    out = np.empty(lnx.size)
    # subgrid k covers [lnq2_min_k, lnq2_min_{k+1}); the last one also everything above
    starts = np.array([s.lnq2[0] for s in pdf.subgrids])
    which = np.clip(np.searchsorted(starts, lnq2, side="right") - 1, 0, len(starts) - 1)
    for k, sub in enumerate(pdf.subgrids):
        sel = which == k
        if sel.any():
            out[sel] = _interp_sub(sub, row, lnx[sel], lnq2[sel])
    return out.reshape(x_arr.shape)

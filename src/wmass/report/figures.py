"""The report's figures (mplhep CMS style, Agg backend, PNG at 100 dpi).

Every function takes plain arrays, writes one PNG and returns nothing; none is given the value of a
blinded parameter (the caller passes only shapes, uncertainties, pulls of constrained nuisances,
impacts and correlations).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mplhep as hep  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import StepPatch  # noqa: E402
from matplotlib.ticker import NullLocator  # noqa: E402

from wmass.report.references import Measurement  # noqa: E402

__all__ = ["DPI", "style", "stack", "pulls", "group_pulls", "ranked", "mass_summary"]

DPI = 100
_COLORS = {"wplus": "#e42536", "wminus": "#f89c20", "wtaunu": "#964a8b", "zmumu": "#5790fc", "ztautau": "#7a21dd",
           "rare": "#9c9ca1", "top": "#a96b59", "diboson": "#b9ac70", "nonprompt": "#717581", "qcd": "#717581",
           "jpsi": "#92dadd"}
_LABELS = {"wplus": r"W$^{+}\to\mu\nu$", "wminus": r"W$^{-}\to\mu\nu$", "wtaunu": r"W$\to\tau\nu$",
           "zmumu": r"Z$\to\mu\mu$", "ztautau": r"Z$\to\tau\tau$", "rare": "Other", "nonprompt": "Nonprompt",
           "qcd": "Nonprompt", "top": "Top", "diboson": "Diboson"}


def style() -> None:
    """CMS style of mplhep for all following figures, without minor ticks (they double the drawing time)."""
    hep.style.use("CMS")
    plt.rcParams.update({"xtick.minor.visible": False, "ytick.minor.visible": False})


def _label(ax: plt.Axes, lumi_pb: float | None, data: bool = True) -> None:
    """"CMS Private work" (``data``) or "CMS Simulation Private work" above the frame, and the luminosity.

    Drawn as plain texts: mplhep's ``hep.cms.label`` renders the figure to place them, which costs ~1 s.
    """
    pos = ax.get_position()
    fig = ax.figure
    if not isinstance(fig, plt.Figure):
        raise TypeError("the CMS label is placed on the axes of a top-level figure, not of a sub-figure")
    width_in = fig.get_figwidth() * pos.width
    ax.text(0.0, 1.005, "CMS", transform=ax.transAxes, fontsize=20, fontweight="bold", va="bottom", ha="left")
    # "CMS" in bold Helvetica is about 2.3 em wide: place the second text after it without rendering
    ax.text((2.3 * 20 + 5) / 72 / width_in, 1.005, "Private work" if data else "Simulation Private work",
            transform=ax.transAxes, fontsize=17, style="italic", va="bottom", ha="left")
    rlabel = "(13 TeV)" if lumi_pb is None else f"{lumi_pb:.3g} pb$^{{-1}}$ (13 TeV)"
    ax.text(1.0, 1.005, rlabel, transform=ax.transAxes, fontsize=16, va="bottom", ha="right")


def _names_axes(n: int, height_per_row: float) -> tuple[plt.Figure, plt.Axes]:
    """A figure for ``n`` labelled rows (fixed margins: tight_layout would render it once more)."""
    h = max(4.0, height_per_row * n + 2)
    fig, ax = plt.subplots(figsize=(10, h))
    fig.subplots_adjust(left=0.42, right=0.96, top=1 - 1.0 / h, bottom=1.0 / h)
    ax.yaxis.set_minor_locator(NullLocator())
    return fig, ax


def _save(fig: plt.Figure, path: Path) -> None:
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def stack(path: Path, yields: np.ndarray, processes: Sequence[str], total_err: np.ndarray, data: np.ndarray | None,
          *, xlabel: str, title: str, lumi_pb: float | None, edges: np.ndarray | None = None,
          blocks: Sequence[tuple[int, str]] = (), ratio_label: str = "Data / pred.") -> None:
    """Stacked processes [n, P] with the total's uncertainty band, data, and a data/prediction panel.

    ``edges`` None: an unrolled distribution drawn against the bin index, ``blocks`` = (first bin,
    label) of each block of the outer axis (dashed lines, labels on a few of them).
    """
    n = yields.shape[0]
    x = np.arange(n + 1, dtype=float) if edges is None else np.asarray(edges, dtype=float)
    wide = edges is None and n > 100
    fig, (ax, rax) = plt.subplots(2, 1, figsize=(20 if wide else 10, 8 if wide else 9), sharex=True,
                                  gridspec_kw={"height_ratios": (3, 1), "hspace": 0.05})
    fig.subplots_adjust(left=0.07 if wide else 0.14, right=0.84 if wide else 0.96, top=0.9, bottom=0.11)
    order = np.argsort(yields.sum(axis=0))  # largest on top
    handles, labels, bottom = [], [], np.zeros(n)
    for p in order:  # StepPatch + add_artist: ax.stairs recomputes the data limits vertex by vertex (slow)
        top = bottom + yields[:, p]
        # matplotlib's stub types `baseline` as float; StepPatch takes "float, array-like or None"
        art = StepPatch(top, x, baseline=bottom, fill=True,  # type: ignore[arg-type]
                        color=_COLORS.get(processes[p], f"C{p % 10}"))
        ax.add_artist(art)
        handles.append(art)
        labels.append(_LABELS.get(processes[p], processes[p]))
        bottom = top
    tot = bottom
    band = StepPatch(tot + total_err, x, baseline=tot - total_err, fill=False, hatch="////", edgecolor="0.3",
                     linewidth=0)
    ax.add_artist(band)
    handles.append(band)
    labels.append("Uncertainty")
    safe = np.where(tot > 0, tot, 1.0)
    rax.add_artist(StepPatch(1 + total_err / safe, x, baseline=1 - total_err / safe,  # type: ignore[arg-type]  # as above
                             fill=True, color="0.75"))
    ms = 2 if wide else 5
    if data is not None:
        c = 0.5 * (x[1:] + x[:-1])
        handles.append(ax.errorbar(c, data, yerr=np.sqrt(data), fmt="o", color="k", markersize=ms,
                                   linewidth=0.6 if wide else 1))
        labels.append("Data")
        rax.errorbar(c, data / safe, yerr=np.sqrt(data) / safe, fmt="o", color="k", markersize=ms,
                     linewidth=0.6 if wide else 1)
    rax.axhline(1.0, color="k", linewidth=1)
    if data is not None and np.any(data > 0):  # ratio range: about twice the typical relative data error
        rel = np.median(1.0 / np.sqrt(data[data > 0]))
        half = float(np.clip(np.ceil(20 * rel) / 10, 0.1, 0.5))
    else:
        half = 0.2
    rax.set_ylim(1 - half, 1 + half)
    rax.set_ylabel(ratio_label, fontsize=18)
    rax.set_xlabel(xlabel)
    ax.set_ylabel("Events / bin")
    ymax = max(float(np.max(tot + total_err)) if n else 1.0,
               float(np.max(data + np.sqrt(data))) if data is not None and len(data) else 0.0, 1e-9)
    ax.set_ylim(0, (1.15 if wide else 1.4) * ymax)
    ax.set_xlim(x[0], x[-1])
    step = max(1, len(blocks) // 8)
    for k, (start, text) in enumerate(blocks):
        for a in (ax, rax):
            if k:
                a.axvline(start, color="0.5", linestyle="--", linewidth=0.6)
        if k % step == 0:
            ax.text(start + 0.5, 0.98, text, fontsize=11, va="top", transform=ax.get_xaxis_transform())
    nproc = len(order)  # legend top to bottom as the stack
    handles = handles[:nproc][::-1] + handles[nproc:]
    labels = labels[:nproc][::-1] + labels[nproc:]
    if wide:
        ax.legend(handles, labels, fontsize=14, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(handles, labels, ncol=2, fontsize=14, loc="upper right")
    ax.set_title(title, fontsize=16, loc="left", pad=32)
    _label(ax, lumi_pb)
    _save(fig, path)


def pulls(path: Path, names: Sequence[str], pull: np.ndarray, constraint: np.ndarray, title: str) -> None:
    """Pulls (θ̂ − θ⁰)/σ_prior with the postfit constraints σ̂/σ_prior as error bars, top to bottom."""
    n = len(names)
    fig, ax = _names_axes(n, 0.28)
    y = np.arange(n)[::-1]
    ax.axvspan(-2, 2, color="#ffe680", alpha=0.6)
    ax.axvspan(-1, 1, color="#7fd67f", alpha=0.6)
    ax.errorbar(pull, y, xerr=constraint, fmt="o", color="k", markersize=4)
    ax.set_yticks(y, names, fontsize=9)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-1, n)
    ax.set_xlabel(r"$(\hat\theta - \theta_0)/\Delta\theta$")
    ax.set_title(title, fontsize=14, loc="left", pad=32)
    _label(ax, None)
    _save(fig, path)


def group_pulls(path: Path, groups: Sequence[str], rms_pull: np.ndarray, mean_constraint: np.ndarray,
                title: str) -> None:
    """Per group: RMS of the pulls and mean constraint of its constrained nuisances."""
    n = len(groups)
    fig, ax = _names_axes(n, 0.4)
    y = np.arange(n)[::-1]
    ax.barh(y + 0.2, rms_pull, height=0.4, color="#5790fc", label="RMS pull")
    ax.barh(y - 0.2, mean_constraint, height=0.4, color="#f89c20", label="mean constraint")
    ax.axvline(1.0, color="k", linestyle="--", linewidth=1)
    ax.set_yticks(y, groups, fontsize=11)
    ax.set_xlabel("per-group summary")
    ax.legend(fontsize=12, loc="lower right")
    ax.set_title(title, fontsize=14, loc="left", pad=32)
    _label(ax, None)
    _save(fig, path)


def ranked(path: Path, names: Sequence[str], values: np.ndarray, xlabel: str, title: str) -> None:
    """Horizontal bars of ranked values (largest |value| on top): impacts (MeV) or correlations."""
    n = len(names)
    fig, ax = _names_axes(n, 0.3)
    y = np.arange(n)[::-1]
    ax.barh(y, values, color=np.where(values >= 0, "#5790fc", "#e42536"))
    ax.axvline(0.0, color="k", linewidth=1)
    ax.set_yticks(y, names, fontsize=9)
    ax.set_ylim(-1, n)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=14, loc="left", pad=32)
    _label(ax, None)
    _save(fig, path)


def mass_summary(path: Path, refs: Sequence[Measurement], this_work: tuple[float, float] | None,
                 this_error: float | None, this_label: str) -> None:
    """m_W summary: the references and this work; ``this_work`` (value, error) None draws a labelled
    "blinded" row with only the uncertainty as text."""
    rows = list(refs)
    n = len(rows) + 1
    fig, ax = _names_axes(n, 0.7)
    fig.subplots_adjust(left=0.2, right=0.76)
    lo, hi = 80270.0, 80520.0
    if this_work is not None:  # keep this work inside the frame
        lo, hi = min(lo, this_work[0] - 1.5 * this_work[1]), max(hi, this_work[0] + 1.5 * this_work[1])
    tr = ax.get_yaxis_transform()  # values written right of the frame (x in axes units)
    ew = rows[0]
    ax.axvspan(ew.value_mev - ew.error_mev, ew.value_mev + ew.error_mev, color="0.85")
    for k, m in enumerate(rows):
        y = n - 1 - k
        ax.errorbar(m.value_mev, y, xerr=m.error_mev, fmt="o", color="k", markersize=6, capsize=3)
        ax.text(1.03, y, f"{m.value_mev:.1f} ± {m.error_mev:.1f}", va="center", fontsize=12, transform=tr)
    if this_work is not None:
        ax.errorbar(this_work[0], 0, xerr=this_work[1], fmt="s", color="#e42536", markersize=7, capsize=3)
        ax.text(1.03, 0, f"{this_work[0]:.1f} ± {this_work[1]:.1f}", va="center", fontsize=12, color="#e42536",
                transform=tr)
    else:
        txt = "blinded" + ("" if this_error is None else f" (± {this_error:.1f})")
        ax.text(lo + 0.24 * (hi - lo), 0, txt, va="center", fontsize=14, color="#e42536", style="italic")
    ax.set_yticks(np.arange(n)[::-1], [m.label for m in rows] + [this_label], fontsize=13)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlabel(r"$m_W$ (MeV)")
    _label(ax, None)
    _save(fig, path)

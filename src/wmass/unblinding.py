"""The sequential unblinding (DESIGN.md section 8): dilepton m_Z → W-like m_Z → m_W.

A stage's gate opens only when

* each of its own fits converged (status converged, EDM ≤ ``unblinding.max_edm``), was made with
  this configuration, and has an acceptable saturated goodness of fit (p ≥ ``min_gof_p``);
* the previous stage is unblinded with the same configuration, and each of its fits measured a mass
  consistent with the stage's reference: |m − m_ref| ≤ ``max_pull`` σ, with σ the fit and reference
  uncertainties in quadrature (the W-like gate checks the dilepton m_Z against LEP, the m_W gate
  checks both W-like m_Z against the PDG value).

Every gate writes ``<unblind>/<stage>/gate.json`` (status, each check with its numbers, who, when,
config hash). An open gate also writes ``unblinded.json`` with the stage's unblinded masses; a
refused gate removes a stale one. A refused check of the stage's *own* fits never states their
mass: before the gate opens, only the previous (already unblinded) stage's values appear.

The stages, their fits and references are declared in :mod:`wmass.registry`: adding a stage is one
entry of ``registry.STAGES`` (the stage before it, the reference its predecessor is checked
against) plus the fits that name it; the workflow generates its gate rule.
"""

from __future__ import annotations

import getpass
import json
import math
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wmass import constants, registry
from wmass.blinding import noi_offset
from wmass.config import config_hash, stage_hash, without_hidden
from wmass.errors import InputError
from wmass.io import write_json
from wmass.registry import STAGES, Stage

__all__ = ["Check", "GateDecision", "STAGES", "Stage", "evaluate_gate", "gate_hash", "open_gate", "stage"]


def gate_hash(cfg: Mapping[str, Any]) -> str:
    """Hash of everything an unblinded result depends on (all but the hidden truth, paths and ``through``)."""
    part = without_hidden(cfg, "paths", "unblinding")
    part["unblinding"] = {k: v for k, v in cfg.get("unblinding", {}).items() if k != "through"}
    return config_hash(part)


@dataclass(frozen=True)
class Check:
    """One condition of a gate: its name, whether it passed, and the numbers behind it."""

    name: str
    passed: bool
    detail: str


@dataclass
class GateDecision:
    """The outcome of a gate: its checks and, when open, the unblinded masses of the stage's fits."""

    stage: str
    checks: list[Check]
    results: dict[str, dict[str, dict[str, float]]] | None = None

    @property
    def open(self) -> bool:
        return all(c.passed for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({what}): {exc}") from None


def _nominal_mass_gev(cfg: Mapping[str, Any], boson: str) -> float:
    """The simulation's nominal mass of ``boson`` (the mass the fitted shift is relative to)."""
    value = cfg["generator"][boson.lower()].get("mass_gev")
    return float(value) if value is not None else (constants.M_W if boson == "W" else constants.M_Z)


def _fit_checks(cfg: Mapping[str, Any], fit: str, doc: dict[str, Any] | None, path: Path) -> list[Check]:
    """Convergence, configuration and goodness of fit of one of the stage's own (blinded) fits."""
    ub = cfg["unblinding"]
    if doc is None:
        return [Check(f"{fit}: fit result", False, f"{path} does not exist: run the {fit} fit first")]
    checks = []
    want = stage_hash(cfg, "fit")
    have = doc.get("provenance", {}).get("config_hash")
    checks.append(Check(f"{fit}: configuration", have == want,
                        f"fit made with config hash {have}, this configuration's fit hash is {want}"))
    m = doc["minimizer"]
    ok = m["status"] == "converged" and m["edm"] <= ub["max_edm"]
    checks.append(Check(f"{fit}: convergence", ok,
                        f"status {m['status']}, EDM {m['edm']:.2g} (limit {ub['max_edm']:.2g}), "
                        f"{m['iterations']} iterations"))
    g = doc["gof"]
    checks.append(Check(f"{fit}: goodness of fit", g["p_value"] >= ub["min_gof_p"],
                        f"saturated χ²/ndf = {g['chi2']:.1f}/{g['ndf']}, p = {g['p_value']:.3g} "
                        f"(minimum {ub['min_gof_p']:g})"))
    return checks


def _previous_checks(cfg: Mapping[str, Any], st: Stage, unblind_dir: Path) -> list[Check]:
    """The previous stage is unblinded with this configuration and consistent with the reference."""
    if st.previous is None:
        return []
    path = unblind_dir / st.previous / "unblinded.json"
    if not path.is_file():
        return [Check(f"{st.previous} unblinded", False,
                      f"{path} does not exist: the {st.previous} gate has not opened")]
    prev = _read_json(path, "unblinded result")
    want = gate_hash(cfg)
    checks = [Check(f"{st.previous} unblinded", prev.get("config_hash") == want,
                    f"{path}: opened {prev.get('when')} by {prev.get('who')} with config hash "
                    f"{prev.get('config_hash')} (this configuration: {want})")]
    ref, max_pull = st.previous_reference, float(cfg["unblinding"]["max_pull"])
    if ref is None:
        raise registry.RegistryError(f"stage {st.name!r} follows {st.previous!r} but declares no previous_reference")
    for fit, params in prev.get("results", {}).items():
        for name, r in params.items():
            sigma = math.hypot(r["error_mev"], ref.error_gev * 1e3)
            pull = (r["mass_mev"] - ref.mass_gev * 1e3) / sigma
            checks.append(Check(
                f"{fit}: consistent with {ref.label}", abs(pull) <= max_pull,
                f"{name}: m = {r['mass_mev']:.1f} ± {r['error_mev']:.1f} MeV, {ref.label} = "
                f"{ref.mass_gev * 1e3:.1f} ± {ref.error_gev * 1e3:.1f} MeV: |Δ| = {abs(pull):.2f}σ "
                f"(limit {max_pull:g}σ)"))
    return checks


def _unblinded_results(cfg: Mapping[str, Any], st: Stage, docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The raw masses of the stage's fits: blinded value − the stage's offset, in MeV."""
    nominal_mev = _nominal_mass_gev(cfg, st.boson) * 1e3
    units = float(cfg["fitinput"]["mass_shift_mev"])
    offset = noi_offset(cfg["blinding"], st.name, units)
    out: dict[str, Any] = {}
    for fit, doc in docs.items():
        out[fit] = {}
        for p in doc["parameters"]:
            if p["kind"] != "noi":
                continue
            raw = p["value"] - offset(p["name"]) if p.get("blinded") else p["value"]
            out[fit][p["name"]] = {"shift_mev": raw * units, "error_mev": p["error"] * units,
                                   "mass_mev": nominal_mev + raw * units, "reference_mev": nominal_mev}
    return out


def evaluate_gate(cfg: Mapping[str, Any], name: str, fit_dir: str | Path, unblind_dir: str | Path) -> GateDecision:
    """Run the checks of stage ``name``; when they all pass, also compute its unblinded masses."""
    st, fit_dir, unblind_dir = stage(name), Path(fit_dir), Path(unblind_dir)
    docs: dict[str, dict[str, Any]] = {}
    checks: list[Check] = []
    for fit in st.fits:
        path = fit_dir / fit / "result.json"
        doc = _read_json(path, f"{fit} fit result") if path.is_file() else None
        checks += _fit_checks(cfg, fit, doc, path)
        if doc is not None:
            docs[fit] = doc
    checks += _previous_checks(cfg, st, unblind_dir)
    decision = GateDecision(st.name, checks)
    if decision.open:
        decision.results = _unblinded_results(cfg, st, docs)
    return decision


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def open_gate(cfg: Mapping[str, Any], decision: GateDecision, unblind_dir: str | Path) -> dict[str, Any]:
    """Write ``gate.json`` (always) and ``unblinded.json`` (open gate) of ``decision``; returns gate.json's content."""
    out = Path(unblind_dir) / decision.stage
    doc: dict[str, Any] = {
        "stage": decision.stage, "status": "open" if decision.open else "refused",
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in decision.checks],
        "who": _who(), "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "config_hash": gate_hash(cfg),
    }
    unblinded = out / "unblinded.json"
    if decision.open:
        write_json(unblinded, {**doc, "results": decision.results})
    else:
        unblinded.unlink(missing_ok=True)
    write_json(out / "gate.json", doc)
    return doc


def stage(name: str) -> Stage:
    """The unblinding stage called ``name`` (an InputError naming the stages when there is none)."""
    try:
        return registry.stage(name)
    except registry.RegistryError as exc:
        raise InputError(str(exc)) from None


def stages_through(last: str) -> list[Stage]:
    """The stages up to and including ``last`` (none for ``"none"``)."""
    if last != "none":
        stage(last)
    return registry.stages_through(last)

"""Pythia 8 as the independent cross-check generator of W± → μν and Z/γ* → μμ (DESIGN.md section 3).

Pythia 8 (``pythia8mc``) generates q q̄' → W/Z at LO (``WeakSingleBoson``) with the same LHAPDF6
grid as the fast generator's nominal set, then a pT-ordered initial-state QCD (+QED) shower gives
the boson its transverse momentum, primordial kT of the beam remnants its non-perturbative part,
and the final-state QED shower the photons off the muons. Multiparton interactions and
hadronisation are off (they do not change the boson or the muons at truth level and cost most of
the time). The result is the same :class:`~wmass.truth.TruthEvents` record as the fast
generator's, so Pythia samples can replace fast ones wherever a different physics model is wanted
(the cross-check tests, the pT^V tune, the pseudo-data). Pythia's own models then replace the
fast generator's: pT^V from the shower (Monash tune defaults: α_s(m_Z) = 0.1365 in the ISR,
primordial kT 1.8 GeV, first-emission matrix-element corrections), A_i from the LO decay kept
through the shower recoil, QED FSR from the photon shower. Only the PDF, the masses and widths,
the mass windows, |y| < y_max and the K-factor are taken from the ``generator`` parameters.

Determinism: Pythia's seed is drawn from the chunk's ``numpy.random.Generator`` (``wmass.rng``),
so the same (seed, sample, chunk) gives the same events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from wmass.constants import GAMMA_W, GAMMA_Z, M_W, M_Z, SQRT_S
from wmass.generate.pythia_record import RECORD_COLUMNS, collins_soper_angles, pt_eta_phi, read_event
from wmass.truth import N_LEP, TruthEvents

__all__ = [
    "PYTHIA_PROCESSES",
    "PythiaSetup",
    "generate_pythia",
    "generate_truth_pythia",
    "generate_truth_with_pythia",
    "pdfdata_dir",
    "pythia_settings",
    "run_pythia",
    "setup_from_params",
    "truth_from_rows",
]

#: Processes Pythia generates here (names as in config ``samples.*.process``).
PYTHIA_PROCESSES = ("wplus", "wminus", "zmumu")
#: Boson PDG id of each process.
_V_PDGID = {"wplus": 24, "wminus": -24, "zmumu": 23}
_MB_TO_PB = 1.0e9
#: Largest seed Pythia accepts (Random:seed).
_MAX_SEED = 900_000_000


@dataclass(frozen=True)
class PythiaSetup:
    """Physics choices of a Pythia run (defaults: the nominal simulation's PDF and masses)."""

    pdf_set: str = "NNPDF31_nnlo_as_0118_luxqed"  #: LHAPDF6 set name (central member grid in pdfdata/)
    m_w: float = M_W  #: W pole mass (GeV)
    gamma_w: float = GAMMA_W  #: W width (GeV)
    m_z: float = M_Z  #: Z pole mass (GeV)
    gamma_z: float = GAMMA_Z  #: Z width (GeV)
    w_mass_range: tuple[float, float] = (40.0, 160.0)  #: generated m(μν) window (GeV)
    z_mass_range: tuple[float, float] = (60.0, 120.0)  #: generated m(μμ) window (GeV)
    y_max: float | None = None  #: keep |y| < y_max of the hard process (as the fast generator)
    w_k_factor: float = 1.0  #: normalisation of Pythia's LO σ(W) in gen_weight (the fast generator's K)
    z_k_factor: float = 1.0  #: same for Z/γ*
    isr: bool = True  #: initial-state shower (gives pT^V); off: pT^V = primordial kT only
    qed_fsr: bool = True  #: QED final-state radiation off the muons
    primordial_kt: bool = True  #: Gaussian intrinsic kT of the partons (BeamRemnants:primordialKT)
    mpi: bool = False  #: multiparton interactions (only matter for the hadronic activity)
    extra: tuple[str, ...] = ()  #: further Pythia settings strings, applied last


def pdfdata_dir() -> Path:
    """Folder of the LHAPDF6 grids shipped in the ``pythia8mc`` wheel (``<prefix>/share/Pythia8/pdfdata``)."""
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    return (Path(pythia.settings.word("xmlPath")) / ".." / "pdfdata").resolve()


def _pdf_grid(pdf_set: str) -> Path:
    path = pdfdata_dir() / f"{pdf_set}_0000.dat"
    if not path.is_file():
        raise FileNotFoundError(f"no LHAPDF6 grid for PDF set {pdf_set!r} at {path}")
    return path


def pythia_settings(process: str, seed: int, setup: PythiaSetup) -> list[str]:
    """The Pythia settings strings of one run (beams, process, decays, PDF, shower switches, seed)."""
    if process not in _V_PDGID:
        raise ValueError(f"Pythia generates {PYTHIA_PROCESSES}, not {process!r}")
    if not 0 < seed <= _MAX_SEED:
        raise ValueError(f"Pythia seed must be in 1..{_MAX_SEED}, got {seed}")
    on = {True: "on", False: "off"}
    common = [
        f"Beams:eCM = {SQRT_S}",
        f"PDF:pSet = LHAGrid1:{_pdf_grid(setup.pdf_set)}",
        f"24:m0 = {setup.m_w}",
        f"24:mWidth = {setup.gamma_w}",
        f"23:m0 = {setup.m_z}",
        f"23:mWidth = {setup.gamma_z}",
        f"PartonLevel:ISR = {on[setup.isr]}",
        f"PartonLevel:MPI = {on[setup.mpi]}",
        f"BeamRemnants:primordialKT = {on[setup.primordial_kt]}",
        # QED FSR only where it matters (the muons): no photon splitting, no quark radiation.
        f"TimeShower:QEDshowerByL = {on[setup.qed_fsr]}",
        "TimeShower:QEDshowerByQ = off",
        "TimeShower:QEDshowerByGamma = off",
        "HadronLevel:all = off",
        "Random:setSeed = on",
        f"Random:seed = {seed}",
        "Next:numberCount = 0",
        "Next:numberShowEvent = 0",
        "Next:numberShowProcess = 0",
        "Next:numberShowInfo = 0",
        "Print:quiet = on",
    ]
    if process == "zmumu":
        lo, hi = setup.z_mass_range
        proc = [
            "WeakSingleBoson:ffbar2gmZ = on",
            "WeakZ0:gmZmode = 0",  # full γ*/Z interference
            "23:onMode = off",
            "23:onIfAny = 13",
            f"PhaseSpace:mHatMin = {lo}",
            f"PhaseSpace:mHatMax = {hi}",
        ]
    else:
        lo, hi = setup.w_mass_range
        charge = "Pos" if process == "wplus" else "Neg"
        proc = [
            "WeakSingleBoson:ffbar2W = on",
            "24:onMode = off",
            f"24:on{charge}IfAny = 13",  # the other charge has no open channel: σ = 0
            f"24:mMin = {lo}",
            f"24:mMax = {hi}",
            f"PhaseSpace:mHatMin = {lo}",
            f"PhaseSpace:mHatMax = {hi}",
        ]
    return common + proc + list(setup.extra)


def run_pythia(process: str, n_events: int, seed: int, setup: PythiaSetup) -> tuple[np.ndarray, float]:
    """Generate ``n_events`` with Pythia; returns the record rows [n, RECORD_COLUMNS] and σ (pb).

    σ is Pythia's estimate of the cross section of the generated (decayed, mass-windowed)
    process after all events, σ·BR(→μν/μμ), times the fraction of events inside ``setup.y_max``
    (rapidity of the hard process, as the fast generator's cut; rejected events are skipped).
    """
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for line in pythia_settings(process, seed, setup):
        if not pythia.readString(line):
            raise RuntimeError(f"Pythia refused the setting {line!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia initialisation failed for {process} with {setup}")
    boson_id = 23 if process == "zmumu" else 24
    rows = np.zeros((n_events, len(RECORD_COLUMNS)))
    i_x1, i_x2 = RECORD_COLUMNS.index("x1"), RECORD_COLUMNS.index("x2")
    n_done, n_failed, n_outside = 0, 0, 0
    while n_done < n_events:
        if not pythia.next():
            n_failed += 1
            if n_failed > 100 + n_events // 10:
                raise RuntimeError(f"Pythia failed {n_failed} times generating {process}")
            continue
        if n_done == 0 and abs(pythia.event[5].id()) != boson_id:
            raise RuntimeError(f"unexpected Pythia record layout: entry 5 is {pythia.event[5].id()}")
        row = rows[n_done]
        read_event(pythia.event, 0.5 * SQRT_S, row)
        if setup.y_max is not None and abs(0.5 * np.log(row[i_x1] / row[i_x2])) >= setup.y_max:
            n_outside += 1
            continue
        n_done += 1
    # infoPython() returns a snapshot: take it after the last event.
    sigma_pb = float(pythia.infoPython().sigmaGen()) * _MB_TO_PB
    return rows, sigma_pb * n_done / (n_done + n_outside)


def _column(rows: np.ndarray, name: str) -> np.ndarray:
    return rows[:, RECORD_COLUMNS.index(name)]


def _four(rows: np.ndarray, k: int, pre: bool) -> np.ndarray:
    prefix = "pre_" if pre else ""
    return np.column_stack([_column(rows, f"{prefix}{q}{k}") for q in ("px", "py", "pz", "e")])


def truth_from_rows(process: str, rows: np.ndarray, sigma_pb: float, first_event: int) -> TruthEvents:
    """Build the :class:`TruthEvents` record from Pythia rows (see ``RECORD_COLUMNS``).

    Lepton slots as in ``events.py``: W → slot 0 the charged muon; Z → slot 0 μ⁻, slot 1 μ⁺.
    The CS angles use the leptons before QED FSR (the Born leptons of the boson decay).
    """
    n = rows.shape[0]
    ids = np.column_stack([_column(rows, "lid1"), _column(rows, "lid2")]).astype(np.int32)
    pre = np.stack([_four(rows, 1, True), _four(rows, 2, True)], axis=1)  # [n, 2, 4]
    post = np.stack([_four(rows, 1, False), _four(rows, 2, False)], axis=1)
    if process == "zmumu":  # slot 0: μ⁻ (id 13), slot 1: μ⁺ (id −13)
        order = np.where(ids[:, :1] == 13, [0, 1], [1, 0])
        n_mu = 2
    else:  # slot 0: the muon, slot 1: the neutrino
        order = np.where(np.abs(ids[:, :1]) == 13, [0, 1], [1, 0])
        n_mu = 1
    pre = np.take_along_axis(pre, order[:, :, None], axis=1)
    post = np.take_along_axis(post, order[:, :, None], axis=1)
    ids = np.take_along_axis(ids, order, axis=1)
    if not np.all(np.abs(ids[:, :n_mu]) == 13):
        raise RuntimeError(f"Pythia {process} events without the expected muons")
    # Z: angle of the μ⁻ (slot 0); W: of the charged lepton, whatever its charge (slot 0).
    cos_cs, phi_cs = collins_soper_angles(pre[:, 0], pre[:, 1])

    mu_valid = np.zeros((n, N_LEP), dtype=bool)
    mu_valid[:, :n_mu] = True
    mu_pt, mu_eta, mu_phi = (np.zeros((n, N_LEP)) for _ in range(3))
    pt, eta, phi = pt_eta_phi(post[:, :n_mu, 0], post[:, :n_mu, 1], post[:, :n_mu, 2])
    mu_pt[:, :n_mu], mu_eta[:, :n_mu], mu_phi[:, :n_mu] = pt, eta, phi
    mu_pt_prefsr = np.zeros((n, N_LEP))
    mu_pt_prefsr[:, :n_mu] = np.hypot(pre[:, :n_mu, 0], pre[:, :n_mu, 1])
    mu_charge = np.zeros((n, N_LEP), dtype=np.int8)
    mu_charge[:, :n_mu] = -np.sign(ids[:, :n_mu])  # PDG 13 is μ⁻
    if process == "zmumu":
        nu_px, nu_py = np.zeros(n), np.zeros(n)
    else:
        nu_px, nu_py = post[:, 1, 0], post[:, 1, 1]

    v_px, v_py, v_pz, v_e = (_column(rows, f"v_{q}") for q in ("px", "py", "pz", "e"))
    return TruthEvents(
        event=(np.uint64(first_event) + np.arange(n, dtype=np.uint64)),
        v_pdgid=np.full(n, _V_PDGID[process], dtype=np.int32),
        m_v=_column(rows, "v_m").copy(),
        y_v=0.5 * np.log((v_e + v_pz) / (v_e - v_pz)),
        pt_v=np.hypot(v_px, v_py),
        phi_v=np.arctan2(v_py, v_px),
        cos_theta_cs=cos_cs,
        phi_cs=phi_cs,
        x1=_column(rows, "x1").copy(),
        x2=_column(rows, "x2").copy(),
        id1=_column(rows, "id1").astype(np.int32),
        id2=_column(rows, "id2").astype(np.int32),
        mu_valid=mu_valid,
        mu_pt=mu_pt,
        mu_eta=mu_eta,
        mu_phi=mu_phi,
        mu_charge=mu_charge,
        mu_prompt=mu_valid.copy(),
        mu_pt_prefsr=mu_pt_prefsr,
        mu_cone_had_pt=np.zeros((n, N_LEP)),
        nu_px=np.ascontiguousarray(nu_px),
        nu_py=np.ascontiguousarray(nu_py),
        recoil_px=-v_px,
        recoil_py=-v_py,
        gen_weight=np.full(n, sigma_pb / max(n, 1)),
    )


def generate_pythia(
    process: str, n_events: int, seed: int, setup: PythiaSetup | None = None, first_event: int = 0
) -> TruthEvents:
    """Generate ``n_events`` of ``process`` with Pythia 8 and return the truth record.

    ``gen_weight`` is K σ/N in pb (Pythia's LO σ·BR in the generated window times the setup's
    K-factor, as the fast generator normalises). No weight arrays are stored:
    a Pythia sample is a single physics model (pseudo-data or cross-check), not a template.
    """
    if n_events < 1:
        raise ValueError(f"n_events must be positive, got {n_events}")
    setup = setup or PythiaSetup()
    rows, sigma_pb = run_pythia(process, n_events, seed, setup)
    k_factor = setup.z_k_factor if process == "zmumu" else setup.w_k_factor
    return truth_from_rows(process, rows, k_factor * sigma_pb, first_event)


def _get(source: Any, key: str) -> Any:
    if isinstance(source, Mapping):
        return source.get(key)
    return getattr(source, key, None)


def setup_from_params(params: Mapping[str, Any] | Any) -> PythiaSetup:
    """A :class:`PythiaSetup` from the fast generator's parameters (the config ``generator`` block).

    Read (all optional): ``pdf.set``, ``w``/``z`` → ``mass_gev``, ``width_gev`` (null: PDG),
    ``mass_window_gev``, ``k_factor``; ``y_max``; ``fsr.enabled``; and a ``pythia`` sub-mapping with any
    :class:`PythiaSetup` field (``isr``, ``primordial_kt``, ``mpi``, ``extra``...), which wins.
    """
    fields: dict[str, Any] = {}
    pdf = _get(params, "pdf")
    if pdf is not None and _get(pdf, "set") is not None:
        fields["pdf_set"] = str(_get(pdf, "set"))
    for boson in ("w", "z"):
        block = _get(params, boson)
        if block is None:
            continue
        for key, name in (("mass_gev", f"m_{boson}"), ("width_gev", f"gamma_{boson}")):
            if _get(block, key) is not None:
                fields[name] = float(_get(block, key))
        if _get(block, "mass_window_gev") is not None:
            fields[f"{boson}_mass_range"] = tuple(float(v) for v in _get(block, "mass_window_gev"))
        if _get(block, "k_factor") is not None:
            fields[f"{boson}_k_factor"] = float(_get(block, "k_factor"))
    if _get(params, "y_max") is not None:
        fields["y_max"] = float(_get(params, "y_max"))
    fsr = _get(params, "fsr")
    if fsr is not None and _get(fsr, "enabled") is not None:
        fields["qed_fsr"] = bool(_get(fsr, "enabled"))
    sub = _get(params, "pythia") or {}
    fields.update({k: v for k, v in dict(sub).items() if k in PythiaSetup.__dataclass_fields__})
    for key in ("w_mass_range", "z_mass_range", "extra"):
        if key in fields:
            fields[key] = tuple(fields[key])
    return replace(PythiaSetup(), **fields)


def generate_truth_pythia(
    process: str, n_events: int, first_event: int, rng: np.random.Generator, params: Mapping[str, Any] | Any
) -> TruthEvents:
    """Drop-in replacement of the fast ``generate_truth`` that generates with Pythia 8.

    Same signature: the chunk's ``rng`` (from ``wmass.rng.chunk_rng``) supplies Pythia's seed, so
    the output is deterministic; ``params`` is read by :func:`setup_from_params`.
    """
    seed = int(rng.integers(1, _MAX_SEED + 1))
    return generate_pythia(process, n_events, seed, setup_from_params(params), first_event)


def generate_truth_with_pythia(
    process: str, n_events: int, first_event: int, rng: np.random.Generator, params: Mapping[str, Any]
) -> TruthEvents:
    """Truth generator for pseudo-data made with Pythia: W± → μν and Z → μμ from Pythia 8, every
    other process (τ, rare, QCD, J/ψ) from the fast generator. Same signature as ``generate_truth``."""
    if process in PYTHIA_PROCESSES:
        return generate_truth_pythia(process, n_events, first_event, rng, params)
    from wmass.generate.processes import generate_truth

    return generate_truth(process, n_events, first_event, rng, params)

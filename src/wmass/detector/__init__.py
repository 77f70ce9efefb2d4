"""CMS-like parametric detector model (DESIGN.md section 4): truth muons → reconstructed NanoAOD objects.

One module per job: ``binning`` (the η binning of every per-η parameter), ``curvature`` (momentum
scale and resolution), ``efficiency`` (reco, tracking, ID+IP, trigger, isolation), ``identification``
(muon categories, IDs, impact parameters), ``isolation``, ``pileup``, ``recoil`` (hadronic recoil,
pT^miss, mT), ``trigger``, ``vetoes`` (electrons) and ``simulate``, which applies them all.
All functions take plain numpy arrays; ``simulate`` unpacks the validated ``detector`` config block.
"""

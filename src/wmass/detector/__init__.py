"""CMS-like parametric detector model (DESIGN.md section 4): truth muons → reconstructed NanoAOD objects.

One module per job: ``curvature`` (reconstructed pT: the curvature bias and resolution of
:mod:`wmass.muon.curvature`, with Gaussian smearing), ``efficiency`` (reco, tracking, ID+IP, trigger,
isolation; the steps of :mod:`wmass.muon.efficiency`), ``identification`` (muon categories, IDs,
impact parameters), ``isolation``, ``pileup``, ``recoil`` (hadronic recoil, pT^miss, mT), ``trigger``,
``vetoes`` (electrons), ``params`` (:class:`~wmass.detector.params.DetectorParams`, the typed
parameters built once from the validated ``detector`` config block) and ``simulate``, which applies
them all. The η binning of every per-η parameter is :mod:`wmass.muon.binning`. The physics
functions take plain numpy arrays and the frozen parameter dataclasses, never the raw config.
"""

"""The muon model shared by the detector simulation, the processors and the calibration.

One place for every fact about a muon that more than one stage uses: the η binning
(:mod:`~wmass.muon.binning`), the curvature model k → k (1 + A − ε k + q M / k), its
derivatives and the curvature resolution (:mod:`~wmass.muon.curvature`), the efficiency steps and
the pT smoothing basis of their scale factors (:mod:`~wmass.muon.efficiency`). Plain numpy;
nothing here reads a configuration.
"""

"""Event generation: truth-level physics (this package) feeding the detector model (wmass.detector)."""

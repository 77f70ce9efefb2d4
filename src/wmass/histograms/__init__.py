"""Histograms of the analyses: storage on disk (HDF5, uhi serialisation) and merging of chunks."""

"""Tests of the fit engine, with the helpers that tests and benchmarks share (synthetic inputs, histogram files)."""

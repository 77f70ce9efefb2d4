"""wmass: an open reproduction of the CMS W-boson mass measurement (CMS-PAS-SMP-23-002)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wmass")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

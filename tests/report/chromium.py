"""Headless Chromium for the report test: installed from Debian's ``chromium`` package when missing.

The same approach as tests/slurm_cluster.py: apt-get as root on Debian, only when the program is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

__all__ = ["body_attrs", "dump_dom", "ensure_chromium", "skip_reason"]

APT_PACKAGES = ("chromium",)


def _which() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def skip_reason() -> str | None:
    """Why Chromium cannot be had here (missing and not installable), or None."""
    if _which():
        return None
    if os.name != "posix" or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "chromium is missing and installing it needs root"
    if not Path("/etc/debian_version").is_file():
        return "chromium is missing and this is not Debian (apt-get)"
    return None


def ensure_chromium(timeout: float = 900) -> str:
    """The chromium executable, installed with apt-get if needed; RuntimeError with apt's output on failure."""
    exe = _which()
    if exe:
        return exe
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES]):
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with {res.returncode}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    exe = _which()
    if not exe:
        raise RuntimeError(f"after installing {' '.join(APT_PACKAGES)}, chromium is still missing")
    return exe


def dump_dom(exe: str, page: Path, profile: Path, timeout: float = 120) -> str:
    """The DOM of ``page`` after load (scripts run), as serialised by headless Chromium."""
    cmd = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", page.resolve().as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0 or "<body" not in res.stdout:
        raise RuntimeError(f"chromium exited with {res.returncode}: {res.stderr[-2000:]}")
    return res.stdout


def body_attrs(dom: str) -> dict[str, str]:
    """Attributes of the <body> tag of a DOM dump."""
    m = re.search(r"<body([^>]*)>", dom)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1))) if m else {}

"""Checks of the paths a command writes, made before any work: a bad ``--out`` is an InputError naming it."""

from __future__ import annotations

from pathlib import Path

from wmass.errors import InputError

__all__ = ["check_output_file"]


def check_output_file(path: str) -> None:
    """Refuse an output file ``path`` that cannot be written, naming it and why; creates its folder.

    Refused: ``path`` is a folder, or a component of its folder is a regular file (or cannot be made).
    """
    target = Path(path)
    if target.is_dir():
        raise InputError(f"output {path} is a folder, not a file")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocking = next((p for p in (parent, *parent.parents) if p.exists() and not p.is_dir()), None)
        why = f"{blocking} is a regular file, not a folder" if blocking else (exc.strerror or str(exc))
        raise InputError(f"output {path} cannot be written: {why}") from None

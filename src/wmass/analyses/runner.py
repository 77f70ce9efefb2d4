"""Running a processor over NanoAOD files with a coffea executor chosen in the config.

Executors: ``iterative`` (coffea IterativeExecutor), ``futures`` (FuturesExecutor on a fork-based
process pool, reused for preprocessing) and ``dask`` (DaskExecutor on a distributed LocalCluster
started here, or on the scheduler at ``dask_address``). Histograms are bit-for-bit identical for
every executor and chunk size (exact summation, see fill.py). A file with zero events gives the
processor's histograms with zero entries (a well-defined empty result), not an error.

Every input file is validated once, before coffea opens it (:func:`check_file`): a missing, empty,
non-ROOT or truncated file, or one without the ``Events`` tree, is an InputError naming the file and
what is wrong. coffea does not retry a failed chunk (``retries=0``: input errors are deterministic),
and a chunk whose event data cannot be read (a corrupt basket) is an InputError naming the file.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import re
import zlib
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import awkward as ak
import uproot
from coffea import processor
from coffea.nanoevents import NanoAODSchema, NanoEventsFactory

from wmass.analyses.fill import power_of_two
from wmass.errors import InputError

__all__ = ["EXECUTORS", "LenientNanoAODSchema", "check_file", "events_from_file", "file_weight_scale", "run_processor"]

EXECUTORS = ("iterative", "futures", "dask")
TREE = "Events"
#: Local files are read through a memory map (uproot's default fsspec source costs ~10 % more CPU
#: per event end to end for the nominal mw histogram: benchmarks/histogram.py).
UPROOT_OPTIONS = {"handler": uproot.source.file.MemmapSource}


class LenientNanoAODSchema(NanoAODSchema):
    """NanoAODSchema that lets the processors, not the schema, decide about missing event-ID branches.

    (The processors raise a clear InputError for them unless ``event_ids`` is allowed to be missing.)
    """

    error_missing_event_ids = False


def check_file(path: str) -> None:
    """Validate an input file once, before coffea sees it: an InputError naming the file and what is wrong.

    Refused: an absent path or a directory, a zero-byte file, a file that does not start like a ROOT
    file (``root``), a file shorter than its header's end-of-file record (truncated: an interrupted
    copy or write), a file uproot cannot open, and a file without the ``Events`` tree. Cheap: the
    header, the top directory and the tree's metadata are read, no event data.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"input file {path} does not exist")
    if not p.is_file():
        raise InputError(f"input file {path} is not a regular file")
    size = p.stat().st_size
    if size == 0:
        raise InputError(f"input file {path} is empty (zero bytes), not a ROOT file")
    with p.open("rb") as handle:
        head = handle.read(HEADER_BYTES)
    if head[:4] != b"root":
        raise InputError(f"input file {path} is not a ROOT file (it starts with {head[:4]!r}, a ROOT file with b'root')")
    end = _header_end(head)
    if end is not None and size < end:
        raise InputError(f"input file {path} is truncated: {size} bytes, its ROOT header says {end} "
                         "(an interrupted copy or write): copy or produce it again")
    try:
        with uproot.open(path, **UPROOT_OPTIONS) as f:
            if TREE not in f:
                keys = sorted({k.split(";")[0] for k in f.keys(recursive=False)})
                raise InputError(f"input file {path} has no {TREE!r} tree (its keys: {keys[:8] or 'none'})")
            f[TREE]  # reads the tree's metadata (branches, baskets' positions)
    except InputError:
        raise
    except Exception as exc:  # uproot raises many types for corrupt files
        raise InputError(f"input file {path} is not a readable ROOT file ({type(exc).__name__}: {_one_line(exc)})") from exc


#: The ROOT file header up to fEND: "root", fVersion, fBEGIN, fEND (4 bytes, 8 from version 1000000 on).
HEADER_BYTES = 20


def _header_end(head: bytes) -> int | None:
    """fEND (the file's size as written) from the ROOT header, None when the header is too short."""
    if len(head) < 16:
        return None
    version = int.from_bytes(head[4:8], "big")
    if version >= 1_000_000:
        return int.from_bytes(head[12:20], "big") if len(head) >= 20 else None
    return int.from_bytes(head[12:16], "big")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _empty_output(proc: processor.ProcessorABC, path: str) -> Any:
    """The processor's output for zero events (histograms with zero entries)."""
    events = NanoEventsFactory.from_root(
        {path: TREE}, schemaclass=LenientNanoAODSchema, mode="virtual", metadata={"filename": path}
    ).events()
    return proc.process(events[:0])


def _executor(
    name: str, workers: int, stack: ExitStack, dask_address: str | None, dask_processes: bool, status: bool
) -> processor.ExecutorBase:
    # retries=0: a failure here is an input or a bug, both deterministic; a retry repeats it (and warns)
    if name == "iterative":
        return processor.IterativeExecutor(status=status, retries=0)
    if name == "futures":
        pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        stack.enter_context(pool)
        return processor.FuturesExecutor(pool=pool, workers=workers, status=status, retries=0)
    if name == "dask":
        from distributed import Client, LocalCluster

        if dask_address:
            client = stack.enter_context(Client(dask_address))
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=dask_processes, dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        return processor.DaskExecutor(client=client, status=status)
    raise ValueError(f"unknown executor {name!r}; choose one of {EXECUTORS}")


def run_processor(
    proc: processor.ProcessorABC,
    files: Sequence[str],
    *,
    dataset: str = "sample",
    executor: str = "iterative",
    workers: int = 1,
    chunksize: int = 250_000,
    dask_address: str | None = None,
    dask_processes: bool = True,
    status: bool = False,
    check_files: bool = True,
) -> dict[str, Any]:
    """Process ``files`` with ``proc``; returns the accumulated output dict (see analyses.common).

    Each file is validated first (:func:`check_file`; ``check_files`` False: the caller did), so
    coffea never opens a broken file. ``dask_processes`` False runs the LocalCluster workers as
    threads (tests: no process start-up); ``status`` shows coffea's progress bar.
    """
    if check_files:
        for f in files:
            check_file(str(f))
    fileset = {dataset: {"files": {str(f): TREE for f in files}}}
    with ExitStack() as stack:
        ex = _executor(executor, workers, stack, dask_address, dask_processes, status)
        run = processor.Runner(executor=ex, schema=LenientNanoAODSchema, chunksize=chunksize, savemetrics=False)
        try:
            out = run(fileset, processor_instance=proc, treename=TREE, uproot_options=UPROOT_OPTIONS)
        except Exception as exc:
            err = _input_error(exc, [str(f) for f in files])
            if err is None:
                raise
            raise err from exc
    return out if out else _empty_output(proc, str(files[0]))


#: Errors of reading a file's event data (a corrupt basket: bad compressed bytes, short reads).
READ_ERRORS: tuple[type[BaseException], ...] = (OSError, zlib.error, uproot.deserialization.DeserializationError)


def _input_error(exc: BaseException, files: Sequence[str] = ()) -> InputError | None:
    """The InputError a processor raised, unwrapped from coffea's generic "Failed processing" exception,
    or an InputError naming the file whose event data could not be read (:data:`READ_ERRORS`)."""
    seen: set[int] = set()
    chain = []
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, InputError):
            return cur
        seen.add(id(cur))
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    text = str(exc)
    if "InputError(" in text:
        return InputError(text.split("InputError(", 1)[1].rstrip(").'\"").strip("\"'"))
    read = next((c for c in chain if isinstance(c, READ_ERRORS)), None)
    if read is not None:
        named = re.search(r"filename='([^']*)'", text)
        where = named.group(1) if named else (files[0] if len(files) == 1 else f"one of {list(files)}")
        return InputError(f"input file {where}: its event data cannot be read, the file is corrupt "
                          f"({type(read).__name__}: {_one_line(read)})")
    return None


def file_weight_scale(path: str, is_mc: bool) -> float:
    """The weight scale (a power of two) of a file: |genWeight| of its first event (1 for data or empty files).

    Call it on a file :func:`check_file` accepted; a failing read is still an InputError naming the file.
    """
    if not is_mc:
        return 1.0
    try:
        with uproot.open(path) as f:
            tree = f[TREE]
            if tree.num_entries == 0 or "genWeight" not in tree.keys():
                return 1.0
            first = tree["genWeight"].array(entry_stop=1, library="np")
    except Exception as exc:  # uproot raises many types for corrupt files
        raise InputError(f"input file {path}: branch 'genWeight' cannot be read, the file is corrupt "
                         f"({type(exc).__name__}: {_one_line(exc)})") from exc
    return power_of_two(float(first[0]))


def events_from_file(path: str, entry_start: int | None = None, entry_stop: int | None = None, eager: bool = False) -> ak.Array:
    """NanoEvents of one file (for tests, benchmarks and interactive use); ``eager`` reads every branch now."""
    return NanoEventsFactory.from_root(
        {path: TREE}, schemaclass=LenientNanoAODSchema, mode="eager" if eager else "virtual", metadata={"filename": path},
        entry_start=entry_start, entry_stop=entry_stop,
    ).events()

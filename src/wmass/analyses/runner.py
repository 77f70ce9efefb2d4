"""Running a processor over NanoAOD files with a coffea executor chosen in the config.

Executors: ``iterative`` (coffea IterativeExecutor), ``futures`` (FuturesExecutor on a fork-based
process pool, reused for preprocessing) and ``dask`` (DaskExecutor on a distributed LocalCluster
started here, or on the scheduler at ``dask_address``). Histograms are bit-for-bit identical for
every executor and chunk size (exact summation, see fill.py). A file with zero events gives the
processor's histograms with zero entries (a well-defined empty result), not an error.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
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

__all__ = ["EXECUTORS", "LenientNanoAODSchema", "events_from_file", "file_weight_scale", "run_processor"]

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


def _check_file(path: str) -> None:
    """InputError naming the file when it is absent, not ROOT, or has no Events tree (cheap: header and keys)."""
    if not Path(path).is_file():
        raise InputError(f"input file {path} does not exist")
    try:
        with uproot.open(path) as f:
            if TREE not in f:
                raise InputError(f"{path}: no {TREE!r} tree (keys: {list(f.keys())[:5]})")
    except InputError:
        raise
    except Exception as exc:  # uproot raises many types for corrupt files
        raise InputError(f"{path} is not a readable ROOT file ({type(exc).__name__}: {exc})") from exc


def _empty_output(proc: processor.ProcessorABC, path: str) -> Any:
    """The processor's output for zero events (histograms with zero entries)."""
    events = NanoEventsFactory.from_root(
        {path: TREE}, schemaclass=LenientNanoAODSchema, mode="virtual", metadata={"filename": path}
    ).events()
    return proc.process(events[:0])


def _executor(
    name: str, workers: int, stack: ExitStack, dask_address: str | None, dask_processes: bool, status: bool
) -> processor.ExecutorBase:
    if name == "iterative":
        return processor.IterativeExecutor(status=status)
    if name == "futures":
        pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        stack.enter_context(pool)
        return processor.FuturesExecutor(pool=pool, workers=workers, status=status)
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
) -> dict[str, Any]:
    """Process ``files`` with ``proc``; returns the accumulated output dict (see analyses.common).

    ``dask_processes`` False runs the LocalCluster workers as threads (tests: no process start-up);
    ``status`` shows coffea's progress bar.
    """
    for f in files:
        _check_file(str(f))
    fileset = {dataset: {"files": {str(f): TREE for f in files}}}
    with ExitStack() as stack:
        ex = _executor(executor, workers, stack, dask_address, dask_processes, status)
        run = processor.Runner(executor=ex, schema=LenientNanoAODSchema, chunksize=chunksize, savemetrics=False)
        try:
            out = run(fileset, processor_instance=proc, treename=TREE, uproot_options=UPROOT_OPTIONS)
        except Exception as exc:
            err = _input_error(exc)
            if err is None:
                raise
            raise err from exc
    return out if out else _empty_output(proc, str(files[0]))


def _input_error(exc: BaseException) -> InputError | None:
    """The InputError a processor raised, unwrapped from coffea's generic "Failed processing" exception."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, InputError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    text = str(exc)
    if "InputError(" in text:
        return InputError(text.split("InputError(", 1)[1].rstrip(").'\"").strip("\"'"))
    return None


def file_weight_scale(path: str, is_mc: bool) -> float:
    """The weight scale (a power of two) of a file: |genWeight| of its first event (1 for data or empty files)."""
    if not is_mc:
        return 1.0
    with uproot.open(path) as f:
        tree = f[TREE]
        if tree.num_entries == 0 or "genWeight" not in tree.keys():
            return 1.0
        first = tree["genWeight"].array(entry_stop=1, library="np")
    return power_of_two(float(first[0]))


def events_from_file(path: str, entry_start: int | None = None, entry_stop: int | None = None, eager: bool = False) -> ak.Array:
    """NanoEvents of one file (for tests, benchmarks and interactive use); ``eager`` reads every branch now."""
    return NanoEventsFactory.from_root(
        {path: TREE}, schemaclass=LenientNanoAODSchema, mode="eager" if eager else "virtual", metadata={"filename": path},
        entry_start=entry_start, entry_stop=entry_stop,
    ).events()

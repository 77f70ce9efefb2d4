"""A throw-away single-node SLURM cluster for the `slurm` tests.

The cluster is built from the Debian packages ``slurm-wlm`` and ``munge`` and runs out of one
temporary directory: its own munge key and socket, state and spool folders, logs and free TCP
ports. No system service is started, so it needs no systemd and leaves alone a munge that may
already run on the machine.

One file lives outside that directory: ``/etc/slurm/slurm.conf``, the compiled-in default. The
Snakemake job step (snakemake-executor-plugin-slurm-jobstep) strips every ``SLURM_*`` variable,
``SLURM_CONF`` included, before its nested ``srun``, so a configuration reached only through
``SLURM_CONF`` is lost inside the job ("srun: fatal: Could not establish a configuration source").
The file carries a marker line; an existing ``slurm.conf`` without it (a real cluster) is never
overwritten, and :meth:`SlurmCluster.stop` removes the file again. A lock file serialises test
sessions on one machine.

The three daemons (``munged``, ``slurmctld``, ``slurmd``) run in the foreground as children of the
test process; :meth:`SlurmCluster.stop` cancels the jobs of this cluster and then ends exactly those
three processes, by PID.

Typical use::

    ensure_installed()                      # apt-get install, only when something is missing
    with SlurmCluster(root, cpus=2, partition="batch") as cluster:
        subprocess.run(["sbatch", "--wait", "--wrap", "hostname"], env=cluster.env, check=True)
"""

from __future__ import annotations

import atexit
import fcntl
import getpass
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

__all__ = [
    "APT_PACKAGES",
    "SlurmCluster",
    "SlurmError",
    "ensure_installed",
    "missing_programs",
    "skip_reason",
]

#: Debian packages providing the daemons and client commands.
APT_PACKAGES = ("slurm-wlm", "munge")

#: Programs the cluster and the Snakemake SLURM executor need.
PROGRAMS = ("munged", "munge", "unmunge", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo",
            "scontrol", "scancel", "srun")

#: Where the Debian packages put the daemons (not always on a non-root PATH).
_SBIN = ("/usr/sbin", "/sbin")

#: The compiled-in configuration path of the Debian build, found by a job's nested srun.
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")

#: First line of the slurm.conf this module writes; a file without it is not ours to replace.
MARKER = "# Written by wmass tests/slurm_cluster.py for a throw-away test cluster; safe to delete."

#: Held while a test cluster runs, so two test sessions on one machine take turns.
LOCK_FILE = Path("/run/lock/wmass-slurm-test.lock")


class SlurmError(RuntimeError):
    """The SLURM test cluster could not be installed, started or used (the message says why)."""


# --------------------------------------------------------------------------------------------
# Installation
# --------------------------------------------------------------------------------------------


def _which(name: str) -> str | None:
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(_SBIN)
    return shutil.which(name, path=path)


def skip_reason() -> str | None:
    """Why this machine cannot host the test cluster (not root, not Debian), or None if it can."""
    if os.name != "posix" or not hasattr(os, "geteuid"):
        return "the SLURM test needs Linux"
    if os.geteuid() != 0:
        return "the SLURM test installs and starts SLURM daemons, which needs root"
    if not Path("/etc/debian_version").is_file():
        return "the SLURM test installs SLURM from Debian packages (no /etc/debian_version)"
    return None


def missing_programs() -> list[str]:
    """The programs of :data:`PROGRAMS` that are not installed."""
    return [p for p in PROGRAMS if _which(p) is None]


def ensure_installed(timeout: float = 900) -> float:
    """Install ``slurm-wlm`` and ``munge`` with apt-get unless every program is already there.

    Returns the seconds spent installing (0.0 when nothing was missing). Raises
    :class:`SlurmError` with apt's output when the installation fails.
    """
    if not missing_programs():
        return 0.0
    start = time.monotonic()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    steps = (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES],
    )
    for cmd in steps:
        try:
            res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SlurmError(f"{' '.join(cmd)} failed: {exc}") from exc
        if res.returncode != 0:
            raise SlurmError(
                f"{' '.join(cmd)} exited with {res.returncode}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
            )
    still = missing_programs()
    if still:
        raise SlurmError(f"after installing {' '.join(APT_PACKAGES)}, still missing: {', '.join(still)}")
    return time.monotonic() - start


# --------------------------------------------------------------------------------------------
# The cluster
# --------------------------------------------------------------------------------------------


def _free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports that are free right now."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def _mem_total_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    raise SlurmError("cannot read MemTotal from /proc/meminfo")


def _tail(path: Path, n: int = 40) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"({path} not readable)"
    return "\n".join(lines[-n:])


class SlurmCluster:
    """One node (this host) with ``cpus`` CPUs in one default partition, all under ``root``.

    ``env`` is the environment (``SLURM_CONF`` and a PATH with the sbin folders) with which to run
    ``sbatch``, ``squeue``, ``snakemake --executor slurm`` etc. against this cluster.
    """

    def __init__(
        self,
        root: str | Path,
        cpus: int = 2,
        partition: str = "batch",
        real_memory_mb: int | None = None,
        cluster_name: str = "wmasstest",
        conf: str | Path = SYSTEM_CONF,
    ) -> None:
        self.root = Path(root).resolve()
        self.cpus = cpus
        self.partition = partition
        self.cluster_name = cluster_name
        self.node = socket.gethostname().split(".")[0]
        # Leave room for the OS; SLURM drains a node whose RealMemory exceeds what it finds.
        self.real_memory_mb = real_memory_mb or max(512, int(_mem_total_mb() * 0.8))
        self.conf = Path(conf)
        self._conf_text: str | None = None  # what we wrote to self.conf, to remove only that
        self._lock_fd: int | None = None
        self.munge_socket = self.root / "munge" / "munge.socket"
        self.logs = self.root / "log"
        self.procs: dict[str, subprocess.Popen] = {}
        path = os.environ.get("PATH", "")
        extra = [d for d in _SBIN if d not in path.split(os.pathsep)]
        self.env = dict(os.environ, SLURM_CONF=str(self.conf), PATH=os.pathsep.join([path, *extra]))
        # A SLURM job environment around the test would redirect the client commands.
        for key in [k for k in self.env if k.startswith(("SLURM_JOB", "SLURM_STEP", "SBATCH_", "SRUN_"))]:
            del self.env[key]

    # ---- context manager ---------------------------------------------------------------------

    def __enter__(self) -> SlurmCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- helpers -----------------------------------------------------------------------------

    def run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run a SLURM client command against this cluster; raise :class:`SlurmError` on failure."""
        try:
            res = subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SlurmError(f"{' '.join(args)}: {exc}\n{self.diagnostics()}") from exc
        if check and res.returncode != 0:
            raise SlurmError(
                f"{' '.join(args)} exited with {res.returncode}:\n{res.stdout}{res.stderr}\n{self.diagnostics()}"
            )
        return res

    def diagnostics(self) -> str:
        """Tails of the daemon logs, for error messages."""
        parts = []
        for name in ("munged", "slurmctld", "slurmd"):
            proc = self.procs.get(name)
            state = "not started" if proc is None else (
                "running" if proc.poll() is None else f"exited with {proc.returncode}")
            parts.append(f"--- {name} ({state}); log {self.logs / (name + '.log')}:\n"
                         f"{_tail(self.logs / (name + '.log'))}\n"
                         f"--- {name} stderr:\n{_tail(self.logs / (name + '.stderr'), 15)}")
        return "\n".join(parts)

    def _spawn(self, name: str, cmd: list[str], user: str | None = None) -> None:
        err = open(self.logs / f"{name}.stderr", "wb")  # noqa: SIM115 - the child keeps its own copy
        try:
            self.procs[name] = subprocess.Popen(
                cmd, env=self.env, cwd=self.root, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                user=user, group=user, start_new_session=True,
            )
        finally:
            err.close()

    def _wait(self, what: str, ok, timeout: float, daemon: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs.get(daemon)
            if proc is not None and proc.poll() is not None:
                raise SlurmError(f"{daemon} exited with {proc.returncode} while waiting for {what}\n"
                                 f"{self.diagnostics()}")
            if ok():
                return
            time.sleep(0.5)
        raise SlurmError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.diagnostics()}")

    # ---- start ---------------------------------------------------------------------------------

    def _write_files(self) -> None:
        munge = pwd.getpwnam("munge")
        for sub in ("etc", "state", f"spool/slurmd-{self.node}", "run", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # munged runs as user munge: it must reach its folder and refuses group/world-writable ones.
        self.root.chmod(0o755)
        mdir = self.munge_socket.parent
        mdir.mkdir(exist_ok=True)
        os.chown(mdir, munge.pw_uid, munge.pw_gid)
        mdir.chmod(0o755)
        key = mdir / "munge.key"
        if not key.exists():
            key.write_bytes(os.urandom(1024))
        os.chown(key, munge.pw_uid, munge.pw_gid)
        key.chmod(0o400)
        self.logs.chmod(0o755)
        mlog = self.logs / "munged.log"
        mlog.touch()
        os.chown(mlog, munge.pw_uid, munge.pw_gid)
        mlog.chmod(0o640)

        ctld_port, slurmd_port = _free_ports(2)
        user = getpass.getuser()
        r = self.root
        text = f"""\
{MARKER}
# Single-node SLURM for the wmass `slurm` tests; no systemd, no slurmdbd. Files under {r}.
ClusterName={self.cluster_name}
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser={user}
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool/slurmd-%n
SlurmctldPidFile={r}/run/slurmctld.pid
SlurmdPidFile={r}/run/slurmd.pid
SlurmctldLogFile={self.logs}/slurmctld.log
SlurmdLogFile={self.logs}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups (containers, no systemd): track processes through /proc, bind no tasks.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Keep finished jobs visible to squeue for an hour: the executor polls squeue, not sacct.
MinJobAge=3600
ReturnToService=2
SlurmdParameters=config_overrides
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName={self.node} NodeAddr=127.0.0.1 NodeHostname={self.node} CPUs={self.cpus} Boards=1 SocketsPerBoard=1 CoresPerSocket={self.cpus} ThreadsPerCore=1 RealMemory={self.real_memory_mb} State=UNKNOWN
PartitionName={self.partition} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
"""
        (self.root / "etc" / "slurm.conf").write_text(text)  # a copy beside the logs
        if self.conf.exists() and not self._is_ours(self.conf):
            raise SlurmError(
                f"{self.conf} exists and was not written by this test (no marker line); "
                "refusing to replace a real SLURM configuration"
            )
        self.conf.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.conf.with_name(self.conf.name + ".wmass-tmp")
        tmp.write_text(text)
        tmp.chmod(0o644)
        os.replace(tmp, self.conf)
        self._conf_text = text

    @staticmethod
    def _is_ours(path: Path) -> bool:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return fh.readline().rstrip("\n") == MARKER
        except OSError:
            return False

    def _lock(self, timeout: float) -> None:
        LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise SlurmError(f"another SLURM test cluster holds {LOCK_FILE} for over {timeout:.0f} s") from None
                time.sleep(1)
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _munge_ok(self) -> bool:
        sock = f"--socket={self.munge_socket}"
        try:
            cred = subprocess.run([_which("munge") or "munge", sock, "-n"], capture_output=True, timeout=10)
            if cred.returncode != 0:
                return False
            back = subprocess.run([_which("unmunge") or "unmunge", sock], input=cred.stdout,
                                  capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return back.returncode == 0

    def _ctld_ok(self) -> bool:
        res = self.run("scontrol", "ping", check=False, timeout=15)
        return res.returncode == 0 and "UP" in res.stdout

    def node_state(self) -> str:
        res = self.run("sinfo", "--noheader", "--Node", "--format=%T", check=False, timeout=15)
        return res.stdout.strip().lower() if res.returncode == 0 else ""

    def start(self, timeout: float = 90) -> None:
        """Write the configuration, start the daemons and wait until the node is idle."""
        missing = missing_programs()
        if missing:
            raise SlurmError(f"SLURM is not installed (missing {', '.join(missing)}); call ensure_installed()")
        self._lock(timeout=600)
        atexit.register(self.stop)  # also on an interpreter exit that skips the test's teardown
        self._write_files()
        self._spawn("munged", [
            _which("munged"), "--foreground", f"--socket={self.munge_socket}",
            f"--key-file={self.munge_socket.parent / 'munge.key'}",
            f"--pid-file={self.munge_socket.parent / 'munged.pid'}",
            f"--seed-file={self.munge_socket.parent / 'munged.seed'}",
            f"--log-file={self.logs / 'munged.log'}",
        ], user="munge")
        self._wait("munged to issue and decode a credential", self._munge_ok, timeout, "munged")
        # -D: foreground, so the PID we hold is the daemon's; -i: ignore state left by earlier runs.
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._wait("slurmctld to answer `scontrol ping`", self._ctld_ok, timeout, "slurmctld")
        self._spawn("slurmd", [_which("slurmd"), "-D", "-f", str(self.conf), "-N", self.node])
        self._wait(f"node {self.node} to be idle in `sinfo`", lambda: self.node_state() == "idle",
                   timeout, "slurmd")

    # ---- stop ----------------------------------------------------------------------------------

    def stop(self, timeout: float = 20) -> None:
        """Cancel this cluster's jobs, then end the daemons this object started, by PID."""
        ctld = self.procs.get("slurmctld")
        if ctld is not None and ctld.poll() is None:
            try:
                self.run("scancel", f"--partition={self.partition}", "--full", check=False, timeout=15)
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    res = self.run("squeue", "--noheader", "--states=RUNNING,COMPLETING,PENDING",
                                   "--format=%i", check=False, timeout=15)
                    if res.returncode != 0 or not res.stdout.strip():
                        break
                    time.sleep(0.5)
            except SlurmError:
                pass  # the daemons are ended below in any case
        # Reverse start order: slurmd, slurmctld, munged.
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        # Remove the system slurm.conf only if it is still exactly the one we wrote.
        if self._conf_text is not None:
            try:
                if self.conf.read_text() == self._conf_text:
                    self.conf.unlink()
            except OSError:
                pass
            self._conf_text = None
        self._unlock()
        atexit.unregister(self.stop)

"""The sandbox a student's kernel runs in while its notebook is graded: bubblewrap.

Inside, the kernel sees a read-only Python (the base interpreter, the course's virtualenv and
the system's /usr), the rnnkit of :mod:`.redact` in place of the real one, and one writable
folder holding a copy of its own hand-in. The course folder, the instructor's sources, the
gradebook and every other student's files are simply not there; there is no network (a new,
empty network namespace); and the kernel is the third process of a new PID namespace, so
that every process it starts dies with the sandbox. Its address space is capped (``ulimit
-v``), so a huge allocation fails as a MemoryError instead of taking the machine.

``backend="none"`` runs the kernel without bubblewrap (the instructor's explicit choice,
``make grade SANDBOX=none``): the memory cap and the rnnkit without graded functions stay,
but the notebook can read and write whatever the instructor can.
"""
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec

from . import redact

LIB = "/grading/lib"          # where the sandbox finds the redacted rnnkit
HOME = "/home/student"        # the writable folder, the kernel's working directory
ETC = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "passwd",
       "group", "alternatives", "fonts", "mime.types"]
PASSED_ON = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TZ"]   # see the README on BLAS kernels


class SandboxUnavailable(RuntimeError):
    pass


def check(backend):
    """Raise SandboxUnavailable, saying how to get one, when ``backend`` cannot run here."""
    if backend == "none":
        return
    if backend != "bwrap":
        raise SandboxUnavailable(f"unknown sandbox {backend!r}: use SANDBOX=bwrap (the default) "
                                 f"or, knowing the risk, SANDBOX=none")
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, and a student's notebook must not run with "
            "the instructor's rights. Install it (Debian/Ubuntu: `sudo apt-get install "
            "bubblewrap`; Fedora: `sudo dnf install bubblewrap`), or grade without a sandbox "
            "with `make grade SANDBOX=none` if you accept that every notebook can read and "
            "change everything you can (see the README).")
    probe = subprocess.run(["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/",
                            "/", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap is installed but cannot create a sandbox here: {probe.stderr.strip()}. "
            f"It needs user namespaces (check `sysctl kernel.unprivileged_userns_clone` or "
            f"your distribution's AppArmor profile for bwrap), or run it as root.")


def _system_mounts():
    args = []
    for top in ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ETC:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def _python_mounts(package):
    """The base interpreter and the virtualenv, read-only, where they are on the host; an
    rnnkit installed inside them (not in editable mode) is covered by an empty folder."""
    args = []
    for prefix in sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
                          sys.prefix}):
        if not prefix.startswith("/usr/"):
            args += ["--ro-bind", prefix, prefix]
    prefixes = (sys.prefix, sys.base_prefix, "/usr")
    if any(str(package).startswith(os.path.realpath(p) + "/") for p in prefixes):
        args += ["--tmpfs", str(package)]
    return args


def kernel_spec(backend, *, scratch, lib, runtime, memory_mb):
    """The kernel spec of one sandboxed kernel: argv starts with bwrap (or runs directly)."""
    python = sys.executable
    tmp = Path(runtime) / "tmp"
    tmp.mkdir(exist_ok=True)
    # -S and an explicit path: no .pth file runs, so an editable install's finder cannot
    # lead the kernel to the real rnnkit; the copy from redact comes first
    packages = ":".join(site.getsitepackages())
    env = {"HOME": HOME, "IPYTHONDIR": f"{HOME}/.ipython", "MPLCONFIGDIR": f"{HOME}/.matplotlib",
           "PYTHONPATH": f"{LIB}:{packages}", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
           "PATH": f"{os.path.dirname(python)}:/usr/local/bin:/usr/bin:/bin",
           # one BLAS thread per kernel: make grade runs one kernel per core
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.update({k: os.environ[k] for k in PASSED_ON if k in os.environ})
    # sh stays the kernel's parent: ipykernel quits when its parent is PID 1
    # -v caps each process's memory, -f the size of each file it writes (1 GB in dash's
    # 512-byte blocks)
    shell = (f"ulimit -v {int(memory_mb) * 1024} && ulimit -f {2**21} && "
             f"'{python}' -S -m ipykernel_launcher "
             f"-f {{connection_file}}; true")
    if backend == "none":
        env.update(HOME=str(scratch), IPYTHONDIR=f"{scratch}/.ipython",
                   MPLCONFIGDIR=f"{scratch}/.matplotlib", PYTHONPATH=f"{lib}:{packages}")
        argv = ["/bin/sh", "-c", f"cd '{scratch}' && {shell}"]
    else:
        argv = (["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                 "--cap-drop", "ALL", "--hostname", "grading"]
                + _system_mounts()
                # /tmp first, on disk in the scratch folder (a tmpfs is not counted by the
                # memory cap): what lives under /tmp on the host (the virtualenv, the
                # grading folders) is bound over it afterwards
                + ["--proc", "/proc", "--dev", "/dev", "--bind", str(tmp), "/tmp"]
                + _python_mounts(redact.PACKAGE)
                + ["--ro-bind", str(lib), LIB, "--bind", str(scratch), HOME,
                   "--bind", str(runtime), str(runtime),
                   # the root itself is a tmpfs, which the memory cap does not count
                   "--remount-ro", "/", "--chdir", HOME, "--clearenv"]
                + [a for k, v in env.items() for a in ("--setenv", k, v)]
                + ["/bin/sh", "-c", shell])
    return KernelSpec(argv=argv, env=env if backend == "none" else {},
                      display_name="graded notebook", language="python",
                      interrupt_mode="message")


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel spec is given, not looked up by name."""

    def __init__(self, spec, **kwargs):
        super().__init__(kernel_name="python3", **kwargs)
        self._kernel_spec = spec

    @property
    def kernel_spec(self):
        return self._kernel_spec


def manager(backend, *, scratch, lib, runtime, memory_mb):
    runtime = Path(runtime)
    spec = kernel_spec(backend, scratch=scratch, lib=lib, runtime=runtime, memory_mb=memory_mb)
    # IPC sockets in a folder both sides see: the sandbox has no network to reach ports on
    return SandboxKernelManager(spec, transport="ipc", ip=str(runtime / "k"),
                                connection_file=str(runtime / "kernel.json"))

"""Kernels for the build's workers: one kernel shared by the runs a worker executes for one job, reset
between runs to what a fresh kernel has, and a worker's own output kept out of the build's progress.

Portable by construction: a kernel's stdout and stderr are handed to it as files when it starts (a
``Popen`` argument, the same on Windows), so nothing it prints, from Python or below it, reaches the
terminal; the worker points its own file descriptors 1 and 2 at its log where the platform allows
(``os.dup2``, POSIX and Windows' C runtime) and its Python streams in any case. Kernels talk over Unix
sockets in a private folder on POSIX and over TCP on localhost elsewhere (jupyter_client's default).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import IO

from zqf_analysis.build.plan import KERNEL

#: Run in a shared kernel between two runs: what a fresh kernel would have.
RESET_KERNEL = """\
get_ipython().reset(new_session=True)
import os as _zqf_os, sys as _zqf_sys, warnings as _zqf_warnings
_zqf_os.chdir({cwd!r})
if "matplotlib.pyplot" in _zqf_sys.modules:
    _zqf_sys.modules["matplotlib.pyplot"].close("all")
if "matplotlib" in _zqf_sys.modules:
    _zqf_sys.modules["matplotlib"].rc_file_defaults()
if "pandas" in _zqf_sys.modules:
    with _zqf_warnings.catch_warnings():
        _zqf_warnings.simplefilter("ignore")
        _zqf_sys.modules["pandas"].reset_option("all")
del _zqf_os, _zqf_sys, _zqf_warnings
"""


class SharedKernel:
    """One kernel for the runs a worker executes for one job, started on first use with its output in
    ``log``; :meth:`reset` between runs, :meth:`shutdown` at the end.

    papermill (through nbclient) runs each notebook in the kernel manager it is given and leaves a
    kernel it did not start running, which is what lets runs share it; the reset is ours, since
    neither library offers one."""

    def __init__(self, root: str | Path, log: IO[str], runtime_parent: str | None = None) -> None:
        self.root, self.log, self.runtime_parent = str(root), log, runtime_parent
        self.manager = None
        self.client = None  # for resets: the shell channel only
        self.runtime: str | None = None
        self.runs = 0  # runs executed in the current kernel

    def start(self):
        """The kernel manager, with a kernel started if there is none."""
        if self.manager is None:
            from jupyter_client.manager import KernelManager

            self.manager = KernelManager(kernel_name=KERNEL, **self.transport())
            # ipykernel echoes whatever reaches its file descriptors 1 and 2 (C extensions,
            # subprocesses) to the streams it was started with: the log, never the terminal
            self.manager.start_kernel(cwd=self.root, stdout=self.log, stderr=self.log)
            self.runs = 0
        return self.manager

    def transport(self) -> dict:
        """Unix sockets in a private folder where they can be had: TCP ports are picked, released and
        then bound by the kernel, so kernels starting together in parallel workers could race for one.
        The folder is made in ``runtime_parent`` (the build's own temporary folder, which the build
        removes even when interrupted) or the system's temporary folder. Elsewhere (Windows, or a
        temporary folder whose path is too long for a socket) jupyter_client's TCP default."""
        self.runtime = None
        if os.name != "posix":
            return {}
        folder = tempfile.mkdtemp(prefix="zqf-kernel-", dir=self.runtime_parent)
        if len(folder) > 80:  # a socket path holds at most 107 bytes
            os.rmdir(folder)
            return {}
        self.runtime = folder
        return {"transport": "ipc", "connection_file": os.path.join(folder, "kernel.json")}

    def reset(self) -> None:
        """Clear the namespace and settings the previous run left; a kernel that died or does not
        reset cleanly is shut down, so the next run starts a fresh one.

        The reset goes over the shell channel alone, on a client kept for the kernel's life: a client
        that also listens on IOPub must first wait for it (``wait_for_ready`` flushes it until 0.2 s
        of silence), which made each reset take 0.37 s here against 0.01 s this way."""
        if self.manager is None:
            return
        if not self.manager.is_alive():
            self.shutdown()
            return
        try:
            if self.client is None:
                # a session of its own: a shell socket's identity is its session's id, and the kernel
                # routes each reply to the latest socket of that identity, nbclient's in each run
                session = self.manager.session.clone()
                session.session = str(uuid.uuid4())
                self.client = self.manager.client(session=session)
                self.client.start_channels(iopub=False, stdin=False, hb=False, control=False)
            request = self.client.execute(RESET_KERNEL.format(cwd=self.root), silent=True, store_history=False)
            while True:
                reply = self.client.get_shell_msg(timeout=60)
                if reply["parent_header"].get("msg_id") == request:
                    break
            if reply["content"].get("status") != "ok":
                self.shutdown()
        except Exception:  # noqa: BLE001 - a kernel that cannot reset is replaced, not trusted
            self.shutdown()

    def shutdown(self) -> None:
        """Stop the kernel now. Its runs are over and it holds nothing the build needs, so it is
        killed rather than asked to exit: a polite exit takes 0.9-1.0 s here with pandas,
        scikit-learn and matplotlib loaded, against 0.1 s."""
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.manager is not None:
            try:
                self.manager.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - a kernel that is already gone needs no shutdown
                pass
        if self.runtime:
            shutil.rmtree(self.runtime, ignore_errors=True)
        self.manager, self.runtime, self.runs = None, None, 0


def redirect_output(log: Path) -> tuple[IO[str], IO[str] | None]:
    """Send this process's output to ``log``; return the log and a stream on the terminal's stderr
    when that is a terminal (for papermill's cell progress bar), else None.

    File descriptors 1 and 2 are pointed at the log where ``os.dup2`` works (POSIX, and Windows' C
    runtime when the process has a console); where it does not, only Python's own streams move, and
    a C library writing to the console directly would still reach it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = open(log, "w", encoding="utf-8", errors="replace", buffering=1)
    terminal = None
    try:
        if os.isatty(2):
            terminal = os.fdopen(os.dup(2), "w", encoding="utf-8", errors="replace")
    except OSError:
        terminal = None
    for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):
        try:
            if stream is not None:
                stream.flush()
            os.dup2(handle.fileno(), fd)
        except (OSError, ValueError):
            pass
    sys.stdout = sys.stderr = handle
    return handle, terminal

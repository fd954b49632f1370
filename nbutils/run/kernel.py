"""The kernel a batch run executes a notebook in, its own stderr in a log file instead of the terminal.

A kernel writes to its process stderr only what never reaches the notebook: its startup warnings, and the errors it
logs when it is stopped mid-cell. The runner's one-line message says what happened;
`outputs/<run>/notebooks/<notebook>.kernel.log` keeps the rest. A stop request (Ctrl-C, SIGTERM) first interrupts the
kernel's cell, as JupyterLab's stop button does, so the kernel ends its reply and shuts down cleanly.

On Linux and macOS the kernel talks to the runner over Unix sockets in a private temporary folder, not TCP ports: a
free TCP port is picked before the kernel binds it, so two runs starting kernels at once (two runs side by side, or
the test suite on several cores) could pick the same one, and the loser died with "Address already in use".
"""
from __future__ import annotations

import os
import shutil
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class Running:
    """The kernel executing now, and whether a stop was asked for while it ran."""

    pid: int | None = None
    stop_requested: bool = False
    peak_mb: float | None = None      # the last kernel's peak resident memory (Linux's VmHWM), read as it shut down


def peak_resident_mb(pid: int | None) -> float | None:
    """A process's peak resident memory in MiB (Linux /proc; None elsewhere or when it is gone); its own children not counted."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration, TypeError, ValueError):
        return None


@contextmanager
def logged_kernel(log: Path) -> Iterator[type]:
    """A kernel manager class for papermill (`kernel_manager_class=`) whose kernels write their stderr to `log`."""
    from jupyter_client.manager import AsyncKernelManager

    with open(log, "w", encoding="utf-8") as stream:
        class LoggedKernelManager(AsyncKernelManager):
            def __init__(self, **kw):
                super().__init__(**kw)
                self.private_dir = unix_socket_transport(self)

            async def start_kernel(self, **kw):
                kw.setdefault("stderr", stream)
                await super().start_kernel(**kw)
                Running.pid, Running.peak_mb = getattr(self.provisioner, "pid", None), None

            async def shutdown_kernel(self, now: bool = False, restart: bool = False):
                Running.peak_mb = peak_resident_mb(Running.pid) or Running.peak_mb
                await super().shutdown_kernel(now=now, restart=restart)
                if self.private_dir and not restart:
                    shutil.rmtree(self.private_dir, ignore_errors=True)
        try:
            yield LoggedKernelManager
        finally:
            Running.pid = None


def unix_socket_transport(manager) -> str | None:
    """Point a kernel manager at Unix sockets in a new private folder (POSIX only); the folder, or None on Windows."""
    if os.name != "posix":
        return None
    folder = tempfile.mkdtemp(prefix="nbutils-kernel-")   # short: a Unix socket's path must stay under ~100 bytes
    manager.transport = "ipc"
    manager.connection_file = os.path.join(folder, "kernel.json")
    manager.ip = os.path.join(folder, "kernel")
    return folder


@contextmanager
def stop_gracefully() -> Iterator[None]:
    """Ctrl-C and SIGTERM interrupt the running cell first (the notebook then fails with KeyboardInterrupt); a second
    request, or one between notebooks, raises KeyboardInterrupt at once. Off the main thread, nothing changes."""
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        if Running.pid and not Running.stop_requested:
            Running.stop_requested = True
            try:
                os.kill(Running.pid, signal.SIGINT)
                return
            except OSError:
                pass
        raise KeyboardInterrupt
    Running.stop_requested = False
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def log_tail(log: Path, lines: int = 5) -> str:
    """The last lines a kernel wrote, indented, for a message about a kernel that died ("" when it wrote none)."""
    text = log.read_text(encoding="utf-8", errors="replace").strip() if log.exists() else ""
    return "\n".join("    " + line for line in text.splitlines()[-lines:])

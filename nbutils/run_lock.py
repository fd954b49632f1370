"""One run at a time per run folder: a lock (the `filelock` library) and a note of who holds it.

`outputs/<run>/.lock` is held while a command works on the run; `.lock.owner` (JSON: pid, command, since) says who.
The operating system drops the lock when its process ends, so a killed run never leaves the folder locked.
"""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import WorkbookError
from .paths import shown


@contextmanager
def run_lock(folder: Path):
    """Hold the run folder's lock for the block; another holder is one message naming it."""
    lock, owner = FileLock(folder / ".lock"), folder / ".lock.owner"
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = json.loads(owner.read_text()) if owner.exists() else {}
        raise WorkbookError(f"run {folder.name!r} is in use by another process (pid {holder.get('pid', '?')}, "
                            f"`{holder.get('command', '?')}`, since {holder.get('since', '?')}). Wait for it to finish, "
                            "or give this one another --run-name.") from None
    owner.write_text(json.dumps({"pid": os.getpid(), "command": command_line(sys.argv),
                                 "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
    try:
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def holder(folder: Path) -> dict | None:
    """Who holds another run folder's lock now ({} when its note is gone), or None when nobody does."""
    if not (folder / ".lock").exists():
        return None
    lock = FileLock(folder / ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        try:
            return json.loads((folder / ".lock.owner").read_text())
        except (OSError, ValueError):   # not written yet, or gone
            return {}
    lock.release()
    return None


def command_line(argv: list[str]) -> str:
    """The holder's command as it was typed (`python -m nbutils run ...`), not as this machine's folders spell it."""
    first = Path(argv[0]) if argv else Path("?")
    head = "python -m nbutils" if (first.name, first.parent.name) == ("__main__.py", "nbutils") else shown(first)
    return " ".join([head, *argv[1:]])

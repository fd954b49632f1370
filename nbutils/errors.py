"""One exception type for bad input, so the CLI prints one clear message instead of a traceback."""
from __future__ import annotations


class WorkbookError(Exception):
    """A problem the user can fix; the message says what and how."""

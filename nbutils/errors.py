"""One exception type for bad input, so the CLI prints one clear message instead of a traceback."""
from __future__ import annotations

from typing import Callable

import numpy as np


class WorkbookError(Exception):
    """A problem the user can fix; the message says what and how."""


def refuse_rows(bad: np.ndarray, place: Callable[[int], str], what: Callable[[int], str], source: str, fix: str) -> None:
    """One message for a fault some rows of a file share: where the first is and what is wrong there, then how many
    rows share it and where the first five are (`place(i)`: "line 12" or "row 12")."""
    rows = np.flatnonzero(bad)
    if not len(rows):
        return
    first = int(rows[0])
    more = (f" ({len(rows):,} in all: {', '.join(place(int(j)) for j in rows[:5])}{', ...' if len(rows) > 5 else ''})"
            if len(rows) > 1 else "")
    raise WorkbookError(f"{source}, {place(first)}: {what(first)}{more}. {fix}")

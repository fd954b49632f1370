"""The browser's data map component (datamap_component.js), handed to the shareable page and the live JupyterLab map."""
from __future__ import annotations

import base64
import functools
import json
from pathlib import Path

import numpy as np

from ..labels import LABELS
from .figures import REGION_COLORS
from .regions import REGIONS

SOURCE = Path(__file__).with_name("datamap_component.js")


@functools.cache
def component_source() -> str:
    """The component as an ES module's text."""
    return SOURCE.read_text(encoding="utf-8")


@functools.cache
def widget_esm() -> str:
    """The anywidget module: plotly.js (injected once as a classic script) and the component."""
    from plotly.offline import get_plotlyjs
    return f"const PLOTLY_SRC = {json.dumps(get_plotlyjs())};\n{component_source()}"


def legend() -> dict:
    """Region and label names, and each region's colour, in the component's code order (REGIONS)."""
    return {"regions": list(REGIONS), "labels": list(LABELS), "colors": [REGION_COLORS[r] for r in REGIONS]}


def b64(values: np.ndarray) -> str:
    """Little-endian bytes as base64: the component reads them back into a typed array, exactly."""
    return base64.b64encode(np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<")).tobytes()).decode()

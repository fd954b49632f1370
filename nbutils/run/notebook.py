"""The one setup call every notebook makes, so interactive and papermill runs look and behave the same."""
from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

from .. import paths


def setup(namespace: dict, notebook: str) -> Path:
    """Adopt the run's settings, seed everything, make plotly figures survive HTML export, quiet library chatter.

    `namespace` is the notebook's globals() after its parameters cell; returns the run folder.
    """
    import pandas as pd

    adopted = run_settings(namespace, notebook)
    if adopted:
        print(f"from run {namespace['run_name']!r}'s recorded parameters (manifest.json): "
              + ", ".join(f"{k}={v!r}" for k, v in adopted.items()))
    run_name, seed = namespace["run_name"], namespace.get("seed", 42)
    import plotly.io as pio

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    pio.renderers.default = "plotly_mimetype+notebook"  # 'notebook' embeds plotly.js: figures show in nbconvert HTML
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 80)
    pd.set_option("display.precision", 3)   # one rounding for every table in the reports
    warnings.formatwarning = lambda message, category, *_, **__: f"{category.__name__}: {message}\n"   # no file paths in reports
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*TRANSFORMERS_CACHE.*")
    import matplotlib
    import seaborn as sns
    matplotlib.rcParams["figure.dpi"] = 90
    sns.set_theme(style="whitegrid", context="notebook")
    from transformers import set_seed
    from transformers.utils import logging as hf_logging
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger("accelerate").setLevel(logging.ERROR)
    set_seed(seed)
    return paths.run_dir(run_name)


def run_settings(namespace: dict, notebook: str) -> dict:
    """Parameters left at the notebook's defaults take the values the run was made with; returns those it set.

    A notebook opened in JupyterLab shows its committed defaults, not the run's profile: without this, notebook 04 on
    the demo run would retrain with 3,000 pairs where `make run` used 600. A value the cell changed is kept; a value
    equal to the default counts as unchanged. papermill runs pass the recorded values, so nothing changes for them.
    """
    manifest = paths.outputs_root() / namespace["run_name"] / "manifest.json"
    if not manifest.exists():
        return {}
    recorded = json.loads(manifest.read_text()).get("parameters") or {}
    if all(namespace[k] == v for k, v in recorded.items() if k != "run_name" and k in namespace):
        return {}   # papermill passed the recorded values: nothing to adopt, no notebook to read
    from .profiles import declared_parameters, with_defaults
    defaults = with_defaults({}, declared_parameters([paths.NOTEBOOKS_DIR / f"{notebook}.ipynb"])[notebook])
    adopted = {}
    for name, default in defaults.items():
        if name == "run_name" or name not in recorded or name not in namespace:
            continue
        if namespace[name] == default and recorded[name] != default:
            namespace[name] = adopted[name] = recorded[name]
    return adopted

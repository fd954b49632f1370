"""The one setup call every notebook makes, so interactive and papermill runs look and behave the same."""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from .. import paths


def setup(run_name: str, seed: int = 42) -> Path:
    """Seed everything, make plotly figures survive HTML export, quiet library chatter; returns the run folder."""
    import pandas as pd
    import plotly.io as pio

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    pio.renderers.default = "plotly_mimetype+notebook"  # 'notebook' embeds plotly.js: figures show in nbconvert HTML
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 80)
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

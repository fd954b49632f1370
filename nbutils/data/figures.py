"""Notebook 01's figures."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns


def token_length_figure(lengths: pd.DataFrame, max_length: int):
    """Token length of the pairs per split, with the truncation point marked."""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    sns.histplot(data=lengths, x="tokens", hue="split", element="step", stat="density", common_norm=False, discrete=True, ax=ax)
    ax.axvline(max_length, color="#b00", ls="--", lw=1)
    ax.set_title(f"tokens per pair (premise + hypothesis); dashed: max_length {max_length}")
    return fig

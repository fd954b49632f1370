"""The only place that talks to the Hugging Face hub, so offline machines fail in seconds with a way out."""
from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pandas as pd

from ..errors import WorkbookError

HUB_URL = os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def hub_reachable(timeout: float = 3.0) -> bool:
    """True when the hub answers a TCP connect within `timeout` and offline mode is off."""
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
        return False
    host = urlparse(HUB_URL).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def require_hub(repo_id: str, local_hint: str) -> None:
    """Raise a one-line error naming the local alternative when the hub cannot be reached."""
    if not hub_reachable():
        raise WorkbookError(f"cannot reach the Hugging Face hub for {repo_id!r}: {local_hint}")


def load_hub_split(dataset_id: str, split: str) -> pd.DataFrame:
    """One split of a hub dataset as a DataFrame (SNLI: premise, hypothesis, label)."""
    require_hub(dataset_id, f"pass -p {split}_file=PATH (a local .jsonl/.csv/.tsv/.parquet) or use --profile demo")
    from datasets import load_dataset

    return load_dataset(dataset_id, split=split).to_pandas()

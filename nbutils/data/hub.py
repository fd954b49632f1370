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


def is_local_dataset(dataset_id: str) -> bool:
    """A hub: source that names a folder on this machine (a copy in the hub's layout)."""
    from pathlib import Path
    return Path(dataset_id).expanduser().is_dir()


def require_hub(repo_id: str, local_hint: str) -> None:
    """Raise a one-line error naming the local alternative when the hub cannot be reached."""
    if not hub_reachable():
        raise WorkbookError(f"cannot reach the Hugging Face hub for {repo_id!r}: {local_hint}")


def require_model(repo_id: str, local_hint: str) -> None:
    """A hub model id is usable offline when the local Hugging Face cache holds it (HF_HUB_OFFLINE=1 or no network)."""
    from huggingface_hub import try_to_load_from_cache
    if isinstance(try_to_load_from_cache(repo_id, "config.json"), str):
        return
    require_hub(repo_id, local_hint)


def load_hub_split(dataset_id: str, split: str) -> pd.DataFrame:
    """One split of a hub dataset as a DataFrame (SNLI: premise, hypothesis, label).

    `dataset_id` may also be a local folder in the hub's layout (e.g. a downloaded copy of stanfordnlp/snli with its
    Parquet files): the same `load_dataset` call reads it, without the network.
    """
    if not is_local_dataset(dataset_id):
        require_hub(dataset_id, f"pass -p {split}_file=PATH (a local .jsonl/.csv/.tsv/.parquet) or use --profile demo")
    from datasets import load_dataset

    return load_dataset(dataset_id, split=split).to_pandas()

"""Tokenized pairs held as flat arrays, and a padding collator, so 550k pairs batch fast without `datasets`."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import torch


class RowBatch(NamedTuple):
    """Rows the DataLoader asked for at once; PadCollator pads them in a few array operations."""

    data: "EncodedPairs"
    rows: np.ndarray


class EncodedPairs(torch.utils.data.Dataset):
    """Token ids of every pair in one flat array with offsets; item i carries its row index for dynamics logging."""

    def __init__(self, ids: np.ndarray, types: np.ndarray, offsets: np.ndarray, labels: np.ndarray,
                 weights: np.ndarray | None = None, teacher_logits: np.ndarray | None = None):
        self.ids, self.types, self.offsets, self.labels, self.weights = ids, types, offsets, labels, weights
        self.teacher_logits = teacher_logits

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def __getitem__(self, i: int) -> dict:
        a, b = self.offsets[i], self.offsets[i + 1]
        item = {"input_ids": self.ids[a:b], "token_type_ids": self.types[a:b], "labels": int(self.labels[i]), "example_index": int(i)}
        if self.weights is not None:
            item["example_weight"] = float(self.weights[i])
        if self.teacher_logits is not None:
            item["teacher_logits"] = self.teacher_logits[i]
        return item

    def __getitems__(self, rows: list[int]) -> RowBatch:
        """Batched fetch (the DataLoader calls it with a batch's indices): no per-item Python on the hot path."""
        return RowBatch(self, np.asarray(rows, dtype=np.int64))

    def with_weights(self, weights: np.ndarray | None) -> "EncodedPairs":
        return EncodedPairs(self.ids, self.types, self.offsets, self.labels, weights, self.teacher_logits)

    def with_teacher(self, teacher_logits: np.ndarray | None) -> "EncodedPairs":
        """The same pairs carrying a teacher's logits (knowledge distillation)."""
        return EncodedPairs(self.ids, self.types, self.offsets, self.labels, self.weights, teacher_logits)

    def subset(self, rows: np.ndarray) -> "EncodedPairs":
        """The given rows, re-indexed from 0 (example_index then refers to the subset)."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        take = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)]) if len(rows) else np.zeros(0, np.int64)
        offsets = np.concatenate([[0], np.cumsum(ends - starts)])
        w = None if self.weights is None else self.weights[rows]
        t = None if self.teacher_logits is None else self.teacher_logits[rows]
        return EncodedPairs(self.ids[take], self.types[take], offsets, self.labels[rows], w, t)


def encode_pairs(tokenizer, table: pd.DataFrame, max_length: int = 128, batch: int = 20_000) -> EncodedPairs:
    """Tokenize premise/hypothesis pairs once (truncated to max_length); padding happens per batch later."""
    ids, types, lengths = [], [], []
    prem, hyp = table["premise"].tolist(), table["hypothesis"].tolist()
    for s in range(0, len(prem), batch):
        enc = tokenizer(prem[s:s + batch], hyp[s:s + batch], truncation=True, max_length=max_length,
                        return_token_type_ids=True, return_attention_mask=False)
        for a, t in zip(enc["input_ids"], enc["token_type_ids"]):
            ids.append(np.asarray(a, dtype=np.int32))
            types.append(np.asarray(t, dtype=np.int8))
            lengths.append(len(a))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = np.concatenate(ids) if ids else np.zeros(0, np.int32)
    flat_t = np.concatenate(types) if types else np.zeros(0, np.int8)
    return EncodedPairs(flat, flat_t, offsets, table["gold_label"].to_numpy(dtype=np.int64))


def encode_pairs_cached(tokenizer, table: pd.DataFrame, max_length: int = 128) -> EncodedPairs:
    """encode_pairs, cached under data/cache/ by (text and labels, tokenizer, max_length): a changed source re-tokenizes."""
    import hashlib
    import json

    from ..paths import CACHE_DIR
    spec = {k: v for k, v in json.loads(tokenizer.backend_tokenizer.to_str()).items() if k not in ("truncation", "padding")}
    h = hashlib.sha1()
    h.update(json.dumps(spec, sort_keys=True).encode())
    h.update(f"|{max_length}|".encode())
    for col in ("premise", "hypothesis"):
        h.update("\x1f".join(table[col]).encode())
    h.update(table["gold_label"].to_numpy(dtype=np.int64).tobytes())
    path = CACHE_DIR / f"encoded-{h.hexdigest()[:20]}.npz"
    if path.exists():
        with np.load(path) as z:
            return EncodedPairs(z["ids"], z["types"], z["offsets"], z["labels"])
    data = encode_pairs(tokenizer, table, max_length)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, ids=data.ids, types=data.types, offsets=data.offsets, labels=data.labels)
    tmp.replace(path)
    return data


class PadCollator:
    """Pad a batch to its longest pair (optionally rounded up to a multiple) or to a fixed length."""

    def __init__(self, pad_id: int = 0, multiple: int = 1, fixed_length: int = 0):
        self.pad_id, self.multiple, self.fixed_length = pad_id, multiple, fixed_length

    def __call__(self, batch: RowBatch) -> dict[str, torch.Tensor]:
        """The DataLoader hands over EncodedPairs.__getitems__'s RowBatch: the batch is built by fancy indexing."""
        if not isinstance(batch, RowBatch):
            raise TypeError("PadCollator pads EncodedPairs batches (a DataLoader over EncodedPairs passes a RowBatch).")
        return self._pad_rows(batch.data, batch.rows)

    def _pad_rows(self, data: EncodedPairs, rows: np.ndarray) -> dict[str, torch.Tensor]:
        """Token ids, types and mask padded to the batch's width, plus labels, indices, weights and teacher logits."""
        starts = data.offsets[rows]
        lengths = data.offsets[rows + 1] - starts
        longest = int(lengths.max()) if len(rows) else 0
        width = self.fixed_length or -(-longest // self.multiple) * self.multiple
        if longest > width:
            raise ValueError(f"a pair of {longest} tokens does not fit pad_to_length={width}")
        pos = np.arange(width)
        mask = pos[None, :] < lengths[:, None]
        where = np.where(mask, starts[:, None] + pos[None, :], 0)
        batch = {"input_ids": torch.from_numpy(np.where(mask, data.ids[where], self.pad_id).astype(np.int64)),
                 "token_type_ids": torch.from_numpy(np.where(mask, data.types[where], 0).astype(np.int64)),
                 "attention_mask": torch.from_numpy(mask.astype(np.int64)),
                 "labels": torch.from_numpy(data.labels[rows].astype(np.int64)),
                 "example_index": torch.from_numpy(rows.copy())}
        if data.weights is not None:
            batch["example_weight"] = torch.from_numpy(np.asarray(data.weights[rows], dtype=np.float32))
        if data.teacher_logits is not None:
            batch["teacher_logits"] = torch.from_numpy(np.asarray(data.teacher_logits[rows], dtype=np.float32))
        return batch

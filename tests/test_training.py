"""Training records every example exactly once per logging point, in both dynamics modes, with a real Trainer."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbutils.train import dynamics as dyn
from nbutils.data.demo import make_demo
from nbutils.data.encode import encode_pairs
from nbutils.errors import WorkbookError
from nbutils.train.config import TrainConfig
from nbutils.train.models import load_model_and_tokenizer
from nbutils.train.trainer import train


@pytest.fixture(scope="module")
def demo():
    d = make_demo(n_train=300, n_validation=60, seed=1)
    texts = pd.concat([d["train"]["premise"], d["train"]["hypothesis"]]).tolist()
    return d, texts


@pytest.mark.parametrize("mode,logs,points", [("in_training", 1, 2), ("eval_pass", 2, 4)])
def test_every_example_once_per_point(tmp_path, demo, mode, logs, points):
    d, texts = demo
    model, tok = load_model_and_tokenizer("random:tiny", train_texts=texts, max_length=48)
    data = encode_pairs(tok, d["train"], 48)
    cfg = TrainConfig(epochs=2, batch_size=32, learning_rate=1e-3, dynamics_mode=mode, logs_per_epoch=logs,
                      progress_bar=False, save_checkpoints=False)
    trainer, summary = train(model, tok, cfg, data, d["train"]["example_id"].to_numpy(dtype=object),
                             output_dir=tmp_path / "ck", dynamics_folder=tmp_path / "dyn", selection=encode_pairs(tok, d["validation"], 48))
    records = dyn.read_records(tmp_path / "dyn")
    raw = pd.concat(pd.read_parquet(p) for p in (tmp_path / "dyn").glob("*.parquet"))
    assert len(raw) == len(records) == points * 300, "one record per example per point, none repeated"
    m = dyn.read_matrix(tmp_path / "dyn")
    assert m.n_points == points and set(m.example_ids) == set(d["train"]["example_id"])
    assert np.allclose(m.epochs, np.arange(1, points + 1) / logs)
    gold = d["train"].set_index("example_id").loc[m.example_ids, "gold_label"].to_numpy()
    assert (m.gold_label == gold).all() and ((m.gold_prob > 0) & (m.gold_prob < 1)).all()
    assert len(summary["epochs"]) == 2 and "selection_accuracy" in summary["epochs"][-1]
    if mode == "eval_pass":  # the last point is the final model; batches went longest first, records are by id
        last = raw[raw["epoch"] == raw["epoch"].max()].set_index("example_id").loc[d["train"]["example_id"]]
        assert np.allclose(np.stack(last["logits"].to_numpy()), _one_by_one_logits(trainer.model, data), atol=1e-4)


def _one_by_one_logits(model, data) -> np.ndarray:
    """Each pair's logits from its own unpadded forward pass, in dataset order."""
    import torch
    model.eval()
    with torch.no_grad():
        return np.stack([model(input_ids=torch.as_tensor(data[i]["input_ids"])[None].long(),
                               token_type_ids=torch.as_tensor(data[i]["token_type_ids"])[None].long()).logits[0].numpy()
                         for i in range(len(data))])


def test_predictions_come_back_in_table_order(demo):
    """predict batches the pairs longest first and still returns row i for pair i, equal to unbatched logits."""
    from nbutils.compare.predict import PROB_COLUMNS, predict
    from nbutils.train.dynamics import softmax
    from nbutils.train.trainer import eval_order
    d, texts = demo
    model, tok = load_model_and_tokenizer("random:tiny", train_texts=texts, max_length=48, seed=3)
    table = d["validation"]
    data = encode_pairs(tok, table, 48)
    order = eval_order(data)
    assert order != sorted(order) and (np.diff(data.lengths[order]) <= 0).all(), "the sampler goes longest first"
    pred = predict(model, tok, table, 48, batch_size=16)
    assert pred["example_id"].tolist() == table["example_id"].tolist()
    assert np.allclose(pred[PROB_COLUMNS].to_numpy(), softmax(_one_by_one_logits(model, data).astype(np.float64)), atol=1e-5)


def test_in_training_mode_has_one_point_per_epoch():
    with pytest.raises(WorkbookError, match="eval_pass"):
        TrainConfig(dynamics_mode="in_training", logs_per_epoch=2)
    with pytest.raises(WorkbookError, match="pad_multiple must be at least 1"):
        TrainConfig(pad_multiple=0)


def test_weights_reach_the_loss(demo, tmp_path):
    """Doubling one example's weight doubles its gradient contribution: checked on the real Trainer loss."""
    import torch
    from transformers import TrainingArguments
    from nbutils.data.encode import PadCollator
    from nbutils.train.trainer import DynamicsTrainer
    d, texts = demo
    model, tok = load_model_and_tokenizer("random:tiny", train_texts=texts, max_length=48)
    data = encode_pairs(tok, d["train"].head(4), 48)
    trainer = DynamicsTrainer(model=model, args=TrainingArguments(output_dir=str(tmp_path), report_to="none", use_cpu=True))
    batch = PadCollator()(data.with_weights(np.array([1, 1, 1, 1], np.float32)).__getitems__([0, 1, 2, 3]))
    heavy = PadCollator()(data.with_weights(np.array([3, 1, 1, 1], np.float32)).__getitems__([0, 1, 2, 3]))
    one = PadCollator()(data.__getitems__([0]))
    model.eval()
    losses = [trainer.compute_loss(model, dict(b)) for b in (batch, heavy, one)]
    # mean of 4 losses; raising example 0's weight to 3 adds 2 * loss_0 / 4
    assert torch.isclose(losses[1], losses[0] + 2 * losses[2] / 4, atol=1e-5)


def test_padded_batches_hold_each_items_tokens(demo):
    """The collator's batch (built by fancy indexing) holds every item's tokens, then padding, in the order asked."""
    import torch
    from nbutils.data.encode import PadCollator
    d, texts = demo
    _, tok = load_model_and_tokenizer("random:tiny", train_texts=texts, max_length=48)
    data = encode_pairs(tok, d["train"].head(50), 48).with_weights(np.linspace(0.5, 2, 50).astype(np.float32))
    rows = [7, 3, 49, 0, 21]
    longest = max(len(data[i]["input_ids"]) for i in rows)
    for collate, width in ((PadCollator(pad_id=5), longest), (PadCollator(multiple=8), -(-longest // 8) * 8),
                           (PadCollator(fixed_length=64), 64)):
        batch = collate(data.__getitems__(rows))
        assert batch["input_ids"].shape[1] == width
        for r, i in enumerate(rows):
            item, n = data[i], len(data[i]["input_ids"])
            assert batch["input_ids"][r, :n].tolist() == item["input_ids"].tolist()
            assert batch["token_type_ids"][r, :n].tolist() == item["token_type_ids"].tolist()
            assert (batch["input_ids"][r, n:] == collate.pad_id).all() and batch["attention_mask"][r].sum() == n
            assert batch["labels"][r] == item["labels"] and batch["example_index"][r] == i
            assert batch["example_weight"][r] == pytest.approx(item["example_weight"])
    loader = torch.utils.data.DataLoader(data, batch_size=16, collate_fn=PadCollator())
    assert torch.equal(torch.cat([b["example_index"] for b in loader]), torch.arange(50))


@pytest.mark.slow
@pytest.mark.xdist_group("torchrun")   # torchrun's rendezvous port is 29500: one at a time
def test_two_processes_record_each_example_exactly_once(tmp_path):
    """torchrun with 2 CPU processes (gloo DDP): padded repeats are dropped, ids match a 1-process run."""
    import os
    import subprocess
    import sys

    from nbutils.paths import PROJECT_ROOT
    env = {**os.environ, "NBUTILS_OUTPUTS": str(tmp_path)}
    base = ["-m", "nbutils", "train", "--profile", "demo", "-p", "demo_train_size=203", "-p", "selection_pairs=0", "-p", "epochs=2", "-p", "batch_size=16"]
    for name, launcher in (("one", [sys.executable]),
                           ("two", [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2"])):
        p = subprocess.run([*launcher, *base, "--run-name", name], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr[-3000:]
    two = tmp_path / "two" / "dynamics"
    assert sorted(f.name for f in two.glob("*.parquet")) == [f"point_000{p}.rank{r}.parquet" for p in (0, 1) for r in (0, 1)]
    raw = pd.concat(pd.read_parquet(f) for f in two.glob("*.parquet"))
    assert len(raw) > 2 * 203, "the distributed sampler padded with repeats"
    records = dyn.read_records(two)
    single = dyn.read_records(tmp_path / "one" / "dynamics")
    assert len(records) == len(single) == 2 * 203
    assert sorted(zip(records["example_id"], records["point"])) == sorted(zip(single["example_id"], single["point"]))


@pytest.mark.slow
@pytest.mark.xdist_group("torchrun")   # torchrun's rendezvous port is 29500: one at a time
def test_two_processes_eval_pass_matches_the_saved_model(tmp_path):
    """eval_pass under 2 gloo processes: each pair's last-point logits are the final model's own logits for it."""
    import os
    import subprocess
    import sys

    from nbutils.paths import PROJECT_ROOT
    env = {**os.environ, "NBUTILS_OUTPUTS": str(tmp_path)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "-m", "nbutils", "train", "--profile", "demo",
           "-p", "demo_train_size=203", "-p", "selection_pairs=0", "-p", "epochs=1", "-p", "batch_size=16", "-p", "dynamics_mode=eval_pass", "--run-name", "ep"]
    p = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    records = dyn.read_records(tmp_path / "ep" / "dynamics").set_index("example_id")
    table = pd.read_parquet(tmp_path / "ep" / "data" / "train.parquet")
    assert len(records) == len(table) == 203 and records.index.is_unique
    model, tok = load_model_and_tokenizer(str(tmp_path / "ep" / "model"))
    logged = np.stack(records.loc[table["example_id"], "logits"].to_numpy())
    assert np.allclose(logged, _one_by_one_logits(model, encode_pairs(tok, table, 128)), atol=1e-4)

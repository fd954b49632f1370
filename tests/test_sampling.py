"""The region-balanced batch sampler, checked on the batches it really yields, the last one included."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nbutils.retrain.sampler import RegionBalancedBatchSampler


def test_every_batch_mixes_regions_in_the_sets_proportions():
    regions = np.array(["ambiguous"] * 500 + ["hard-to-learn"] * 250 + ["easy-to-learn"] * 253)
    sampler = RegionBalancedBatchSampler(regions, batch_size=32, seed=1)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 32
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(regions))), "every pair exactly once per epoch"
    for b in batches:
        for region, share in (("ambiguous", 500 / 1003), ("hard-to-learn", 250 / 1003), ("easy-to-learn", 253 / 1003)):
            assert abs((regions[b] == region).sum() - share * len(b)) < 2, (len(b), region)
    assert len(batches[-1]) == 1003 - 31 * 32
    assert list(sampler)[0] != batches[0], "a new order each epoch"


def test_retrain_trainer_uses_it(tmp_path):
    import pandas as pd
    from nbutils.data.demo import make_demo
    from nbutils.data.encode import encode_pairs
    from nbutils.train.config import TrainConfig
    from nbutils.train.models import load_model_and_tokenizer
    from nbutils.train.trainer import build_trainer
    d = make_demo(n_train=200, n_validation=30, seed=2)["train"]
    regions = np.array(["ambiguous"] * 100 + ["hard-to-learn"] * 50 + ["easy-to-learn"] * 50)
    model, tok = load_model_and_tokenizer("random:tiny", train_texts=pd.concat([d["premise"], d["hypothesis"]]).tolist())
    trainer = build_trainer(model, tok, TrainConfig(batch_size=16, progress_bar=False, save_checkpoints=False),
                            encode_pairs(tok, d, 48), d["example_id"].to_numpy(dtype=object), tmp_path, None,
                            batch_sampler=RegionBalancedBatchSampler(regions, 16, seed=0))
    for batch in trainer.get_train_dataloader():
        r = regions[batch["example_index"].numpy()]
        assert abs((r == "ambiguous").sum() - len(r) / 2) < 2 and abs((r == "hard-to-learn").sum() - len(r) / 4) < 2


def test_any_region_sizes_give_every_index_once_and_batches_of_the_right_size():
    """Random region sizes, tiny regions included (e.g. 300, 2, 150 at batch 32 used to repeat pairs)."""
    rng = np.random.default_rng(0)
    cases = [(300, 2, 150), (1, 1, 1), (0, 5, 0), (97, 3, 1)] + [tuple(rng.integers(0, 400, 3)) for _ in range(40)]
    for sizes in cases:
        regions = np.array([r for r, n in zip(("ambiguous", "hard-to-learn", "easy-to-learn"), sizes) for _ in range(n)])
        if not len(regions):
            continue
        for batch_size in (1, 7, 32):
            sampler = RegionBalancedBatchSampler(regions, batch_size, seed=int(sum(sizes)))
            for _ in range(2):   # two epochs
                batches = list(sampler)
                flat = [i for b in batches for i in b]
                assert sorted(flat) == list(range(len(regions))), (sizes, batch_size)
                assert [len(b) for b in batches[:-1]] == [batch_size] * (len(batches) - 1) and 0 < len(batches[-1]) <= batch_size
                for b in batches:
                    for region, n in zip(("ambiguous", "hard-to-learn", "easy-to-learn"), sizes):
                        assert abs((regions[b] == region).sum() - n / len(regions) * len(b)) < 2, (sizes, batch_size, region)


def test_the_notebooks_preview_shows_each_batch_once_however_few():
    """Notebook 04 shows the first three and last two batches; a set of two batches (300 pairs, batch 256) is shown whole."""
    from nbutils.retrain.sampler import batch_composition, first_and_last
    mix = pd.DataFrame({"region": ["ambiguous"] * 150 + ["hard-to-learn"] * 75 + ["easy-to-learn"] * 75})
    two = batch_composition(mix, 256)
    assert len(two) == 2 and first_and_last(two).index.tolist() == [0, 1]
    many = batch_composition(mix, 16)
    assert first_and_last(many).index.tolist() == [0, 1, 2, len(many) - 2, len(many) - 1]
    assert first_and_last(many).sum().sum() == 3 * 16 + many.iloc[-2:].sum().sum()

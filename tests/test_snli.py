"""Loading pairs: real SNLI counts, column and label mapping, drops counted, bad input named by file and line."""
from __future__ import annotations

import gzip

import pytest

from nbutils.errors import WorkbookError
from nbutils.data.pairs import load_pairs, pair_id


def test_real_validation_split_counts(shared_data):
    table, report = load_pairs(str(shared_data / "snli_validation/snli_validation.jsonl.gz"))
    assert len(table) == 9842 and report.dropped == {}
    assert table["gold_label"].value_counts().sort_index().tolist() == [3329, 3235, 3278]
    assert table["example_id"].is_unique and table["example_id"].iloc[0].endswith(("e", "n", "c"))
    as_path, _ = load_pairs(shared_data / "snli_validation/snli_validation.jsonl.gz")   # a Path works as well as a str
    assert as_path.equals(table)


def test_counterfactual_contrast_set_keeps_provenance(shared_data):
    table, _ = load_pairs(str(shared_data / "counterfactual_snli/dev.jsonl"))
    assert table["perturbation"].value_counts().to_dict() == {"revised_premise": 400, "revised_hypothesis": 400, "original": 200}
    assert table["original_id"].notna().all()


def test_limit_is_label_stratified_and_seeded(shared_data):
    path = str(shared_data / "snli_validation/snli_validation.jsonl.gz")
    a, rep = load_pairs(path, limit=300, seed=1)
    b, _ = load_pairs(path, limit=300, seed=1)
    assert len(a) == 300 and a["example_id"].tolist() == b["example_id"].tolist()
    assert a["gold_label"].value_counts().max() - a["gold_label"].value_counts().min() <= 3
    assert rep.dropped["not sampled (limit=300)"] == 9842 - 300


def test_snli_release_tsv_with_unlabelled_rows(tmp_path):
    p = tmp_path / "snli_1.0_dev.txt"
    p.write_text("gold_label\tsentence1\tsentence2\tpairID\n"
                 "entailment\tA man runs.\tA person moves.\tx1\n"
                 "-\tA dog sleeps.\tAn animal rests.\tx2\n"
                 "contradiction\tA cat eats.\tNobody eats.\tx3\n")
    table, report = load_pairs(str(p))
    assert table["example_id"].tolist() == ["x1", "x3"] and table["gold_label"].tolist() == [0, 2]
    assert report.dropped == {"no gold label (-1 or '-')": 1}


def test_csv_with_quoted_newline_and_content_ids(tmp_path):
    p = tmp_path / "pairs.csv"
    p.write_text('premise,hypothesis,label\n"A man\nruns.",A person moves.,entailment\nA cat.,A dog.,2\n')
    table, _ = load_pairs(str(p))
    assert len(table) == 2 and table.loc[0, "premise"] == "A man\nruns."
    assert table.loc[1, "example_id"] == pair_id("A cat.", "A dog.")


def test_gzip_jsonl_with_hf_minus_one(tmp_path):
    p = tmp_path / "train.jsonl.gz"
    with gzip.open(p, "wt") as f:
        f.write('{"premise": "A", "hypothesis": "B", "label": 1}\n{"premise": "C", "hypothesis": "D", "label": -1}\n')
    table, report = load_pairs(str(p))
    assert len(table) == 1 and report.rows_read == 2 and sum(report.dropped.values()) == 1


@pytest.mark.parametrize("content,match", [
    ('{"premise": "A", "hypothesis": "B", "label": 0}\n{"premise": "A", oops}\n', r"line 2: not valid JSON"),
    ('{"sentence1": "A", "hypothesis": "B"}\n', r"missing column\(s\) \['gold_label'\]; found \['sentence1', 'hypothesis'\]"),
    ('{"premise": "A", "hypothesis": "B", "label": "maybe"}\n', r"unknown label 'maybe'"),
    ('{"premise": "A", "hypothesis": " ", "label": 0}\n', r"empty hypothesis"),
    ('{"id": "x", "premise": "A", "hypothesis": "B", "label": 0}\n{"id": "x", "premise": "A", "hypothesis": "C", "label": 0}\n',
     r"id 'x' appears with different content"),
    ("", r"the file is empty"),
])
def test_bad_input_names_file_and_problem(tmp_path, content, match):
    p = tmp_path / "bad.jsonl"
    p.write_text(content)
    with pytest.raises(WorkbookError, match=match) as err:
        load_pairs(str(p))
    assert str(p) in str(err.value)


def test_non_utf8_byte_names_the_line(tmp_path):
    p = tmp_path / "latin1.jsonl"
    p.write_bytes(b'{"premise": "A", "hypothesis": "B", "label": 0}\n{"premise": "caf\xe9", "hypothesis": "B", "label": 0}\n')
    with pytest.raises(WorkbookError, match=r"line 2: bytes that are not UTF-8"):
        load_pairs(str(p))


def test_missing_file(tmp_path):
    with pytest.raises(WorkbookError, match="file not found"):
        load_pairs(str(tmp_path / "nope.jsonl"))


def test_column_map_and_tokenized_cache(tmp_path, monkeypatch):
    import nbutils.paths as paths
    from nbutils.data.encode import encode_pairs, encode_pairs_cached
    from nbutils.data.tokenizers import build_wordpiece_tokenizer
    p = tmp_path / "pairs.tsv"
    p.write_text("s1\ts2\ty\tuid\nA man runs.\tA person moves.\tentailment\tu1\nA cat eats.\tNobody eats.\tcontradiction\tu2\n")
    table, _ = load_pairs(str(p), columns={"premise": "s1", "hypothesis": "s2", "gold_label": "y", "example_id": "uid"})
    assert table["example_id"].tolist() == ["u1", "u2"] and table["gold_label"].tolist() == [0, 2]
    with pytest.raises(WorkbookError, match=r"column map names \['nope'\]"):
        load_pairs(str(p), columns={"premise": "nope"})
    monkeypatch.setattr(paths, "CACHE_DIR", tmp_path / "cache")
    tok = build_wordpiece_tokenizer(table["premise"].tolist() + table["hypothesis"].tolist())
    first = encode_pairs_cached(tok, table, 32)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1
    again = encode_pairs_cached(tok, table, 32)
    plain = encode_pairs(tok, table, 32)
    assert (again.ids == plain.ids).all() and (again.offsets == first.offsets).all()
    changed = table.assign(hypothesis=["A person walks.", "Nobody eats."])
    encode_pairs_cached(tok, changed, 32)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 2, "a changed source is tokenized again"

"""Contrast sets: WordNet offline, each rewrite rule and its guard, the generator on real validation pairs, bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from nbutils.contrast import rewrites as rw
from nbutils.errors import WorkbookError
from nbutils.contrast.wordnet import lexnames_text, load_wordnet


@pytest.fixture(scope="module")
def wn():
    return load_wordnet()


def test_lexnames_file_is_written_from_the_manual_page():
    lines = lexnames_text().splitlines()
    assert len(lines) == 45
    assert lines[0] == "00\tadj.all\t3" and lines[3] == "03\tnoun.Tops\t1" and lines[29] == "29\tverb.body\t2"
    assert lines[44] == "44\tadj.ppl\t3"


def test_wordnet_reads_debians_database(wn):
    assert wn.get_version() == "3.0"
    assert wn.morphy("dogs", "n") == "dog"
    assert "short" in [a.name() for a in wn.synsets("tall", "a")[0].lemmas()[0].antonyms()]


def test_missing_wordnet_is_one_message_with_the_fix(monkeypatch, tmp_path):
    import nltk
    from nbutils.contrast import wordnet
    monkeypatch.setattr(wordnet, "DEBIAN_DIR", tmp_path / "none")
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "none")])
    wordnet.load_wordnet.cache_clear()
    try:
        with pytest.raises(WorkbookError, match="apt-get install wordnet-base"):
            wordnet.load_wordnet()
    finally:
        wordnet.load_wordnet.cache_clear()


def test_preflight_checks_wordnet_when_a_run_needs_it(monkeypatch, tmp_path):
    import nltk
    from nbutils.contrast import wordnet
    from nbutils.run.preflight import check_inputs
    check_inputs({"contrast_files": ["generated"], "augment_count": 10})  # WordNet is installed here: both pass
    monkeypatch.setattr(wordnet, "DEBIAN_DIR", tmp_path / "none")
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "none")])
    wordnet.load_wordnet.cache_clear()
    try:
        check_inputs({"contrast_files": [], "augment_count": 10, "augment_rules": ["there-insertion"]})  # no WordNet needed
        for params in ({"contrast_files": ["generated"]}, {"augment_count": 10}):
            with pytest.raises(WorkbookError, match="WordNet 3.0 is not installed"):
                check_inputs(params)
    finally:
        wordnet.load_wordnet.cache_clear()


def test_label_keeping_rules():
    assert rw.there_insertion("p", "A dog is running in the park.", 0).hypothesis == "There is a dog running in the park."
    assert rw.there_insertion("p", "Two dogs are running.", 1).hypothesis == "There are two dogs running."
    assert rw.there_insertion("p", "A dog runs.", 1) is None          # no is + -ing: rule does not apply
    assert rw.there_insertion("p", "A dog are running.", 1) is None    # number disagreement: left alone
    assert rw.adverb_fronting("p", "The children are playing outside.", 2).hypothesis == "Outside, the children are playing."
    assert rw.adverb_fronting("p", "John is playing outside.", 2) is None  # a name would be lower-cased: skipped
    swap = rw.coordination_swap("p", "A man and a woman are dancing.", 0)
    assert swap.hypothesis == "A woman and a man are dancing." and swap.label == 0
    assert rw.coordination_swap("p", "A man and a man's dog.", 0) is None


def test_synonym_keeps_the_label_and_edits_both_sentences_alike(wn):
    edit = rw.synonym("A child plays with a big dog.", "A child is playing.", 0, wn)
    assert (edit.premise, edit.hypothesis, edit.label, edit.rule) == ("A kid plays with a big dog.", "A kid is playing.", 0, "synonym:child->kid")
    assert rw.synonym("A man from the middle east.", "An old middle eastern man.", 1, wn) is None  # compound 'middle east'
    assert rw.dominant_synonym("men", "n", wn) is None      # irregular plural: would need re-inflecting
    assert rw.dominant_synonym("selling", "n", wn) is None  # verb form
    assert rw.dominant_synonym("group", "n", wn) is None    # 'grouping' is too rare a lemma to stand in
    assert rw._replace_word("He saw a building.", "building", "edifice") == "He saw an edifice."


def test_semantic_shift_rules_set_the_new_label(wn):
    assert rw.negation("p", "A man is sleeping.", 0) == rw.Rewrite("p", "A man is not sleeping.", 2, "negation-insertion")
    assert rw.negation("p", "A man is not sleeping.", 1) == rw.Rewrite("p", "A man is sleeping.", 1, "negation-removal")
    assert rw.negation("p", "A man is sleeping.", 2) is None  # contradictions are left alone
    assert rw.negation("p", "Nobody is sleeping.", 0) is None
    assert rw.antonym("p", "A tall man is walking.", 0, wn) == rw.Rewrite("p", "A short man is walking.", 2, "antonym:tall->short")
    assert rw.antonym("p", "A tall man is walking.", 1, wn) is None


def test_generator_makes_600_pairs_with_provenance_from_validation(shared_data, wn, tmp_path):
    from nbutils.contrast.generator import KINDS, generate, write_jsonl
    from nbutils.data.pairs import load_pairs
    validation, _ = load_pairs(str(shared_data / "snli_validation/snli_validation.jsonl.gz"))
    table, report = generate(validation, 600, seed=7, wn=wn)
    assert len(table) == 600 and report["per_kind"] == {k: 200 for k in KINDS} and "short" not in report
    assert table["example_id"].is_unique and table["generated"].all()
    originals = validation.set_index("example_id").loc[table["original_id"]]
    kept = table["perturbation"] != "semantic_shift"
    assert (table["gold_label"][kept].to_numpy() == originals["gold_label"][kept.to_numpy()].to_numpy()).all()
    shift = table[~kept]
    assert set(zip(shift["original_label"], shift["gold_label"])) <= {(0, 2), (1, 1)}
    changed = (table["premise"].to_numpy() != originals["premise"].to_numpy()) | (table["hypothesis"].to_numpy() != originals["hypothesis"].to_numpy())
    assert changed.all()
    back, rep = load_pairs(str(write_jsonl(table, tmp_path / "gen.jsonl")))
    assert rep.kept == 600 and back[["original_id", "perturbation", "rule"]].equals(table[["original_id", "perturbation", "rule"]])
    assert generate(validation, 600, seed=7, wn=wn)[0].equals(table)  # seeded


def test_generator_reports_a_shortfall(wn):
    tiny = pd.DataFrame({"example_id": ["a", "b"], "premise": ["A dog runs.", "A cat sits."],
                         "hypothesis": ["A dog is running.", "An animal is outside."], "gold_label": [0, 1]})
    from nbutils.contrast.generator import generate
    table, report = generate(tiny, 30, wn=wn)
    assert report["short"] and sum(report["short"].values()) == 30 - len(table)


def test_contrast_cli_writes_a_reviewable_file(shared_data, tmp_path):
    out = tmp_path / "gen.jsonl"
    r = subprocess.run([sys.executable, "-m", "nbutils", "contrast", "--from", str(shared_data / "snli_validation/snli_validation.jsonl.gz"),
                        "--size", "60", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 60 and {"id", "original_id", "perturbation", "rule", "label", "generated"} <= rows[0].keys()
    assert "wrote 60 generated pairs" in r.stdout


def test_a_run_can_name_generated_as_a_contrast_set(outputs):
    from nbutils.data import splits, stage
    loaded = stage.run_stage("gen", train_file="demo", validation_file="demo", contrast_files=["generated"],
                             demo_train_size=400, generated_contrast_size=30, selection_pairs=100)
    table = splits.read_contrasts("gen")["generated_contrast"]
    report = loaded["reports"]["contrast:generated_contrast"]
    assert report["kept"] == len(table) and report["kept"] + sum(report["dropped"].values()) == 30
    assert table["original_id"].isin(set(loaded["splits"]["validation"]["example_id"])).all()
    review = (outputs / "gen" / "data" / "contrast" / "generated_contrast.jsonl").read_text().splitlines()
    assert len(review) == len(table)

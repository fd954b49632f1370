"""`python -m nbutils sweep`: one setup over several seeds, each seed its own run, then one report across them.

`outputs/<sweep>/sweep.json`: profile, seeds, parameters given, and per seed: run (its folder under outputs/), status
(ok | failed | pending) and error. `outputs/<sweep>/across_seeds.csv`: each effect across the finished seeds
(nbutils.compare.replicates.seed_effects). `outputs/<sweep>/index.html`: that table, linking every run's report.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import paths
from ..compare.replicates import seed_effects
from ..errors import WorkbookError
from . import profiles
from .pipeline import run_pipeline
from .reports import write_sweep_index

RECORD = "sweep.json"


def run_sweep(profile: str, seeds: list[int], overrides: dict, name: str = "", resume: bool = False) -> Path:
    """Run the pipeline once per seed (resume: finish failed or unfinished seeds), then aggregate; returns the sweep folder."""
    from tqdm.auto import tqdm

    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise WorkbookError(f"--seeds {seeds}: give two or more different seeds, e.g. --seeds 42,7,8.")
    name = name or f"{profile}-sweep"
    paths.check_run_name(f"{name}-s{max(seeds, key=lambda s: len(str(s)))}")
    check_setup(profile, overrides)   # a misspelt profile or a wrong value stops here, before any folder is made
    out = paths.run_dir(name)
    earlier = _load(out / RECORD) if resume else None
    record = {"sweep": name, "profile": profile, "seeds": seeds, "parameters": overrides,
              "runs": {str(s): {"run": f"{name}-s{s}", "status": "pending", "error": None} for s in seeds}}
    if earlier and earlier.get("profile") == profile and earlier.get("parameters") == overrides:
        # --resume with more seeds extends the sweep: seeds finished under the same setup are kept, not rerun
        record["runs"].update({s: e for s, e in earlier["runs"].items() if s in record["runs"]})
    _save(out / RECORD, record)
    bar = tqdm(seeds, desc=f"sweep {name}", unit="run", file=sys.stderr)
    for seed in bar:
        entry = record["runs"][str(seed)]
        bar.set_postfix_str(f"seed {seed}")
        if resume and entry["status"] == "ok":
            continue
        try:
            run_pipeline(profile, {**overrides, "seed": seed}, entry["run"], resume=resume)
            entry.update(status="ok", error=None)
        except WorkbookError as err:
            entry.update(status="failed", error=str(err).strip())
            print(f"seed {seed} failed: {entry['error']}", file=sys.stderr, flush=True)
        _save(out / RECORD, record)
    done = {s: paths.outputs_root() / e["run"] for s, e in record["runs"].items() if e["status"] == "ok"}
    table = seed_effects(done) if done else None
    if table is not None:
        table.to_csv(out / "across_seeds.csv")
    write_sweep_index(out, record, table)
    failed = [s for s, e in record["runs"].items() if e["status"] != "ok"]
    if failed:
        raise WorkbookError(f"seed(s) {', '.join(failed)} of sweep {name!r} failed (see {out / RECORD}); the {len(done)} "
                            f"finished seed(s) are aggregated in {out / 'index.html'}. Fix the cause, then rerun with --resume "
                            "to finish them.")
    return out


def check_setup(profile: str, overrides: dict) -> None:
    """The profile and parameters every seed shares, checked once (the seed itself is set per run)."""
    from .pipeline import notebook_paths
    from .preflight import check_inputs
    check_inputs(profiles.resolve(profile, overrides, notebook_paths()), profile)


def parse_seeds(text: str) -> list[int]:
    """'42,7,8' -> [42, 7, 8], one message for anything else."""
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise WorkbookError(f"--seeds {text!r}: write whole numbers separated by commas, e.g. --seeds 42,7,8.") from None


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _save(path: Path, record: dict) -> None:
    path.write_text(json.dumps(record, indent=2))

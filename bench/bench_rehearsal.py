"""The `snli` profile at full size on a CPU: the snli-rehearsal profile run at three sizes, one table per size.

    python bench/bench_rehearsal.py                          # 55,000, 183,000 and 549,367 pairs (about 40 min on 2 cores)
    python bench/bench_rehearsal.py --sizes 3000,6000 -p retrain_size=600   # a quick look
    python bench/bench_rehearsal.py --tables-only            # the tables again, from the runs already in outputs/

Each size is `python -m nbutils run --profile snli-rehearsal -p demo_train_size=N --run-name rehearsal-N` (1,000 of the
N pairs are held out for model selection, so N - 1,000 are mapped). Per size: each notebook's wall time and its
training share (notebook 02's Trainer, notebook 04's arms), each notebook kernel's peak memory, and the size of every
file a person opens; then the time per mapped pair from size to size. At the largest size, the faults (unless
--no-faults): a second start on the same run name while the first runs, then a kill inside notebook 03 and one inside
notebook 05 (SIGKILL of kernel and runner, tests/support/killpoints), each followed by --resume; notebook 02 must not
run again. Goals (issue "full size"): per-pair time of 01, 03 and 05 at the largest size <= 1.3x the smallest's;
every kernel <= 8 GiB; every report and datamap.html <= 25 MB; the non-training part <= 15 min at 549,367 pairs.
Results: bench/results/bench_rehearsal.json. The live map of the largest run in JupyterLab: bench/bench_lab_fullsize.py.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KILLPOINTS = ROOT / "tests" / "support" / "killpoints"
NOTEBOOKS = ("01_load_data", "02_train_dynamics", "03_data_map", "04_retrain", "05_compare")
SELECTION_PAIRS = 1000   # notebook 01's default, as in the snli profile
OVERRIDES: list[str] = []   # -p key=value given to the bench, passed to every run
GOALS = {"ratio": 1.3, "peak_mib": 8 * 1024, "file_mb": 25.0, "non_training_s": 15 * 60}


def run_name(size: int) -> str:
    return f"rehearsal-{size}"


def start(outputs: Path, size: int, *extra: str, kill_at: str = "") -> subprocess.Popen:
    """The pipeline at one size, as a user starts it; with kill_at, the kernel kills itself and the runner there."""
    env = {**os.environ, "NBUTILS_OUTPUTS": str(outputs)}
    if kill_at:
        env.update(NBUTILS_KILL_AT=kill_at, NBUTILS_KILL_MARKER=str(outputs / f"{run_name(size)}.killed"),
                   PYTHONPATH=os.pathsep.join([str(KILLPOINTS), env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    cmd = [*command(size), *extra]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def command(size: int) -> list[str]:
    overrides = [a for kv in OVERRIDES for a in ("-p", kv)]
    return [sys.executable, "-m", "nbutils", "run", "--profile", "snli-rehearsal", "-p", f"demo_train_size={size}", *overrides,
            "--run-name", run_name(size)]


def finish(proc: subprocess.Popen, what: str) -> int:
    """Wait for a run, echoing its notebook lines; returns its exit status."""
    for line in proc.stdout:
        if line.startswith("[") or line.startswith("error"):
            print(f"  {what}: {line.rstrip()}", flush=True)
    return proc.wait()


def manifest(outputs: Path, size: int) -> dict:
    return json.loads((outputs / run_name(size) / "manifest.json").read_text())


def second_start(outputs: Path, size: int, first: subprocess.Popen) -> dict:
    """Start the same run again while the first holds its lock: it must stop at once and name the first."""
    owner = outputs / run_name(size) / ".lock.owner"
    while not owner.exists() and first.poll() is None:
        time.sleep(0.5)
    t0 = time.perf_counter()
    second = subprocess.run(command(size), cwd=ROOT, env={**os.environ, "NBUTILS_OUTPUTS": str(outputs)},
                            capture_output=True, text=True)
    message = (second.stderr.strip().splitlines() or [""])[-1]
    return {"exit": second.returncode, "seconds": round(time.perf_counter() - t0, 1), "message": message,
            "refused": second.returncode != 0 and f"pid {first.pid}" in message}


def run_with_faults(outputs: Path, size: int) -> dict:
    """Kill in 03, resume; kill in 05, resume; notebook 02 must be the first attempt's throughout."""
    first = start(outputs, size, kill_at="03")
    faults = {"second_start": second_start(outputs, size, first)}
    print(f"  second start: {faults['second_start']}", flush=True)
    killed_03 = finish(first, "killed in 03")
    trained = manifest(outputs, size)["notebooks"]["02_train_dynamics"]
    killed_05 = finish(start(outputs, size, "--resume", kill_at="05"), "resume, killed in 05")
    last = finish(start(outputs, size, "--resume"), "resume")
    after = manifest(outputs, size)["notebooks"]["02_train_dynamics"]
    faults.update(killed_in_03=killed_03 == -9, killed_in_05=killed_05 == -9, resumed=last == 0,
                  notebook_02_not_rerun=after.get("started") == trained.get("started") and after.get("status") == "ok")
    return faults


def sizes_of_files(run: Path) -> dict[str, float]:
    """MB of every file the run writes that a person opens."""
    files = [*(run / "reports" / f"{nb}.html" for nb in NOTEBOOKS), run / "index.html", run / "figures" / "datamap.html"]
    return {str(f.relative_to(run)): round(f.stat().st_size / 1e6, 2) for f in files if f.exists()}


def training_seconds(run: Path) -> dict[str, float]:
    """Seconds spent in training: notebook 02's Trainer and notebook 04's arms (each arm's training)."""
    out = {nb: 0.0 for nb in NOTEBOOKS}
    summary = run / "train_summary.json"
    if summary.exists():
        out["02_train_dynamics"] = float(json.loads(summary.read_text())["seconds"])
    arms = run / "retrain_summary.json"
    if arms.exists():
        out["04_retrain"] = sum(float(a.get("seconds", 0.0)) for a in json.loads(arms.read_text()).get("arms", {}).values())
    return out


def measure(outputs: Path, size: int) -> dict:
    run = outputs / run_name(size)
    entries = manifest(outputs, size)["notebooks"]
    training = training_seconds(run)
    notebooks = {nb: {"wall_s": round(float(entries[nb]["seconds"]), 1), "training_s": round(training[nb], 1),
                      "peak_mib": round(float(entries[nb].get("peak_memory_mb", float("nan"))))} for nb in NOTEBOOKS}
    return {"pairs": size, "mapped": size - SELECTION_PAIRS, "notebooks": notebooks, "files_mb": sizes_of_files(run),
            "non_training_s": round(sum(n["wall_s"] - n["training_s"] for n in notebooks.values()), 1)}


def print_size(m: dict) -> None:
    print(f"\n### {m['pairs']:,} pairs ({m['mapped']:,} mapped)\n")
    print("| notebook | wall (s) | training (s) | other (s) | ms per 1,000 mapped pairs | kernel peak (MiB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for nb, n in m["notebooks"].items():
        print(f"| {nb} | {n['wall_s']:.1f} | {n['training_s']:.1f} | {n['wall_s'] - n['training_s']:.1f} | "
              f"{1e6 * n['wall_s'] / m['mapped']:.0f} | {n['peak_mib']:,} |")
    total = sum(n["wall_s"] for n in m["notebooks"].values())
    print(f"| all | {total:.1f} | {total - m['non_training_s']:.1f} | {m['non_training_s']:.1f} | {1e6 * total / m['mapped']:.0f} | "
          f"{max(n['peak_mib'] for n in m['notebooks'].values()):,} |")
    print("\n| file | MB |\n| --- | ---: |")
    for name, mb in m["files_mb"].items():
        print(f"| {name} | {mb:.2f} |")


def print_scaling(results: list[dict]) -> dict:
    """Time per mapped pair of each notebook (all of it, and the non-training part), as a ratio to the smallest size."""
    base = results[0]
    print(f"\n### Time per mapped pair, as a ratio to {base['pairs']:,} pairs\n")
    print("| notebook | " + " | ".join(f"{r['pairs']:,}: all / non-training" for r in results[1:]) + " |")
    print("| --- |" + " ---: |" * (len(results) - 1))
    ratios = {}
    for nb in NOTEBOOKS:
        cells = []
        for r in results[1:]:
            per = lambda m, key: (m["notebooks"][nb]["wall_s"] - (m["notebooks"][nb]["training_s"] if key else 0)) / m["mapped"]  # noqa: E731
            whole, other = per(r, False) / per(base, False), per(r, True) / per(base, True)
            cells.append(f"{whole:.2f} / {other:.2f}")
            ratios[nb] = whole
        print(f"| {nb} | " + " | ".join(cells) + " |")
    return ratios


def verdicts(results: list[dict], ratios: dict, faults: dict | None) -> list[str]:
    top = results[-1]
    lines = [f"per-pair time of {nb} at {top['pairs']:,}: {ratios[nb]:.2f}x (goal <= {GOALS['ratio']})"
             for nb in ("01_load_data", "03_data_map", "05_compare") if nb in ratios]
    peak = max(n["peak_mib"] for n in top["notebooks"].values())
    lines.append(f"largest kernel peak: {peak:,} MiB (goal <= {GOALS['peak_mib']:,})")
    biggest = max(top["files_mb"].items(), key=lambda kv: kv[1])
    lines.append(f"largest file: {biggest[0]} {biggest[1]:.1f} MB (goal <= {GOALS['file_mb']:.0f})")
    lines.append(f"non-training time: {top['non_training_s'] / 60:.1f} min (goal <= {GOALS['non_training_s'] / 60:.0f})")
    if faults:
        lines.append(f"faults: {faults}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="55000,183000,549367", help="training pairs (demo_train_size), smallest first")
    ap.add_argument("--outputs", default=str(ROOT / "outputs"), help="where the runs go (kept: bench_lab_fullsize.py opens the largest)")
    ap.add_argument("--no-faults", action="store_true", help="skip the second start and the kills at the largest size")
    ap.add_argument("--tables-only", action="store_true", help="print the tables from runs already finished")
    ap.add_argument("-p", action="append", default=[], metavar="KEY=VALUE", help="a parameter for every run (e.g. retrain_size=600)")
    args = ap.parse_args()
    OVERRIDES.extend(args.p)
    sizes, outputs = [int(s) for s in args.sizes.split(",")], Path(args.outputs)
    outputs.mkdir(parents=True, exist_ok=True)
    faults = None
    for size in sizes:
        if args.tables_only:
            continue
        print(f"running {size:,} pairs ...", flush=True)
        if size == sizes[-1] and not args.no_faults:
            faults = run_with_faults(outputs, size)
        elif finish(start(outputs, size), f"{size:,}") != 0:
            sys.exit(f"the {size:,}-pair run failed: see {outputs / run_name(size)}/notebooks/")
    results = [measure(outputs, size) for size in sizes]
    sys.path.insert(0, str(ROOT))
    from nbutils.train.trainer import device_name
    print(f"\nsnli-rehearsal on {device_name()}")
    for m in results:
        print_size(m)
    ratios = print_scaling(results) if len(results) > 1 else {}
    lines = verdicts(results, ratios, faults)
    print("\n" + "\n".join(lines))
    out = ROOT / "bench" / "results" / "bench_rehearsal.json"
    previous = json.loads(out.read_text()) if out.exists() and args.tables_only else {}
    out.write_text(json.dumps({"device": device_name(), "sizes": results, "ratios": ratios,
                               "faults": faults or previous.get("faults"), "verdicts": lines}, indent=2))


if __name__ == "__main__":
    main()

"""What a kill costs: a small demo run killed with SIGKILL at each point of tests/support/killpoints, then resumed once.

    python bench/bench_resume.py          # goals: every point resumes in one try; redone ≤ the work since the last
                                          # checkpoint or finished arm (notebooks 03 and 05 have none: all of it)

Per point: seconds the killed notebook ran before the kill, its seconds on resume and in a run never killed (same
machine, same invocation), and redone = before + resumed − never killed: the work lost to the kill, plus the restart's
own cost (a new kernel, imports, reloading the data). From the manifests and the kill's time.
"""
from __future__ import annotations

import json
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from support.kills import POINTS, manifest, redone_seconds, run  # noqa: E402


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        whole = Path(tmp) / "whole"
        whole.mkdir()
        assert run(whole, "whole").returncode == 0, "the uninterrupted run failed"
        for point in POINTS:
            out = Path(tmp) / point
            out.mkdir()
            killed = run(out, "killed", kill_at=point)
            before = manifest(out, "killed")
            resumed = run(out, "killed", "--resume")
            one_try = killed.returncode == -signal.SIGKILL and resumed.returncode == 0
            rows.append({**redone_seconds(out, "killed", whole, "whole", point, before), "one_resume_finished": one_try})
            print(rows[-1], flush=True)
    sys.path.insert(0, str(ROOT))
    from nbutils.train.trainer import device_name
    print(f"\nKill and resume on {device_name()} (demo, 1,500 pairs, 4 epochs, five arms, two rounds)\n")
    print("| kill point | notebook | ran before kill (s) | on resume (s) | never killed (s) | redone (s) | one resume finished |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        print(f"| {r['point']} | {r['notebook']} | {r['before_kill_s']} | {r['resumed_s']} | {r['uninterrupted_s']} | {r['redone_s']} | "
              f"{'yes' if r['one_resume_finished'] else 'NO'} |")
    print(f"\n{sum(r['one_resume_finished'] for r in rows)} of {len(rows)} points resumed in one try")
    (ROOT / "bench" / "results" / "bench_resume.json").write_text(json.dumps({"device": device_name(), "points": rows}, indent=2))


if __name__ == "__main__":
    main()

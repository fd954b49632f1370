"""Kill points for the resume tests: with NBUTILS_KILL_AT set, the notebook kernel kills itself and the runner with
SIGKILL at that point, as `kill -9` of both would. On PYTHONPATH only in those tests; every other process is left alone.

Points:
    02-first-epoch          notebook 02, a few training steps into the first epoch (no checkpoint yet)
    02-between-checkpoints  notebook 02, the first training step after the first complete checkpoint
    02-checkpoint-save      notebook 02, inside the second checkpoint's save: weights and optimizer written, trainer state not
    03                      notebook 03, after its stage wrote the map, before the notebook's later cells
    04-between-arms         notebook 04, as the second arm starts (the first finished and recorded)
    05                      notebook 05, at the third prediction table
"""
import os
import signal

POINT = os.environ.get("NBUTILS_KILL_AT", "")


def _kill() -> None:
    """SIGKILL the runner (the kernel's parent) and this kernel: nothing gets to clean up."""
    runner = int(os.environ["JPY_PARENT_PID"])
    marker = os.environ.get("NBUTILS_KILL_MARKER")
    if marker:
        with open(marker, "w") as f:
            f.write(POINT)
    os.kill(runner, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def _after_calls(owner, name: str, n: int, before: bool = True, when=lambda *a, **k: True) -> None:
    """Kill at the n-th call of owner.name that `when` accepts, before the call runs or after it returns."""
    original, seen = getattr(owner, name), [0]

    def wrapper(*args, **kwargs):
        if when(*args, **kwargs):
            seen[0] += 1
            if before and seen[0] == n:
                _kill()
        result = original(*args, **kwargs)
        if not before and seen[0] == n:
            _kill()
        return result
    setattr(owner, name, wrapper)


def _install() -> None:
    if POINT.startswith("02"):
        from transformers import Trainer

        from nbutils.train.trainer import DynamicsTrainer
        training = lambda self, model, *a, **k: model.training   # noqa: E731  (training steps only, not evaluation)
        if POINT == "02-first-epoch":
            _after_calls(DynamicsTrainer, "compute_loss", 5, when=training)
        elif POINT == "02-between-checkpoints":
            saved = [0]
            original = Trainer._save_checkpoint

            def save(self, *a, **k):
                original(self, *a, **k)
                saved[0] += 1
            Trainer._save_checkpoint = save
            _after_calls(DynamicsTrainer, "compute_loss", 1, when=lambda self, model, *a, **k: model.training and saved[0] >= 1)
        elif POINT == "02-checkpoint-save":
            _after_calls(Trainer, "_save_rng_state", 2)
    elif POINT == "03":
        from nbutils.map import stage
        _after_calls(stage, "run_stage", 1, before=False)
    elif POINT == "04-between-arms":
        from nbutils.retrain import stage
        _after_calls(stage, "train_arm", 2)
    elif POINT == "05":
        from nbutils.compare import stage
        _after_calls(stage, "predict", 3)


if POINT and os.environ.get("JPY_PARENT_PID"):
    _install()

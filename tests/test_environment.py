"""requirements.txt is pinned with torch first-class; environment.yml installs the same thing."""
from __future__ import annotations

import yaml

from nbutils.paths import PROJECT_ROOT


def requirements() -> dict[str, str]:
    lines = [l.split("#")[0].strip() for l in (PROJECT_ROOT / "requirements.txt").read_text().splitlines()]
    return dict(l.split("==") for l in lines if l)


def test_requirements_are_pinned_with_cpu_torch():
    req = requirements()
    assert req["torch"] == "2.13.0"
    for name in ("transformers", "datasets", "papermill", "plotly", "ipywidgets", "jupyterlab", "seaborn", "scipy", "statsmodels"):
        assert name in req, f"{name} missing from requirements.txt"


def test_environment_yml_agrees_with_requirements():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip == ["-r requirements.txt", "-e ."]

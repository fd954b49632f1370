"""Profiles (params/<name>.yaml) and -p overrides, checked against the parameters the notebooks declare."""
from __future__ import annotations

from pathlib import Path

import yaml

from .. import paths
from ..errors import WorkbookError


def available() -> list[str]:
    return sorted(p.stem for p in paths.PARAMS_DIR.glob("*.yaml"))


def load_profile(name: str) -> dict:
    """The profile's parameters; an unknown profile names the ones that exist."""
    path = paths.PARAMS_DIR / f"{name}.yaml"
    if not path.exists():
        raise WorkbookError(f"unknown profile {name!r}: choose one of {available()} (files in {paths.PARAMS_DIR}).")
    return yaml.safe_load(path.read_text()) or {}


def parse_overrides(pairs: list[str]) -> dict:
    """`key=value` strings to typed values (YAML rules: 3 → int, 0.1 → float, true → bool, [a, b] → list)."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise WorkbookError(f"-p {pair!r}: write parameters as key=value, e.g. -p epochs=3.")
        key, value = pair.split("=", 1)
        out[key.strip()] = yaml.safe_load(value) if value.strip() else ""
    return out


def declared_parameters(notebooks: list[Path]) -> dict[str, dict[str, dict]]:
    """{notebook stem: {parameter: papermill's description}} read from each notebook's parameters cell."""
    import papermill as pm
    return {nb.stem: pm.inspect_notebook(str(nb)) for nb in notebooks}


def resolve(profile: str, overrides: dict, notebooks: list[Path]) -> dict:
    """Profile values with overrides applied; unknown names and wrong types are errors."""
    params = {**load_profile(profile), **overrides}
    declared = declared_parameters(notebooks)
    known = {k: v for d in declared.values() for k, v in d.items()}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise WorkbookError(f"unknown parameter(s) {unknown}: the notebooks declare {sorted(known)}.")
    for key, value in params.items():
        params[key] = _coerce(key, value, known[key]["inferred_type_name"])
    return params


def with_defaults(params: dict, declared: dict[str, dict]) -> dict:
    """The declared defaults under the resolved parameters: a script sees what papermill would give the notebook."""
    import ast
    return {**{k: ast.literal_eval(v["default"]) for k, v in declared.items()}, **params}


def _coerce(key: str, value, type_name: str):
    kind = type_name.split("[")[0]
    casts = {"int": int, "float": float, "str": str, "bool": bool}
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind in casts and not isinstance(value, casts[kind]) or (kind == "int" and isinstance(value, bool)):
        raise WorkbookError(f"parameter {key}={value!r}: expected {type_name}.")
    if kind == "list" and not isinstance(value, list):
        raise WorkbookError(f"parameter {key}={value!r}: expected a list, e.g. -p {key}='[a, b]'.")
    return value


def for_notebook(params: dict, declared: dict) -> dict:
    """The subset of parameters a notebook declares."""
    return {k: v for k, v in params.items() if k in declared}

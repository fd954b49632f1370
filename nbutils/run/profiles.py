"""Profiles (params/<name>.yaml) and -p overrides, checked against the parameters the notebooks declare."""
from __future__ import annotations

from pathlib import Path


from .. import paths
from ..errors import WorkbookError


def available() -> list[str]:
    return sorted(p.stem for p in paths.PARAMS_DIR.glob("*.yaml"))


def load_profile(name: str) -> dict:
    """The profile's parameters; an unknown profile names the ones that exist."""
    path = paths.PARAMS_DIR / f"{name}.yaml"
    if not path.exists():
        import difflib
        near = difflib.get_close_matches(name, available(), n=1)
        raise WorkbookError(f"unknown profile {name!r}" + (f" (did you mean {near[0]!r}?)" if near else "")
                            + f": choose one of {available()} (files in {paths.shown(paths.PARAMS_DIR)}/).")
    return _plain(path.read_text(), f"{paths.shown(path)}", "fix that file") or {}


def parse_overrides(pairs: list[str]) -> dict:
    """`key=value` strings to typed values (YAML 1.2: 3 → int, 2e-5 → float, true → bool, no → 'no', [a, b] → list)."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise WorkbookError(f"-p {pair!r}: write parameters as key=value, e.g. -p epochs=3.")
        key, value = pair.split("=", 1)
        out[key.strip()] = _plain(value, f"-p {pair!r}", "write a number, a word, true/false or a [a, b] list") if value.strip() else ""
    return out


def _plain(text: str, where: str, fix: str):
    """YAML text read as plain data; a tag (!!python/...), or text that is not YAML, is one message, not a traceback."""
    from ruamel.yaml.error import YAMLError
    try:
        return _yaml().load(text)
    except YAMLError as err:
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        mark = getattr(err, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None and "\n" in text.strip() else ""
        tag = " (a tag such as !!python/... is never read: parameters are plain data)" if "tag" in problem else ""
        raise WorkbookError(f"{where}{line}: not plain YAML data ({problem}){tag}; {fix}.") from None


def declared_parameters(notebooks: list[Path]) -> dict[str, dict[str, dict]]:
    """{notebook stem: {parameter: papermill's description}} read from each notebook's parameters cell."""
    import papermill as pm
    return {nb.stem: pm.inspect_notebook(str(nb)) for nb in notebooks}


def resolve(profile: str, overrides: dict, notebooks: list[Path]) -> dict:
    """Profile values with overrides applied, checked against the schema (nbutils.run.schema) before anything runs."""
    from .schema import check, unknown_names
    params = {**load_profile(profile), **overrides}
    declared = {k: v for d in declared_parameters(notebooks).values() for k, v in d.items()}
    unknown_names(set(params), declared)
    return check(params, declared)


def with_defaults(params: dict, declared: dict[str, dict]) -> dict:
    """The declared defaults under the resolved parameters: a script sees what papermill would give the notebook."""
    import ast
    return {**{k: ast.literal_eval(v["default"]) for k, v in declared.items()}, **params}


def for_notebook(params: dict, declared: dict) -> dict:
    """The subset of parameters a notebook declares."""
    return {k: v for k, v in params.items() if k in declared}


def _yaml():
    """A YAML 1.2 reader (2e-5 is a number, `no` is a word), the plain-data subset."""
    from ruamel.yaml import YAML
    return YAML(typ="safe", pure=True)

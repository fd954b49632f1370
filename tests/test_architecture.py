"""The package's layout (docs/architecture.md): imports run one way, from run/ down to data/ and the shared plumbing."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from nbutils.paths import PROJECT_ROOT

# Lowest first: a module may import from its own layer or any layer below it, never from one above.
LAYERS = ("plumbing", "contrast", "data", "train", "map", "review", "retrain", "compare", "run")
PLUMBING = ("paths", "errors", "labels", "run_lock")
STAGES = ("data", "train", "map", "retrain", "compare")
PACKAGE = PROJECT_ROOT / "nbutils"


def module_name(path: Path) -> str:
    rel = path.relative_to(PROJECT_ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def layer(module: str) -> str:
    """nbutils.map.figures -> map; nbutils.paths, nbutils -> plumbing; nbutils.__main__ -> run."""
    top = module.split(".")[1] if "." in module else ""
    if top in ("", *PLUMBING):
        return "plumbing"
    return "run" if top == "__main__" else top


def nbutils_imports(source: str, module: str, is_package: bool) -> list[tuple[int, str, str | None]]:
    """(line, imported module, imported name or None) for every import of nbutils in the source, at any depth."""
    package = module if is_package else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, None) for a in node.names if a.name.split(".")[0] == "nbutils"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "nbutils":
                out += [(node.lineno, target, a.name) for a in node.names]
    return out


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Imports from a higher layer (or, for the plumbing, from any stage)."""
    here = LAYERS.index(layer(module))
    bad = []
    for line, target, name in nbutils_imports(source, module, is_package):
        full = f"{target}.{name}" if name and importlib.util.find_spec(target) and _is_submodule(target, name) else target
        if LAYERS.index(layer(full)) > here:
            bad.append(f"{module} line {line}: imports {full} ({layer(module)} -> {layer(full)})")
    return bad


def _is_submodule(package: str, name: str) -> bool:
    spec = importlib.util.find_spec(package)
    return bool(spec and spec.submodule_search_locations and importlib.util.find_spec(f"{package}.{name}"))


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_sits_in_a_layer():
    for path in modules():
        assert layer(module_name(path)) in LAYERS, path


def test_imports_run_one_way():
    bad = [v for p in modules() for v in violations(p.read_text(), module_name(p), p.name == "__init__.py")]
    assert not bad, "imports against the layer order " + " < ".join(LAYERS) + ":\n" + "\n".join(bad)


def test_every_nbutils_import_resolves():
    """Imports inside functions run late: a stale name after a move would fail only when that code runs."""
    broken = []
    for path in modules():
        module = module_name(path)
        for line, target, name in nbutils_imports(path.read_text(), module, path.name == "__init__.py"):
            try:
                imported = importlib.import_module(target)
            except ImportError as err:
                broken.append(f"{module} line {line}: {target}: {err}")
                continue
            if name and name != "*" and not hasattr(imported, name) and not _is_submodule(target, name):
                broken.append(f"{module} line {line}: {target} has no {name}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("module,source,flagged", [
    ("nbutils.data.x", "from ..run.cli import main", True),              # data must not reach up to the runner
    ("nbutils.train.x", "from ..map import regions", True),              # a subpackage imported as a module
    ("nbutils.paths", "from .train.models import load_model_and_tokenizer", True),  # plumbing imports no stage
    ("nbutils.map.x", "def f():\n    from nbutils.retrain.mix import MIX_REGIONS", True),  # inside a function too
    ("nbutils.retrain.x", "from ..map.table import read_map\nfrom ..contrast import rewrites", False),
    ("nbutils.run.x", "from ..compare import stage", False),
])
def test_the_check_flags_upward_imports(module, source, flagged):
    assert bool(violations(source, module)) is flagged


def test_each_stage_has_its_entry_point():
    """Every stage subpackage has stage.py with run_stage, and its notebook calls it."""
    for number, stage in enumerate(STAGES, start=1):
        assert callable(importlib.import_module(f"nbutils.{stage}.stage").run_stage), stage
        notebook = next((PROJECT_ROOT / "notebooks").glob(f"{number:02d}_*.ipynb"))
        text = notebook.read_text()
        assert f"nbutils.{stage}" in text and "run_stage(" in text, f"{notebook.name} should call nbutils.{stage}.stage.run_stage"

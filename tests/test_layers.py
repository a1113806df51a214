"""The package's folders are its architecture: imports point down, the algorithms stay light.

Layers, bottom to top (a module may import its own layer and the ones below):

    _util, _validation  <  model  <  datasets  <  core  <  baselines  <  experiments
        <  teaching  <  viz  <  widgets
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

VILIB = Path(__file__).resolve().parents[1] / "vilib"
ORDER = ["_util", "_validation", "model", "datasets", "core", "baselines", "experiments",
         "teaching", "viz", "widgets"]
RANK = {name: (0 if name in ("_util", "_validation") else i) for i, name in enumerate(ORDER)}
MODULES = sorted(p for p in VILIB.rglob("*.py") if p.name != "__init__.py" or p.parent != VILIB)
HEAVY = ("matplotlib", "sympy", "ipywidgets", "IPython")
#: A module longer than this is doing more than one job (docstrings included).
MAX_LINES = 450


def layer_of(parts: tuple[str, ...]) -> str:
    """``("core", "cavi")`` -> ``"core"``; ``("model",)`` -> ``"model"``."""
    return parts[0]


def imported_layers(path: Path) -> set[str]:
    """The vilib layers that ``path`` imports (relative or absolute imports)."""
    rel = path.relative_to(VILIB).with_suffix("").parts
    package = rel[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + tuple((node.module or "").split(".")) if node.module else base
                if not node.module:          # "from .. import datasets"
                    target = base + (node.names[0].name,)
            elif node.module and node.module.split(".")[0] == "vilib":
                target = tuple(node.module.split(".")[1:])
            else:
                continue
            target = tuple(t for t in target if t)
            if target:
                found.add(layer_of(target))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "vilib" and len(parts) > 1:
                    found.add(parts[1])
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(VILIB)))
def test_imports_point_down(path):
    own = layer_of(path.relative_to(VILIB).with_suffix("").parts)
    if own == "__init__":
        return
    for layer in imported_layers(path):
        assert layer in RANK, f"{path.name} imports an unknown part of vilib: {layer}"
        assert RANK[layer] <= RANK[own], f"{own}/{path.name} imports {layer}, a layer above it"


def test_the_layer_rule_can_fail():
    """The checker above sees an upward import (a test that could not fail would be useless)."""
    core = next(p for p in MODULES if p.parts[-2:] == ("core", "cavi.py"))
    assert RANK["viz"] > RANK[layer_of(core.relative_to(VILIB).with_suffix("").parts)]
    assert imported_layers(VILIB / "viz" / "run.py") >= {"core", "viz"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(VILIB)))
def test_modules_stay_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(VILIB)} has {lines} lines (> {MAX_LINES})"


@pytest.mark.parametrize("imports", [
    "import vilib",
    "import vilib.core.cavi, vilib.core.restarts, vilib.core.init",
    "import vilib.baselines.gibbs, vilib.baselines.svi, vilib.baselines.exact, vilib.baselines.stream",
    "import vilib.experiments.accuracy, vilib.experiments.race, vilib.experiments.montecarlo",
    "import vilib.datasets, vilib.model",
])
def test_algorithms_load_no_plotting_symbolic_or_widgets(imports):
    code = (f"import sys; {imports}; "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"{imports!r} loads {out.stdout.strip()}"


def test_every_public_name_still_works():
    import vilib

    for name in vilib.__all__:
        assert getattr(vilib, name) is not None
    assert callable(vilib.cavi) and callable(vilib.update_phi) and callable(vilib.svi)

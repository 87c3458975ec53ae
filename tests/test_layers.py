"""The package's layers hold: imports only go down, modules and functions stay small.

cli -> api, scale -> pipeline -> extract -> generic, browser -> dom, output, net -> config, errors, demo
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "scrapers"

# Higher numbers may import lower ones (and their own layer), never the other way round.
LAYERS = {
    "errors": 0,
    "config": 0,
    "demo": 0,
    "dom": 1,
    "net": 1,
    "output": 1,
    "generic": 2,
    "browser": 2,
    "extract": 3,
    "pipeline": 4,
    "api": 5,  # the Python API: the command line may build on it, never the other way round
    "replay_api": 5,  # the API's recordings part (Replayer), for users' CI and the pytest plugin
    "scale": 5,  # distributed runs (arq workers on Redis), on the pipeline; only the command line uses it
    "cli": 6,
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
SMALL_FUNCTION_LAYERS = ("pipeline", "extract", "scale")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def _layer(module: str) -> str | None:
    """'scrapers.pipeline.page' -> 'pipeline'; the package root (its version) -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "scrapers" else None


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "scrapers":  # from scrapers import X: X is the subpackage
                found += [(node.lineno, f"scrapers.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, m) for line, m in found if m.split(".")[0] == "scrapers"]


def test_every_module_belongs_to_a_known_layer() -> None:
    unknown = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in _modules()} - set(LAYERS)
    assert unknown <= {"__main__"}, f"modules outside every layer: {sorted(unknown)} (add them to LAYERS)"


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for path in _modules():
        own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for line, module in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = _layer(module)
            if target is not None and target in LAYERS and LAYERS[target] > LAYERS[own]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {own} imports {module}")
    assert upward == []


def test_modules_are_small() -> None:
    big = [
        f"{p.relative_to(PACKAGE.parent)}: {n} lines"
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert big == []


def test_pipeline_and_extraction_functions_are_small() -> None:
    long = []
    for layer in SMALL_FUNCTION_LAYERS:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    n = (node.end_lineno or node.lineno) - node.lineno + 1
                    if n > MAX_FUNCTION_LINES:
                        long.append(
                            f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.name} ({n} lines)"
                        )
    assert long == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The walker itself: a config module importing the pipeline is caught."""
    tree = ast.parse("from scrapers.pipeline.page import PagePipeline\nimport scrapers.cli.main\n")
    targets = [_layer(m) for _, m in _imports(tree)]
    assert targets == ["pipeline", "cli"]
    assert all(LAYERS[t] > LAYERS["config"] for t in targets if t)

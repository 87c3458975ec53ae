"""The package's layers hold: imports only go down, modules and functions stay small.

cli -> api, scale -> job, recordings -> page -> extract -> generic, browser -> dom, output, net
-> config, errors, version, demo
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "scrapers"

# Higher numbers may import lower ones (and their own layer), never the other way round.
LAYERS = {
    "errors": 0,
    "version": 0,
    "config": 0,
    "demo": 0,
    "dom": 1,
    "net": 1,
    "output": 1,
    "generic": 2,
    "widgetfind": 2,  # widget blocks on pages without a site file: candidates, the classifier
    "browser": 2,
    "consent": 2,  # the consent step: known managers, the multilingual "accept all" reading
    "extract": 3,
    "page": 4,  # one URL (or saved page) -> one record
    "job": 5,  # discovery, the page workers, the summary: a run of many pages
    "recordings": 5,  # record a page, replay it offline
    "api": 6,  # the Python API: the command line may build on it, never the other way round
    "scale": 6,  # distributed runs (arq workers on Redis), on the job; only the command line uses it
    "cli": 7,
    "testing": 7,  # the pytest plugin: a user's recordings as tests in their CI
    "replay_api": 6,  # the API's recordings part (Replayer), for users' CI and the pytest plugin
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
SMALL_FUNCTION_LAYERS = ("page", "job", "recordings", "extract", "scale")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def _layer(module: str) -> str | None:
    """'scrapers.page.pipeline' -> 'page'; the package root itself -> None."""
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
    tree = ast.parse("from scrapers.page.pipeline import PagePipeline\nimport scrapers.cli.main\n")
    targets = [_layer(m) for _, m in _imports(tree)]
    assert targets == ["page", "cli"]
    assert all(LAYERS[t] > LAYERS["config"] for t in targets if t)


MAX_FOLDER_MODULES = 12


def test_no_folder_holds_more_than_twelve_modules() -> None:
    """A folder is one concern a reader can name; past a dozen modules it is two."""
    crowded = []
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        modules = [p for p in folder.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
        if len(modules) > MAX_FOLDER_MODULES:
            crowded.append(f"{folder.name}/: {len(modules)} modules")
    assert crowded == []


def test_no_module_imports_the_package_face() -> None:
    """`scrapers/__init__.py` is the public API; modules inside import from where names live."""
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "scrapers" and node.level == 0:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert found == []


def test_every_exception_class_derives_from_the_one_base() -> None:
    """One exception tree (scrapers/errors.py): every exception class Storyline defines is a
    StorylineError, and is defined in errors.py."""
    import importlib
    import inspect

    from scrapers.errors import StorylineError

    strays = []
    for path in _modules():
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name or not issubclass(cls, BaseException):
                continue
            if not issubclass(cls, StorylineError) or name != "scrapers.errors":
                strays.append(f"{name}.{cls_name}")
    assert strays == []

"""The shape of the code: stages import only earlier stages, no cycle, short files and functions,
every public function, class and method documented (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("describe", "inputs", "model", "results", "solve", "diagnose", "report", "sweep", "cli")
"""The pipeline's stages, each allowed to import only the stages before it (and `solvers`)."""
MAX_FILE_LINES, MAX_FUNCTION_LINES = 400, 60


def library_files() -> list[Path]:
    return sorted([*(ROOT / "planner").rglob("*.py"), *(ROOT / "solvers").rglob("*.py")])


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str | None:
    """The stage of a planner module (None: the package root, or planner.testing)."""
    parts = module.split(".")
    if parts[0] == "solvers":
        return "solvers"
    if len(parts) < 2 or parts[1] == "testing":
        return None
    return parts[1]


def imports(path: Path) -> set[str]:
    """Modules of this project imported by a file (absolute imports; relative ones resolved)."""
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return {m for m in out if m.split(".")[0] in ("planner", "solvers")}


def test_stages_import_only_earlier_stages():
    wrong = []
    for path in library_files():
        me = stage(module_name(path))
        if me is None:
            continue
        for target in imports(path):
            them = stage(target)
            if them is None and target.startswith("planner.testing"):
                wrong.append(f"{module_name(path)} imports test helpers {target}")
            if them in (None, "solvers") or them == me:
                continue
            if me == "solvers":
                wrong.append(f"{module_name(path)} (solvers) imports {target}")
            elif LAYERS.index(them) > LAYERS.index(me):
                wrong.append(f"{module_name(path)} ({me}) imports {target} ({them}): a later stage")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    graph = {module_name(p): {t for t in imports(p)} for p in library_files()}
    modules = set(graph)
    for m, targets in graph.items():
        graph[m] = {t for t in targets if t in modules and t != m}
    seen: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        if seen.get(m) == 1:
            raise AssertionError("import cycle: " + " -> ".join([*path, m]))
        if seen.get(m) == 2:
            return
        seen[m] = 1
        for t in sorted(graph[m]):
            if not m.startswith(t + ".") and not t.startswith(m + "."):  # a package and its own modules
                visit(t, [*path, m])
        seen[m] = 2

    for m in sorted(graph):
        visit(m, [])


@pytest.mark.parametrize("path", library_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_file_is_short_and_documented(path):
    text = path.read_text()
    problems = []
    if text.count("\n") > MAX_FILE_LINES:
        problems.append(f"{text.count(chr(10))} lines (at most {MAX_FILE_LINES})")
    tree = ast.parse(text)
    if ast.get_docstring(tree) is None:
        problems.append("no module docstring")
    problems += _definitions(tree.body, public=True)
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


def _definitions(body: list[ast.stmt], public: bool) -> list[str]:
    out = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
            if length > MAX_FUNCTION_LINES:
                out.append(f"{node.name} (line {node.lineno}) has {length} lines (at most {MAX_FUNCTION_LINES})")
            if public and not node.name.startswith("_") and ast.get_docstring(node) is None:
                out.append(f"{node.name} (line {node.lineno}) has no docstring")
            out += _nested_lengths(node)
        elif isinstance(node, ast.ClassDef):
            if not node.name.startswith("_") and ast.get_docstring(node) is None:
                out.append(f"class {node.name} (line {node.lineno}) has no docstring")
            out += _definitions(node.body, public and not node.name.startswith("_"))
    return out


def _nested_lengths(fn: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(fn):
        if node is not fn and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
            if length > MAX_FUNCTION_LINES:
                out.append(f"{node.name} (line {node.lineno}) has {length} lines")
    return out


def test_the_checker_catches_a_long_undocumented_function(tmp_path):
    """Mutation: a 61-line function without a docstring is reported twice."""
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    tree = ast.parse(f'"""doc"""\ndef long_one():\n{body}\n')
    problems = _definitions(tree.body, public=True)
    assert any("61 lines" in p for p in problems) and any("no docstring" in p for p in problems)


def test_every_package_ships():
    """pyproject.toml lists its packages by hand: a new subpackage missing there is absent from a
    non-editable install (the CI's), though an editable one finds it."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("planner", "solvers")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert found - listed == set(), f"packages not in pyproject.toml: {sorted(found - listed)}"

"""The shape of the code: thin shells over the verbs, small functions, no import-time weight."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "rfmkit"
#: What only the verbs and the core may use: engines, tables, files, stores, networks.
NOT_IN_SHELLS = (
    "ibis",
    "duckdb",
    "pyarrow",
    "polars",
    "rfmkit.engine",
    "rfmkit.backend",
    "rfmkit.sources",
    "rfmkit.export",
    "rfmkit.quality",
    "rfmkit.store.store",
    "rfmkit.incremental",
    "rfmkit.delivery",
)
MAX_FUNCTION_LINES = 60


def modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).glob("*.py"))


def imported(tree: ast.AST) -> list[tuple[str, int]]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append((node.module, node.lineno))
    return names


@pytest.mark.parametrize("path", modules("cli"), ids=lambda p: p.name)
def test_the_cli_holds_no_engine_file_or_network_code(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [
        f"{name} (line {line})"
        for name, line in imported(tree)
        if name == "rfmkit.sources" or name.startswith(NOT_IN_SHELLS)
        if name != "rfmkit.sources.options"
    ]
    assert not bad, f"{path.name} imports {', '.join(bad)}: call a verb instead"


@pytest.mark.parametrize("path", modules("cli") + modules("verbs"), ids=lambda p: p.name)
def test_functions_of_the_shells_and_verbs_are_small(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.name}: {', '.join(long)}"


def test_the_library_prints_nothing():
    printing = []
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                printing.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not printing


def test_starting_the_command_loads_no_engine():
    code = (
        "import sys, rfmkit.cli; "
        "heavy = [m for m in ('ibis', 'duckdb', 'pandas', 'scipy', 'pyarrow', 'plotly') "
        "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_verb_is_exported_from_rfmkit():
    import rfmkit
    import rfmkit.verbs

    assert set(rfmkit.verbs.__all__) == set(rfmkit.VERBS)
    assert set(rfmkit.VERBS) <= set(rfmkit.__all__)
    for name in rfmkit.VERBS:
        assert getattr(rfmkit, name) is getattr(rfmkit.verbs, name)

"""Counts reader-facing English left in Python string literals under src/ (issue 13's measure):
string constants of five or more words, aside from docstrings, messages to the person running
the build (errors, warnings, reports, command-line help) and code in strings (CSS, JavaScript)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
ERRORS = ("Error", "Exception", "Invalid", "exit", "warn", "fail")
MESSAGES = ("print", "report", "sys.exit", "warnings.warn", "log", "logger.", "tell_the_builder", "add_argument",
            "add_parser", "ArgumentParser", "errors.append", "problems.append", "messages.append", "errors +=")
CODE = re.compile(r"[{};]")


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
        # attribute docstrings: a bare string right after an assignment
        for field in ("body", "orelse"):
            statements = getattr(node, field, None)
            for statement in statements if isinstance(statements, list) else []:
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                    ids.add(id(statement.value))
    return ids


def _error_literals(tree: ast.AST) -> set[int]:
    """Literals inside ``raise ...(...)`` or passed to print/sys.exit/warnings: messages to the
    person running the build, not text for readers."""
    ids = set()
    for node in ast.walk(tree):
        inside = isinstance(node, ast.Raise)
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            inside = inside or any(marker in name for marker in ERRORS + MESSAGES)
        if inside:
            ids.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))
    return ids


def english_literals(root: Path = SRC) -> list[tuple[str, int, int]]:
    """(file, line, words) for every literal of five or more words that may reach a reader."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstring_nodes(tree) | _error_literals(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                if len(CODE.findall(node.value)) >= 3:  # a stylesheet or script, not prose
                    continue
                count = len(WORD.findall(node.value))
                if count >= 5:
                    found.append((str(path.relative_to(root)), node.lineno, count))
    return found


if __name__ == "__main__":
    literals = english_literals()
    by_file: dict[str, int] = {}
    for file, _, count in literals:
        by_file[file] = by_file.get(file, 0) + count
    for file, count in sorted(by_file.items(), key=lambda item: -item[1]):
        print(f"{count:6d}  {file}")
    print(f"{sum(by_file.values()):6d}  in all")

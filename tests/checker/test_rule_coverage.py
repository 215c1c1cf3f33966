"""Every hard rule R1-R12 of the format is built by the model, checked, and tested.

For each rule id this asserts three things, so that a rule cannot quietly lose one of them:

- the model has a function for it, ``solver.model.rules.r<N>_...``;
- the independent checker has one, ``solver.checker.rules.r<N>_...``, and runs it;
- at least one test of the suite names it: a test function whose name holds ``r<N>_``
  (``test_r4_facilitator``), or one whose body or decorators hold the string ``"R<N>"``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]

FORMAT_RULES = [f"R{n}" for n in range(1, 13)]
"""The hard rules of the format, R1 ... R12 (FORMAT.md "Rules every roster obeys")."""


def rule_functions(module: ModuleType, rule: str) -> list[Callable[..., Any]]:
    """The functions of ``module`` named after ``rule``: ``r<N>_`` and then a name."""
    pattern = re.compile(rf"r{rule[1:]}_[a-z]\w*")
    return [
        function
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if pattern.fullmatch(name)
    ]


def _test_functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            yield node


def _names_rule(test: ast.FunctionDef | ast.AsyncFunctionDef, rule: str) -> bool:
    if re.search(rf"(?:^|_)r{rule[1:]}_", test.name):
        return True
    return any(
        isinstance(node, ast.Constant) and node.value == rule
        for part in [*test.decorator_list, *test.body]
        for node in ast.walk(part)
    )


@cache
def rule_mentions() -> dict[str, list[str]]:
    """Rule id -> the tests (``path::name``) of the suite that name it; this file left out."""
    found: dict[str, list[str]] = {rule: [] for rule in FORMAT_RULES}
    for path in sorted(TESTS.rglob("test_*.py")):
        if path.resolve() == Path(__file__).resolve():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for test in _test_functions(tree):
            for rule in FORMAT_RULES:
                if _names_rule(test, rule):
                    found[rule].append(f"{path.relative_to(TESTS)}::{test.name}")
    return found


def test_the_rule_list_matches_the_model_and_the_checker() -> None:
    model = importlib.import_module("solver.model")
    report = importlib.import_module("solver.checker.report")
    switchable = set(model.RULES)
    assert switchable <= set(FORMAT_RULES), f"the model has rules {switchable} not in R1-R12"
    titled = {rule for rule in report.RULE_TITLES if re.fullmatch(r"R\d+", rule)}
    assert titled == set(FORMAT_RULES), f"the checker titles rules {sorted(titled)}"


@pytest.mark.parametrize("rule", FORMAT_RULES)
def test_model_has_a_function_for(rule: str) -> None:
    model_rules = importlib.import_module("solver.model.rules")
    assert rule_functions(model_rules, rule), (
        f"solver.model.rules has no function r{rule[1:]}_... for rule {rule}"
    )


@pytest.mark.parametrize("rule", FORMAT_RULES)
def test_checker_has_a_function_for(rule: str) -> None:
    check_rules = importlib.import_module("solver.checker.rules")
    functions = rule_functions(check_rules, rule)
    assert functions, f"solver.checker.rules has no function r{rule[1:]}_... for rule {rule}"
    unused = [f.__name__ for f in functions if f not in check_rules.RULES]
    assert not unused, f"solver.checker.rules.RULES does not run {unused}"


@pytest.mark.parametrize("rule", FORMAT_RULES)
def test_some_test_names(rule: str) -> None:
    assert rule_mentions()[rule], (
        f"no test under {TESTS} names rule {rule} "
        f"(by a name holding r{rule[1:]}_ or the string {rule!r})"
    )

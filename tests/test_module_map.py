"""The package's module map (src/schoolcollab/README.md) lists every module, and only modules that exist."""

from __future__ import annotations

import ast
import re

from conftest import ROOT

PACKAGE = ROOT / "src" / "schoolcollab"


def test_the_module_map_matches_the_package() -> None:
    listed = set(re.findall(r"^\| `([\w/]+\.py)` \|", (PACKAGE / "README.md").read_text(encoding="utf-8"), re.M))
    actual = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    assert listed == actual, {"not listed": sorted(actual - listed), "no such module": sorted(listed - actual)}


def test_no_two_modules_define_a_public_function_of_the_same_name() -> None:
    """One name, one meaning: a second public ``report`` or ``ris_text`` elsewhere would mislead a reader.

    The exceptions are the names frameworks require (Sphinx's ``setup`` and event handlers ``on_*``) and
    a CLI command named after the one function it calls.
    """
    defined: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = str(path.relative_to(PACKAGE))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                defined.setdefault(node.name, []).append(module)
    commands_that_wrap = {"clean": ["build/run.py", "cli.py"]}  # `schoolcollab clean` calls build.run.clean
    shared = {
        name: modules
        for name, modules in defined.items()
        if len(modules) > 1
        and name != "setup"
        and not name.startswith("on_")
        and commands_that_wrap.get(name) != modules
    }
    assert shared == {}

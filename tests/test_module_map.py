"""The package's module map (src/schoolcollab/README.md) lists every module, and only modules that exist."""

from __future__ import annotations

import re

from conftest import ROOT

PACKAGE = ROOT / "src" / "schoolcollab"


def test_the_module_map_matches_the_package() -> None:
    listed = set(re.findall(r"^\| `([\w/]+\.py)` \|", (PACKAGE / "README.md").read_text(encoding="utf-8"), re.M))
    actual = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    assert listed == actual, {"not listed": sorted(actual - listed), "no such module": sorted(listed - actual)}

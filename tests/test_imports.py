"""Every module path the README and the chapters name imports in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "schoolcollab"


def test_every_module_imports_by_its_dotted_path_in_a_fresh_interpreter() -> None:
    modules = sorted(
        "schoolcollab." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py"
    )
    code = "\n".join(f"import {m} as _m" for m in modules)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "schoolcollab.evidence.rating_rules" in modules and len(modules) > 30

"""The published site holds only what the current build produced: no image or page of an earlier build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from schoolcollab.paths import Project

CLI = str(Path(sys.executable).with_name("schoolcollab"))


@pytest.mark.slow
def test_a_rebuild_leaves_no_unused_image_or_page_in_the_site(built_copy: Project) -> None:
    book = built_copy
    first = subprocess.run([CLI, "build"], cwd=book.root, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    images = book.build_dir / "html" / "_images"
    before = {p.name for p in images.iterdir()}
    # a new impact finding redraws the impact figure (a new image); a chapter leaves the book
    path = book.sources / "ainscow2006collaboration.yaml"
    record = yaml.safe_load(path.read_text())
    record["findings"].append(
        {
            "theme": "impact_students",
            "domain": "attainment",
            "direction": "negative",
            "summary": "A test finding.",
            "where": "seed 1, Impact",
        }
    )
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True))
    toc = book.root / "_toc.yml"
    toc.write_text(toc.read_text().replace("      - file: chapters/appendix-glossary\n", ""))
    (book.root / "chapters" / "appendix-glossary.md").unlink()
    intro = book.root / "chapters" / "introduction.md"
    intro.write_text(intro.read_text().replace("[glossary](appendix-glossary.md)", "glossary"))
    second = subprocess.run([CLI, "build"], cwd=book.root, capture_output=True, text=True)
    assert second.returncode == 0, second.stdout + second.stderr
    after = {p.name for p in images.iterdir()}
    assert after - before, "the impact figure was not redrawn"
    pages = "\n".join(p.read_text() for p in (book.build_dir / "html").rglob("*.html"))
    unused = sorted(name for name in after if name not in pages)
    assert not unused, unused
    assert not (book.build_dir / "html" / "chapters" / "appendix-glossary.html").exists()
    # the downloads, computed while Sphinx ran, are those of the edited data
    findings = (book.build_dir / "html" / "downloads" / "findings.csv").read_text(encoding="utf-8")
    assert "A test finding." in findings
    # the staging folder keeps what Sphinx may reuse; only the published copy is pruned
    assert (book.build_dir / ".stage" / "_build" / "html" / "chapters" / "appendix-glossary.html").exists()

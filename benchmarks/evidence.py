"""Load, validate and synthesise a synthetic evidence base of 5,000 records; print time and memory.

    .venv/bin/python benchmarks/evidence.py [N]

Target: under 2 s and under 500 MB for 5,000 records.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from schoolcollab.errors import Problems
from schoolcollab.evidence import synthesis as syn
from schoolcollab.evidence.codebook import load_codebook
from schoolcollab.evidence.synthetic import write_synthetic_base
from schoolcollab.load import collect_evidence
from schoolcollab.paths import Project

ROOT = Path(__file__).resolve().parents[1]


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        proj = Project(Path(tmp))
        (proj.data / "review").mkdir(parents=True)
        shutil.copy(ROOT / "data" / "codebook.yaml", proj.codebook)
        shutil.copy(ROOT / "data" / "review" / "initiatives.csv", proj.data / "review" / "initiatives.csv")
        codebook = load_codebook(proj.codebook, Problems())
        keys = write_synthetic_base(proj.sources, n, codebook, np.random.default_rng(20151001))
        bib = (ROOT / "references.bib").read_text()
        bib += "".join(f"@misc{{{k}, title = {{Synthetic}}, year = {{{2000 + i % 20}}}}}\n" for i, k in enumerate(keys))
        bib += "@misc{seed2015review, title = {Seed}, year = {2015}}\n"
        proj.bib.write_text(bib)
        proj.claims.write_text((ROOT / "data" / "findings.yaml").read_text())
        start = time.perf_counter()
        problems = Problems()
        ev = collect_evidence(proj, problems)
        loaded = time.perf_counter()
        matrix = syn.evidence_matrix(ev.tables, ev.codebook)
        syn.gap_map(matrix)
        syn.design_profile(ev.tables, ev.codebook)
        syn.year_profile(ev.tables)
        syn.country_profile(ev.tables, ev.codebook)
        syn.factor_frequency(ev.tables, ev.codebook, "conditions")
        syn.factor_frequency(ev.tables, ev.codebook, "barriers")
        syn.impact_by_domain(ev.tables, ev.codebook)
        done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"records:                 {n}")
    print(f"findings:                {len(ev.findings)}")
    print(f"problems:                {len(problems)}")
    print(f"load + validate:         {loaded - start:6.2f} s")
    print(f"synthesise:              {done - loaded:6.2f} s")
    print(f"total:                   {done - start:6.2f} s   (target < 2 s)")
    print(f"peak memory (process):   {peak_mb:6.0f} MB  (target < 500 MB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)

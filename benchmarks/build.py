"""Time the book build: cold, no-change, after one data change, and the bare-kernel baseline.

    .venv/bin/python benchmarks/build.py [--repeat N]

Works on a throwaway copy of the book. Targets: no-change rebuild <= 3 s; cold build <= 1.5 x baseline,
where the baseline is starting a bare kernel and importing schoolcollab once per executed chapter.

"First build" is a fresh copy with no ``_build`` at all; "cold build" is ``build --force`` after it:
nothing cached, every chapter executes again, but the chapters' times from the first build are known,
so the longest start first. Both are printed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("schoolcollab"))
IGNORE = shutil.ignore_patterns(".git", ".venv", "_build", "__pycache__", ".pytest_cache", "*.egg-info")


def timed_build(root: Path, *args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run([CLI, "build", *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stderr}")
    return time.perf_counter() - start


def notebook_chapters(root: Path) -> int:
    return sum("kernelspec:" in p.read_text() for p in (root / "chapters").glob("*.md"))


def baseline(n: int) -> float:
    """Start a kernel and import schoolcollab, n times (what executing n chapters cannot avoid)."""
    start = time.perf_counter()
    for _ in range(n):
        km, kc = start_new_kernel(kernel_name="python3")
        kc.execute_interactive("import schoolcollab", timeout=120)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of (first build, cold build, baseline), interleaved so that a machine "
        "slowing down or speeding up affects both sides; medians are reported",
    )
    rounds = parser.parse_args().repeat
    firsts, colds, bases = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(rounds):
            root = Path(tmp) / f"book{k}"
            shutil.copytree(ROOT, root, ignore=IGNORE)
            n = notebook_chapters(root)
            firsts.append(timed_build(root))
            colds.append(timed_build(root, "--force"))
            bases.append(baseline(n))
            print(
                f"round {k + 1}: first {firsts[-1]:6.2f} s, cold {colds[-1]:6.2f} s, baseline {bases[-1]:6.2f} s, "
                f"cold / baseline {colds[-1] / bases[-1]:4.2f}",
                flush=True,
            )
        nochange = timed_build(root)
        csv = root / "data" / "review" / "initiatives.csv"
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        frame.loc[0, "summary"] = frame.loc[0, "summary"] + " (edited)"
        frame.to_csv(csv, index=False)
        changed = timed_build(root)
    first, cold, base = (statistics.median(x) for x in (firsts, colds, bases))
    print(f"notebook chapters:            {n}   (medians of {rounds} rounds)")
    print(f"first build (fresh copy):     {first:7.2f} s")
    print(f"cold build (--force):         {cold:7.2f} s")
    print(f"no-change rebuild:            {nochange:7.2f} s   (target <= 3 s)")
    print(f"rebuild after one data edit:  {changed:7.2f} s")
    print(f"baseline (kernel + import)xN: {base:7.2f} s")
    print(f"first build / baseline:       {first / base:7.2f}")
    print(f"cold / baseline:              {cold / base:7.2f}     (target <= 1.5)")


if __name__ == "__main__":
    main()

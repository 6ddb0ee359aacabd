"""Time the book build: cold, no-change, after one-finding and one-CSV edits, and the bare-kernel baseline.

    .venv/bin/python benchmarks/build.py [--repeat N]

Works on a throwaway copy of the book and prints figures (no assertions). Targets, as ratios measured in
the same run, because machines differ and other work on the machine makes absolute times noisy:

- rebuild after changing the ``direction`` of one finding <= 0.3 x cold build;
- cold build <= 1.2 x the baseline, where the baseline is starting a bare kernel and importing
  schoolcollab once per notebook chapter, one after the other;
- no-change rebuild <= 3 s.

"First build" is a fresh copy with no ``_build`` at all; "cold build" is ``build --force`` after it:
nothing cached, every chapter executes again, but the chapters' times from the first build are known,
so the longest start first. Both are printed. Each rebuild also prints how many chapters it executed
(from the build's own report, ``N chapter(s) executed``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("schoolcollab"))
IGNORE = shutil.ignore_patterns(".git", ".venv", "_build", "__pycache__", ".pytest_cache", "*.egg-info")
EXECUTED = re.compile(r"\((\d+) chapter\(s\) executed\)")


@dataclass(frozen=True)
class Timed:
    seconds: float
    executed: int  # chapters the build executed, from its report
    names: tuple[str, ...]


def timed_build(root: Path, *args: str) -> Timed:
    start = time.perf_counter()
    result = subprocess.run([CLI, "build", *args], cwd=root, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stdout}\n{result.stderr}")
    found = EXECUTED.search(result.stdout)
    names = tuple(line.split("executed ", 1)[1] for line in result.stdout.splitlines() if "  executed " in line)
    return Timed(seconds, int(found.group(1)) if found else -1, names)


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


def edit_one_finding(root: Path) -> str:
    """Change the direction of one finding of one source record to another value of the codebook's
    vocabulary, by a one-line text edit (as an author would); returns what was changed."""
    directions = list(yaml.safe_load((root / "data" / "codebook.yaml").read_text())["directions"])
    path = root / "data" / "sources" / "ainscow2006collaboration.yaml"
    text = path.read_text(encoding="utf-8")
    old = yaml.safe_load(text)["findings"][0]["direction"]
    new = next(d for d in ("mixed", "positive", *directions) if d != old and d in directions)
    line = f"    direction: {old}\n"
    assert line in text, f"no line {line!r} in {path}"
    path.write_text(text.replace(line, f"    direction: {new}\n", 1), encoding="utf-8")
    return f"{path.name}: first finding's direction {old} -> {new}"


def edit_initiatives(root: Path) -> str:
    csv = root / "data" / "review" / "initiatives.csv"
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    frame.loc[0, "summary"] = frame.loc[0, "summary"] + " (edited)"
    frame.to_csv(csv, index=False)
    return f"{csv.name}: first initiative's summary edited"


# ---------------------------------------------------------------------------------------------------
# PREVIEW LATENCY: slot to be filled in once `schoolcollab preview` exists (being written on another
# branch). It should return the seconds from saving an edit to the preview showing the new page, or
# None when there is no preview command. Until then it only checks whether the command exists.
# ---------------------------------------------------------------------------------------------------
def preview_latency(root: Path) -> float | None:
    """Seconds from an edit to the preview showing it; None (not measured) without a preview command."""
    probe = subprocess.run([CLI, "preview", "--help"], cwd=root, capture_output=True, text=True)
    if probe.returncode != 0:
        return None
    return None  # TODO(preview branch): measure here


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
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
                f"round {k + 1}: first {firsts[-1].seconds:6.2f} s, cold {colds[-1].seconds:6.2f} s, "
                f"baseline {bases[-1]:6.2f} s, cold / baseline {colds[-1].seconds / bases[-1]:4.2f}",
                flush=True,
            )
        nochange = timed_build(root)
        what_finding = edit_one_finding(root)
        finding = timed_build(root)
        nochange_after = timed_build(root)
        what_csv = edit_initiatives(root)
        csv_edit = timed_build(root)
        preview = preview_latency(root)
    first = statistics.median(t.seconds for t in firsts)
    cold = statistics.median(t.seconds for t in colds)
    base = statistics.median(bases)
    print(f"notebook chapters:               {n}   (medians of {rounds} round(s))")
    print(f"first build (fresh copy):        {first:7.2f} s   ({firsts[-1].executed} executed)")
    print(f"cold build (--force):            {cold:7.2f} s   ({colds[-1].executed} executed)")
    print(f"baseline (kernel + import) x N:  {base:7.2f} s")
    print(f"no-change rebuild:               {nochange.seconds:7.2f} s   ({nochange.executed} executed)")
    print(f"  again, after the edit below:   {nochange_after.seconds:7.2f} s   ({nochange_after.executed} executed)")
    print(
        f"rebuild after one-finding edit:  {finding.seconds:7.2f} s   ({finding.executed} executed)  [{what_finding}]"
    )
    print(f"  executed: {', '.join(finding.names) or '-'}")
    print(f"rebuild after initiatives edit:  {csv_edit.seconds:7.2f} s   ({csv_edit.executed} executed)  [{what_csv}]")
    print(f"  executed: {', '.join(csv_edit.names) or '-'}")
    if preview is None:
        print("preview latency: not measured (no preview command)")
    else:
        print(f"preview latency:                 {preview:7.2f} s")
    print(f"first build / baseline:          {first / base:7.2f}")
    print(f"cold / baseline:                 {cold / base:7.2f}   (target <= 1.2)  {verdict(cold / base <= 1.2)}")
    ratio = finding.seconds / cold
    print(f"one-finding rebuild / cold:      {ratio:7.2f}   (target <= 0.3)  {verdict(ratio <= 0.3)}")
    print(f"initiatives rebuild / cold:      {csv_edit.seconds / cold:7.2f}")
    ok = nochange.seconds <= 3
    print(f"no-change rebuild:               {nochange.seconds:7.2f} s (target <= 3 s)  {verdict(ok)}")


if __name__ == "__main__":
    main()

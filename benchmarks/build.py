"""Time the book build: cold, no-change, after one-finding and one-CSV edits, the preview, and the kernel baseline.

    .venv/bin/python benchmarks/build.py [--repeat N]

Works on a throwaway copy of the book and prints figures (no assertions). Targets, as ratios measured in
the same run, because machines differ and other work on the machine makes absolute times noisy:

- rebuild after changing the ``direction`` of one finding <= 0.3 x cold build;
- cold build <= 1.2 x the baseline, where the baseline is starting a bare kernel and importing
  schoolcollab and its loaders once per notebook chapter, one after the other;
- no-change rebuild <= 3 s.
- preview latency <= 0.3 x cold build: from saving a one-record edit (the ISSP's ``start_year`` in
  ``data/review/initiatives.csv``) under a running ``schoolcollab preview --port 0`` to the open appendix
  page in headless Chromium (Debian's, through Playwright, nothing downloaded) having reloaded by itself
  and showing the new year; measured for the first edit, made as soon as the page is open, for a
  second edit once that one is shown, and for a third made after reading the page for a few seconds
  (the preview prepares the next build's process a second after a build). Not measured, with the
  reason printed, without Playwright or Chromium.

"First build" is a fresh copy with no ``_build`` at all; "cold build" is ``build --force`` after it:
nothing cached, every chapter executes again, but the chapters' times from the first build are known,
so the longest start first. Both are printed. Each rebuild also prints how many chapters it executed
(from the build's own report, ``N chapter(s) executed``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

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
    """Start a kernel and import schoolcollab with its loaders, n times (what executing n chapters cannot
    avoid). The loaders are named: the package's own names are imported when first used, so a bare
    ``import schoolcollab`` no longer imports them, and every chapter does."""
    start = time.perf_counter()
    for _ in range(n):
        # its start-up chatter to the null device, as a build sends a kernel's to its log
        km, kc = start_new_kernel(kernel_name="python3", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kc.execute_interactive("import schoolcollab, schoolcollab.load, schoolcollab.review", timeout=120)
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
# PREVIEW LATENCY: file saved -> the open page in Chromium reloaded by itself with the new number.
# ---------------------------------------------------------------------------------------------------
PREVIEW_PAGE = "chapters/appendix-initiatives.html"
ISSP = "issp,Independent-State School Partnerships,ISSP,"  # the record edited: its start_year, 1997
# its start year before and after each edit; each a year never built before, so nothing comes from the cache
YEARS = ("1997", "1999", "2001", "2003")
PAUSE_SECONDS = 5  # the third edit comes after an author has read the page this long
PREVIEW_SECONDS = 600  # deadline for each wait: the first (no-change) build, then the edit reaching the page


def _wait(what: str, check: Callable[[], object], seconds: float = PREVIEW_SECONDS, every: float = 0.05) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {seconds} s waiting for {what}")


def _set_issp_start(root: Path, year: str) -> None:
    """One-record edit, as an editor saves it: the ISSP's start_year in the initiatives table."""
    path = root / "data" / "review" / "initiatives.csv"
    text = path.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith(ISSP))
    path.write_text(
        text.replace(line, ISSP + year + "," + line.removeprefix(ISSP).split(",", 1)[1], 1), encoding="utf-8"
    )


def shown(year: str) -> str:
    return f"{year}\u2013 (ongoing)"  # the ISSP's years as the appendix's table shows them


def preview_latency(root: Path) -> tuple[float, float, float] | str:
    """Seconds from saving a one-record edit to the open preview page in Chromium showing the new value after
    reloading by itself, for the first edit once the page is open and for a second edit after it is shown;
    or why it is not measured (no preview command, no Playwright, no Chromium)."""
    probe = subprocess.run([CLI, "preview", "--help"], cwd=root, capture_output=True, text=True)
    if probe.returncode != 0:
        return "no preview command"
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        return "Playwright is not installed"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's, as the browser tests use
    if not Path(chromium).exists():
        return f"no Chromium at {chromium}"
    proc = subprocess.Popen(
        [CLI, "preview", "--port", "0"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group, stopped as one
    )
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    try:
        _wait("the preview's first line", lambda: lines or proc.poll() is not None, 60)
        found = re.search(r"http://127\.0\.0\.1:\d+/", lines[0]) if lines else None
        if found is None:
            return f"the preview did not start: {lines}"
        url = found.group(0)

        def state() -> dict:
            with urlopen(url + "__preview/state", timeout=30) as response:
                return json.load(response)

        first = _wait("the preview's first build", lambda: (s := state())["status"] != "building" and s)
        if not isinstance(first, dict) or first["status"] != "ok":
            return f"the preview's first build did not succeed: {first}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page()
                page.goto(url + PREVIEW_PAGE, wait_until="load")

                def body() -> str:
                    try:
                        return page.inner_text("body")
                    except Error:  # the page is reloading
                        return ""

                if shown(YEARS[0]) not in body():
                    return f"{PREVIEW_PAGE} does not show {shown(YEARS[0])!r} before the edit"
                seconds = []
                for year in YEARS[1:]:
                    if year == YEARS[3]:
                        time.sleep(PAUSE_SECONDS)
                    page.evaluate("window.__sc_mark = 1")  # gone once the page has reloaded

                    def reloaded(year: str = year) -> bool:
                        try:
                            return page.evaluate("window.__sc_mark") is None and shown(year) in page.inner_text("body")
                        except Error:
                            return False

                    _set_issp_start(root, year)
                    t0 = time.perf_counter()
                    _wait(f"the open page to reload with {year}", reloaded)
                    seconds.append(time.perf_counter() - t0)
                return seconds[0], seconds[1], seconds[2]
            finally:
                browser.close()
    except TimeoutError as timeout:
        return str(timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


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
    if isinstance(preview, str):
        print(f"preview latency:                 not measured ({preview})")
    else:
        first_edit, next_edit, paused = preview
        print(f"preview latency, first edit:     {first_edit:7.2f} s   [issp: start_year {YEARS[0]} -> {YEARS[1]}]")
        print(f"preview latency, next edit:      {next_edit:7.2f} s   [issp: start_year {YEARS[1]} -> {YEARS[2]}]")
        what = f"[issp: start_year {YEARS[2]} -> {YEARS[3]}]"
        print(f"preview latency, after {PAUSE_SECONDS} s:     {paused:7.2f} s   {what}")
    print(f"first build / baseline:          {first / base:7.2f}")
    print(f"cold / baseline:                 {cold / base:7.2f}   (target <= 1.2)  {verdict(cold / base <= 1.2)}")
    ratio = finding.seconds / cold
    print(f"one-finding rebuild / cold:      {ratio:7.2f}   (target <= 0.3)  {verdict(ratio <= 0.3)}")
    print(f"initiatives rebuild / cold:      {csv_edit.seconds / cold:7.2f}")
    if not isinstance(preview, str):
        for which, late in zip(("first", "next", "after pause"), (t / cold for t in preview), strict=True):
            label = f"preview latency ({which}) / cold:"
            print(f"{label:33s}{late:7.2f}   (target <= 0.3)  {verdict(late <= 0.3)}")
    ok = nochange.seconds <= 3
    print(f"no-change rebuild:               {nochange.seconds:7.2f} s (target <= 3 s)  {verdict(ok)}")


if __name__ == "__main__":
    main()

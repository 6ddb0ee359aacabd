"""The ``schoolcollab`` command: a thin layer over the package (no logic of its own)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .errors import InputError
from .exiting import exit_now
from .paths import Project, find_project

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Build, check and extend the school-collaboration evidence review.",
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

EXIT_INPUT = 1
EXIT_USAGE = 2


def _project(root: Path | None) -> Project:
    try:
        return find_project(root)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_USAGE) from None


def _fail_input(exc: InputError) -> None:
    err.print(exc.render(), markup=False, highlight=False)
    raise typer.Exit(EXIT_INPUT)


ROOT = typer.Option(None, "--root", help="The book's folder (default: found from the working directory).")


@app.command()
def check(root: Path | None = ROOT) -> None:
    """Validate references.bib, data/ and the chapters' citations, without building."""
    project = _project(root)
    from .check import check_project  # the loaders and validators: pandas, jsonschema

    report = check_project(project)
    summary = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    if report.problems:
        _fail_input(InputError(report.problems))
    out.print(f"0 problems ({summary})")
    for warning in report.warnings:  # not failures: a record may really say little
        out.print(f"warning: {warning}", markup=False, highlight=False)


@app.command()
def build(
    force: bool = typer.Option(False, "--force", help="Re-execute every chapter from a clean state."),
    pdf: bool = typer.Option(
        False,
        "--pdf",
        help="Also build the PDF edition into _build/latex (needs TeX Live: python3 dev.py pdf installs it).",
    ),
    root: Path | None = ROOT,
) -> None:
    """Check the input, then build the HTML book into _build/html (and the PDF with --pdf)."""
    from .build.run import BuildBusy, build_book, is_current, missing_tex

    project = _project(root)
    if pdf and (missing := missing_tex()):
        err.print(
            f"[red]error:[/] the PDF edition needs TeX Live, and {', '.join(missing)} is not installed. "
            "Run `python3 dev.py pdf`, which installs it from Debian's packages and builds the PDF."
        )
        raise typer.Exit(EXIT_USAGE)
    if not force and is_current(project, pdf=pdf):
        out.print(f"up to date: {project.build_dir / 'html' / 'index.html'} (0 chapter(s) executed)")
        return
    from .build.kernel_forks import forks_ahead  # jupyter_client: not for a book that is up to date

    # the kernels' fork server imports on the other core while the input is checked and the build planned
    with forks_ahead(project) as forks:
        from .check import check_project

        report = check_project(project)
        if report.problems:
            _fail_input(InputError(report.problems))
        gc.freeze()  # the imports and the evidence base last until the build ends: no full collection walks them
        if report.evidence is not None:
            from .build.fingerprint import offer_evidence

            offer_evidence(project, report.evidence)  # the build compares what chapters used with it
        columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[doc]}"), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("building", total=100, doc="")

            def update(phase: str, pct: int, doc: str) -> None:
                progress.update(task, description=phase, completed=pct, doc=doc)

            try:
                result = build_book(project, force=force, pdf=pdf, on_progress=update, forks=forks)
            except BuildBusy as exc:
                err.print(f"[red]error:[/] {exc}", highlight=False)
                raise typer.Exit(EXIT_INPUT) from None
    if not result.ok:
        what = (
            "the PDF edition in _build/latex is unchanged"
            if result.html
            else "the published book in _build/html is unchanged"
        )
        err.print(f"[red]build failed[/]: {what}. Full log: {result.log}")
        for line in result.warnings[:40]:
            err.print(f"  {line}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INPUT)
    if result.html is None:  # an ok build is one whose HTML was published
        raise RuntimeError("the build succeeded without publishing the HTML book")
    out.print(f"built {result.html / 'index.html'} ({len(result.executed)} chapter(s) executed)")
    if result.pdf:
        out.print(f"built {result.pdf}")
    for doc in result.executed:
        out.print(
            f"  executed {Path(doc).relative_to(project.root) if Path(doc).is_absolute() else doc}",
            markup=False,
            highlight=False,
        )


@app.command()
def clean(root: Path | None = ROOT) -> None:
    """Remove _build (the site, the execution cache and the input records)."""
    from .build.run import BuildBusy
    from .build.run import clean as clean_build

    try:
        removed = clean_build(_project(root))
    except BuildBusy as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_INPUT) from None
    out.print("removed " + ", ".join(map(str, removed)) if removed else "nothing to remove")


@app.command()
def add(
    key: str = typer.Argument(..., help="The BibTeX key of the source, already in references.bib."),
    root: Path | None = ROOT,
) -> None:
    """Create data/sources/<KEY>.yaml from its BibTeX entry, ready to be filled in."""
    from .authoring import AddRefused, add_source

    project = _project(root)
    try:
        added = add_source(project, key)
    except InputError as exc:
        _fail_input(exc)
    except AddRefused as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_INPUT) from None
    out.print(f"wrote {added.path}", markup=False, highlight=False)
    sections = (
        (f"{len(added.must_fix)} problem(s) to fix before `schoolcollab check` passes:", added.must_fix),
        (
            f"{len(added.placeholders)} placeholder(s) to replace with what the work says (check accepts them, "
            "but each says the work does not report it):",
            added.placeholders,
        ),
    )
    for head, lines in sections:
        if lines:
            out.print(head, markup=False, highlight=False)
            for line in lines:
                out.print(f"  - {line}", markup=False, highlight=False)


@app.command("import")
def import_(
    file: Path = typer.Argument(
        ..., help="A RIS file (ERIC, Scopus, Web of Science) or a BibTeX file (Zotero, Better BibTeX)."
    ),
    root: Path | None = ROOT,
) -> None:
    """Append the file's new references to references.bib; likely duplicates are named, not added."""
    from .importing import import_references

    project = _project(root)
    try:
        result = import_references(project, file)
    except InputError as exc:
        _fail_input(exc)
    for line in result.lines():
        out.print(line, markup=False, highlight=False)


@app.command()
def report(root: Path | None = ROOT) -> None:
    """Print what the evidence base holds and what changed since the edition the book follows."""
    from .editions import compare, status
    from .load import evidence

    project = _project(root)
    try:
        ev = evidence(project.root)
    except InputError as exc:
        _fail_input(exc)
    out.print(
        f"{len(ev.sources)} sources, {len(ev.findings)} findings, {len(ev.claims)} claims ({status(project).label()})",
        markup=False,
    )
    counts = ev.ratings["rating"].value_counts()
    table = Table("rating", "claims")
    for level in ("high", "moderate", "low", "very low", "gap"):
        table.add_row(level, str(int(counts.get(level, 0))))
    out.print(table)
    changes = compare(project, ev)
    if changes.since is None:
        out.print("no earlier edition to compare with")
        return
    out.print(
        f"since edition {changes.since}: {len(changes.added)} source(s) added, {len(changes.removed)} removed, "
        f"{len(changes.recoded)} recoded",
        markup=False,
    )
    moved = changes.claims[changes.claims["what"] == "rating"]
    if moved.empty:
        out.print(f"no claim changed rating since edition {changes.since}")
    else:
        out.print(f"{len(moved)} claim(s) changed rating since edition {changes.since}:")
        for row in moved.itertuples(index=False):
            out.print(f"  {row.claim}: {row.before} -> {row.after}", markup=False)


@app.command()
def snapshot(
    edition: str = typer.Argument(..., help="The new edition's name, e.g. 2026.2 (later than the last)"),
    note: str = typer.Option("", "--note", help="One sentence on what the edition adds."),
    search_date: str = typer.Option(
        "not_reported", "--search-date", help="Date (YYYY-MM-DD) of the search this edition reports."
    ),
    date: str | None = typer.Option(None, "--date", help="The edition's date (default: today)."),
    root: Path | None = ROOT,
) -> None:
    """Record the evidence as it is now as a new edition in data/editions/ (never overwriting one)."""
    import datetime as dt

    from .editions import EditionRefused, check_name, write_edition
    from .load import evidence

    project = _project(root)
    try:
        check_name(project, edition)
        ev = evidence(project.root)
        path = write_edition(project, ev, edition, date or dt.date.today().isoformat(), search_date, note)
    except EditionRefused as exc:
        err.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(EXIT_INPUT) from None
    except InputError as exc:
        _fail_input(exc)
    out.print(f"recorded edition {edition} in {path}; rebuild the book to publish it", markup=False)


@app.command()
def citation(root: Path | None = ROOT) -> None:
    """Rewrite CITATION.cff from data/editions/editions.yaml and _config.yml (snapshot does it too)."""
    from .citation import write_cff

    project = _project(root)
    try:
        path = write_cff(project)
    except InputError as exc:
        _fail_input(exc)
    out.print(f"wrote {path}", markup=False, highlight=False)


@app.command()
def prisma(
    csv_path: Path | None = typer.Option(
        None, "--csv", help="Write the counts to this file in the PRISMA2020 package's CSV layout."
    ),
    root: Path | None = ROOT,
) -> None:
    """Print the PRISMA 2020 counts of the book as built (the edition being prepared, for a draft)."""
    from .load import evidence, prisma_flow
    from .prisma import prisma_csv
    from .yamlio import write_atomic

    project = _project(root)
    try:
        name, counts = prisma_flow(evidence(project.root), project.root)
    except InputError as exc:
        _fail_input(exc)
    text = prisma_csv(counts)
    if csv_path is None:
        out.print(f"PRISMA 2020 counts of {name}:", markup=False)
        out.print(text, markup=False, highlight=False)
    else:
        write_atomic(csv_path, text)
        out.print(f"wrote {csv_path} (PRISMA 2020 counts of {name})", markup=False)


@app.command()
def serve(
    port: int = typer.Option(8000, "--port", help="Port on 127.0.0.1 (0: any free port)."), root: Path | None = ROOT
) -> None:
    """Serve the built book at http://127.0.0.1:PORT/ until interrupted (build it first)."""
    from .serve import make_server

    project = _project(root)
    site = project.build_dir / "html"
    if not (site / "index.html").is_file():
        err.print(f"[red]error:[/] there is no built book in {site}: run `schoolcollab build` first")
        raise typer.Exit(EXIT_INPUT)
    try:
        server = make_server(site, port=port)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot listen on port {port} ({exc.strerror}); choose another with --port")
        raise typer.Exit(EXIT_USAGE) from None
    host, bound = cast("tuple[str, int]", server.server_address[:2])  # an IPv4 socket's name: a str host
    out.print(f"serving {site} at http://{host}:{bound}/ (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out.print("stopped")
    finally:
        server.server_close()


@app.command()
def preview(
    port: int = typer.Option(8000, "--port", help="Port on 127.0.0.1 (0: any free port)."), root: Path | None = ROOT
) -> None:
    """Serve the book at http://127.0.0.1:PORT/, rebuild it when an input changes and reload open pages."""
    from .preview import Preview, PreviewBusy, WatchFailed

    project = _project(root)

    def report(line: str) -> None:
        out.print(line, markup=False, highlight=False)

    try:
        running = Preview(project, port, report)
    except PreviewBusy as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        err.print(f"[red]error:[/] cannot listen on port {port} ({exc.strerror}); choose another with --port")
        raise typer.Exit(EXIT_USAGE) from None
    out.print(f"previewing {project.root} at {running.url} (Ctrl+C to stop)", markup=False, highlight=False)
    try:
        running.run()
    except KeyboardInterrupt:
        pass
    except WatchFailed as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)  # an OS error's "[Errno n]" is text
        raise typer.Exit(EXIT_INPUT) from None
    finally:
        running.close()
    out.print("stopped")


def main() -> None:
    """Entry point: usage errors exit 2, problems in the author's input exit 1."""
    try:
        app()
    except KeyboardInterrupt:
        exit_now(130)
    except SystemExit as exc:  # how typer ends every command
        exit_now(exc.code)
    exit_now(0)


if __name__ == "__main__":  # how `schoolcollab preview` runs each rebuild: python -m schoolcollab.cli build
    main()

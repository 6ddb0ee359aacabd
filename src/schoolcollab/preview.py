"""Preview the book while editing it (``schoolcollab preview``): serve it, rebuild it when an input
changes, and reload the pages open in a browser.

Each rebuild is ``schoolcollab build`` in a child process: the same checked, staged build an author
runs, with the package's code as it is now (an edit under ``src/`` takes effect), and a child that can
be stopped with everything it started. The child for the next rebuild is started a second after a build
ends, and imports what a build needs while the author edits (:mod:`.build.warm_build`). The published
``_build/html`` is only ever swapped whole, so the server shows the last good book until a build
succeeds. The reload script is added to HTML pages as they are sent; the files in ``_build/html`` never
hold it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from filelock import FileLock, Timeout
from watchfiles import Change, DefaultFilter, watch

from .build.warm_build import GO
from .paths import Project

PREFIX = "/__preview/"  # the preview's own URLs; no page of the book lives under it
STATE_URL = PREFIX + "state"
SCRIPT_URL = PREFIX + "reload.js"
SCRIPT = Path(__file__).with_name("preview_assets") / "reload.js"
WATCHED_DIRS = ("data", "chapters", "src")
WATCHED_FILES = ("references.bib", "_config.yml", "_toc.yml")
LOCK_NAME = ".preview.lock"
ADDRESS_NAME = ".preview.url"  # where the running preview is, for the message of a second one
STOP_SECONDS = 10  # how long a stopped build gets to exit before it is killed
WARM_AFTER = 1.0  # seconds after a build before the next one's process starts importing
WAIT_SECONDS = 20  # how long a page's request for news is held open when there is none
PLACEHOLDER = b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Building the book</title></head>"
PLACEHOLDER += b"<body><main><h1>The book is being built</h1><p>This page reloads when it is ready.</p></main></body>"
PLACEHOLDER += b"</html>"


class PreviewBusy(Exception):
    """Another preview of the same book is running."""


class WatchFailed(Exception):
    """The watcher stopped (a watched folder went away, or the system's limit on watches was reached)."""


class PreviewState:
    """What the open pages poll: the number of builds published so far, and how the last one went."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.generation = 0  # grows with every build that changed the site: a page older than it reloads
        self.status = "building"  # "building", "ok" or "failed"
        self.messages: list[str] = []
        self.version = 0  # grows with every update: what a page waiting for news last saw

    def update(self, status: str, messages: list[str] | None = None, published: bool = False) -> None:
        with self._changed:
            self.status = status
            self.messages = list(messages or [])
            self.generation += int(published)
            self.version += 1
            self._changed.notify_all()

    def snapshot(self, after: int | None = None, timeout: float = 0.0) -> dict[str, object]:
        """The state now; with ``after``, once its version is no longer ``after`` or ``timeout`` seconds have
        passed (a page learns of a build the moment it ends, not at its next poll)."""
        with self._changed:
            if after is not None:
                self._changed.wait_for(lambda: self.version != after, timeout)
            return {
                "generation": self.generation,
                "status": self.status,
                "messages": list(self.messages),
                "version": self.version,
            }


def inject(html: bytes, generation: int) -> bytes:
    """The page with the reload script before ``</body>`` (at the end when the page has none)."""
    tag = f'<script src="{SCRIPT_URL}" data-generation="{generation}" data-schoolcollab-preview></script>'.encode()
    at = html.rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


class PreviewServer(ThreadingHTTPServer):
    """The book's folder over HTTP, with the preview's state and script under :data:`PREFIX`."""

    daemon_threads = True  # a browser's open connection must not keep the command from stopping

    def __init__(self, site: Path, state: PreviewState, port: int) -> None:
        self.site = site
        self.state = state
        super().__init__(("127.0.0.1", port), _Handler)


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        server = cast(PreviewServer, args[2])  # the stdlib passes (request, client address, server)
        super().__init__(*args, directory=str(server.site), **kwargs)

    @property
    def preview(self) -> PreviewServer:
        return cast(PreviewServer, self.server)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass  # the terminal is for builds and their problems, not for every request

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")  # after a rebuild the browser must ask again
        super().end_headers()

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, with_body: bool) -> None:
        path = urlsplit(self.path).path
        state = self.preview.state
        if path == STATE_URL:
            after = parse_qs(urlsplit(self.path).query).get("after", [""])[0]
            news = state.snapshot(int(after), WAIT_SECONDS) if after.isdigit() else state.snapshot()
            return self._send(json.dumps(news).encode(), "application/json", with_body)
        if path == SCRIPT_URL:
            return self._send(SCRIPT.read_bytes(), "text/javascript; charset=utf-8", with_body)
        if path.startswith(PREFIX):
            return self.send_error(404)
        self._wait_for_swap()
        generation = cast(int, state.snapshot()["generation"])
        if not (self.preview.site / "index.html").is_file():  # the first build has not published yet
            if not (path.endswith("/") or path.endswith((".html", ".htm"))):
                return self.send_error(404, "the book is being built")
            return self._send(inject(PLACEHOLDER, generation), "text/html; charset=utf-8", with_body)
        if (page := self._html_page(path)) is not None:
            return self._send(inject(page.read_bytes(), generation), "text/html; charset=utf-8", with_body)
        return super().do_GET() if with_body else super().do_HEAD()

    def _wait_for_swap(self) -> None:
        # publishing renames the old site away, then the new one in: a request between the two waits
        deadline = time.monotonic() + 2
        while not self.preview.site.exists() and self.preview.state.generation and time.monotonic() < deadline:
            time.sleep(0.05)

    def _html_page(self, path: str) -> Path | None:
        """The HTML file a request names, or None (anything else, and folders the stdlib redirects)."""
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            if not path.endswith("/"):
                return None
            target = target / "index.html"
        return target if target.suffix in (".html", ".htm") and target.is_file() else None

    def _send(self, body: bytes, content_type: str, with_body: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)


class InputFilter(DefaultFilter):
    """What an author edits: not build products, caches, version control or editors' temporary files.
    With ``names``, only files of those names (the book's top-level files)."""

    ignore_dirs = (*DefaultFilter.ignore_dirs, "_build", ".ipynb_checkpoints", ".jupyter_cache")
    # Emacs autosaves, Vim's write test, sed -i's and other tools' temporary files
    ignore_entity_patterns = (
        *DefaultFilter.ignore_entity_patterns,
        r"^#.*#$",
        r"^4913$",
        r"^sed\w{6}$",
        r"\.(tmp|bak)$",
    )

    def __init__(self, names: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.names = names

    def __call__(self, change: Change, path: str) -> bool:
        if self.names and Path(path).name not in self.names:
            return False
        if any(part.endswith(".egg-info") for part in Path(path).parts):  # what pip writes into src/
            return False
        return super().__call__(change, path)


def build_messages(output: str) -> list[str]:
    """The lines a failed ``schoolcollab build`` printed, without their list markers."""
    lines = (line.strip().removeprefix("- ") for line in output.splitlines())
    return [line for line in lines if line]


class Builder:
    """Runs one build at a time; a request during a build makes exactly one more build after it."""

    def __init__(self, project: Project, state: PreviewState, report: Callable[[str], None]) -> None:
        self.project = project
        self.state = state
        self.report = report
        self.wanted = threading.Event()
        self.stopping = threading.Event()
        self._guard = threading.Lock()  # a build is not started once stop() has begun
        self._proc: subprocess.Popen[str] | None = None
        self._ready: subprocess.Popen[str] | None = None  # the next build's process, already importing
        self._ended = 0.0  # when the last build ended (time.monotonic)

    def request(self) -> None:
        self.wanted.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            if self.wanted.wait(timeout=0.5):
                self.wanted.clear()
                if not self.stopping.is_set():
                    self._build_once()
            else:
                self._prepare()

    def _prepare(self) -> None:
        """Start the next build's process once the last build is a while over: started at once, its
        imports took the cores from the browser reloading the pages of the build just made."""
        with self._guard:
            if self._ready is None and not self.stopping.is_set() and time.monotonic() - self._ended > WARM_AFTER:
                self._ready = self._warm()

    def _warm(self) -> subprocess.Popen[str]:
        """A build's process, importing now and building when told (:mod:`.build.warm_build`)."""
        root = str(self.project.root)
        command = [sys.executable, "-m", "schoolcollab.build.warm_build", "build", "--root", root]
        # its own session: Ctrl+C reaches the preview, which stops the build with all it started
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def _build_once(self) -> None:
        with self._guard:
            if self.stopping.is_set():
                return
            self.state.update("building")
            self.report("building ...")
            ready, self._ready = self._ready, None
            self._proc = ready if ready is not None and ready.poll() is None else self._warm()
        stdout, stderr = self._proc.communicate(GO + "\n")
        code = self._proc.returncode
        self._ended = time.monotonic()
        if self.stopping.is_set():
            return
        if code == 0:
            first = stdout.strip().splitlines()[0] if stdout.strip() else "built"
            self.state.update("ok", published=first.startswith("built "))
            self.report(first)
        else:
            messages = build_messages(stderr) or [f"the build exited with status {code} and printed nothing"]
            self.state.update("failed", messages)
            self.report("build failed; still serving the last good book:")
            for line in messages:
                self.report(f"  {line}")

    def stop(self) -> None:
        """Stop building: a running build is terminated (the next build repairs what it left), and the
        process waiting for the next one ends."""
        with self._guard:
            self.stopping.set()
            self.wanted.set()
            procs = [p for p in (self._proc, self._ready) if p is not None and p.poll() is None]
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def watched(project: Project) -> tuple[list[Path], list[Path]]:
    """The folders watched with everything in them, and the folder holding the top-level inputs."""
    folders = [project.root / name for name in WATCHED_DIRS if (project.root / name).is_dir()]
    if not any(project.package.is_relative_to(folder) for folder in folders):
        folders.append(project.package)  # the code the build runs, when it is installed from elsewhere
    return folders, [project.root]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Preview:
    """A running preview: the lock, the server, the watchers and the builder. Close it when done."""

    def __init__(self, project: Project, port: int, report: Callable[[str], None]) -> None:
        project.build_dir.mkdir(parents=True, exist_ok=True)
        self.project = project
        self.report = report
        self._lock = FileLock(project.build_dir / LOCK_NAME, timeout=0)
        self._address = project.build_dir / ADDRESS_NAME
        try:
            self._lock.acquire()
        except Timeout:
            where = self._address.read_text(encoding="utf-8").strip() if self._address.is_file() else "unknown"
            raise PreviewBusy(
                f"another preview of {project.root} is running (at {where}; lock: {self._lock.lock_file}); "
                "stop it with Ctrl+C or open its address"
            ) from None
        try:
            self.state = PreviewState()
            self.server = PreviewServer(project.build_dir / "html", self.state, port)
        except BaseException:
            self._lock.release()
            raise
        host, bound = cast("tuple[str, int]", self.server.server_address[:2])
        self.url = f"http://{host}:{bound}/"
        self._address.write_text(self.url + "\n", encoding="utf-8")
        self.builder = Builder(project, self.state, report)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._failure: str | None = None  # why a watcher stopped: the preview would no longer rebuild

    def run(self) -> None:
        """Build if the book is not current, then serve and rebuild on changes until interrupted."""
        folders, tops = watched(self.project)
        self._start(self.server.serve_forever, "serve")
        self._start(self.builder.run, "build")
        self._start(lambda: self._watch(folders, InputFilter(), recursive=True), "watch-folders")
        self._start(lambda: self._watch(tops, InputFilter(WATCHED_FILES), recursive=False), "watch-files")
        self.builder.request()  # `build` itself says "up to date" at once when nothing changed
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _interrupt) if main else None  # `kill` stops it like Ctrl+C
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)
        if self._failure is not None:
            raise WatchFailed(self._failure)

    def _start(self, target: Callable[[], object], name: str) -> None:
        thread = threading.Thread(target=target, name=f"preview-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _watch(self, paths: list[Path], accept: InputFilter, recursive: bool) -> None:
        try:
            for changes in watch(
                *paths, watch_filter=accept, stop_event=self._stop, recursive=recursive, raise_interrupt=False
            ):
                names = sorted({self._shown(Path(path)) for _, path in changes})
                self.report(f"changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}")
                self.builder.request()
        except Exception as exc:  # noqa: BLE001 - reported by run(), in the main thread
            shown = ", ".join(self._shown(path) for path in paths)
            self._failure = f"cannot watch {shown} for changes any more ({exc}); start the preview again"
            self._stop.set()

    def _shown(self, path: Path) -> str:
        return path.relative_to(self.project.root).as_posix() if path.is_relative_to(self.project.root) else str(path)

    def close(self) -> None:
        """Stop the watchers, any running build and the server; release the lock."""
        self._stop.set()
        self.builder.stop()
        if self._threads:  # shutdown() waits for serve_forever(), which only runs once started
            self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=STOP_SECONDS)
        self._address.unlink(missing_ok=True)
        self._lock.release()

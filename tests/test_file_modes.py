"""Files written all at once keep their permissions: an author's file stays as it was, a new one (a site
download) is readable like any file the process creates, not private as a temporary file starts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from schoolcollab.build.downloads import _write
from schoolcollab.yamlio import write_atomic


def test_a_rewritten_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "record.yaml"
    path.write_text("a: 1\n")
    path.chmod(0o664)
    write_atomic(path, "a: 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o664 and path.read_text() == "a: 2\n"


def test_a_new_download_is_as_readable_as_any_new_file(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        _write(tmp_path / "sources.csv", b"key\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "sources.csv").stat().st_mode) == 0o644

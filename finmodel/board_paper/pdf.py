"""Print the board paper's HTML to PDF with headless Chromium: the same page, A4 from its CSS ``@page``.

Chromium runs with a throw-away profile folder (removed afterwards), no network
(the page's Content-Security-Policy forbids every request anyway) and
``--no-sandbox`` (needed when running as root, as in CI containers).  A missing
Chromium is an environment failure (exit 4) with the command that installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from finmodel.errors import EnvironmentFailure

#: Executables tried in order (Debian's package is ``chromium``).
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Seconds Chromium may take to print before finmodel gives up.
PRINT_TIMEOUT_S = 120


def find_chromium() -> str | None:
    """The Chromium executable: ``$FINMODEL_CHROMIUM`` if set, else the first of :data:`CANDIDATES` on PATH."""
    env = os.environ.get("FINMODEL_CHROMIUM")
    if env:
        return env if shutil.which(env) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    exe = find_chromium()
    if exe is None:
        raise EnvironmentFailure("cannot print the PDF: Chromium was not found (install it, e.g. `apt-get install chromium`, "
                                 "or set FINMODEL_CHROMIUM); use --no-pdf to write the HTML only")
    return exe


def chromium_flags(profile: Path) -> list[str]:
    """Flags for a headless, offline, throw-away Chromium."""
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
            f"--user-data-dir={profile}"]


def print_pdf(html_path: Path, pdf_path: Path, chromium: str | None = None) -> Path:
    """Print ``html_path`` (a local file) to ``pdf_path``; raise EnvironmentFailure if Chromium fails."""
    exe = chromium or require_chromium()
    profile = Path(tempfile.mkdtemp(prefix="finmodel-chromium-"))
    try:
        cmd = [exe, *chromium_flags(profile), "--no-pdf-header-footer", "--print-to-pdf-no-header",
               f"--print-to-pdf={pdf_path}", Path(html_path).resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise EnvironmentFailure(f"Chromium did not print {html_path} within {PRINT_TIMEOUT_S} s") from None
        except OSError as exc:
            raise EnvironmentFailure(f"cannot run Chromium ({exe}): {exc.strerror}") from None
        if proc.returncode != 0 or not Path(pdf_path).is_file() or Path(pdf_path).stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise EnvironmentFailure(f"Chromium could not print the PDF (exit {proc.returncode}): " + " | ".join(tail))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return Path(pdf_path)

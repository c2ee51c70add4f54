"""Where outputs go: folder names made safe, and always under the output root.

A scenario's ``name`` (from a file anyone can write), a plan's file name and a
sweep's method become folder names under ``outputs/``.  A name such as
``../../inputs`` or ``/home/me`` must never become a path that leaves the output
root, so every name passes through :func:`slug` first and the joined path is
checked to stay inside the root (:func:`output_dir`).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

from finmodel.errors import RefusedError

#: Longest folder name finmodel makes from a name (characters, before the hash suffix).
SLUG_MAX_CHARS = 60

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(name: str) -> str:
    """A folder name made from ``name``: letters, digits, ``.``, ``_`` and ``-`` only.

    Separators, ``..``, leading dots (hidden files), spaces and anything else are
    replaced by ``-``; the result is at most :data:`SLUG_MAX_CHARS` long.  When the
    slug is not the name itself, eight hex digits of the name's sha256 are added, so
    two different names (``a/b`` and ``a-b``) never share a folder.
    """
    text = unicodedata.normalize("NFKC", str(name))
    safe = _UNSAFE.sub("-", text)
    safe = re.sub(r"\.{2,}", "-", safe)          # no '..' anywhere
    safe = re.sub(r"-{2,}", "-", safe).strip(".-")  # no leading dot: not hidden, not '.' or '..'
    safe = safe[:SLUG_MAX_CHARS].rstrip(".-")
    if safe and safe == text:
        return safe
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe}-{digest}" if safe else f"unnamed-{digest}"


def inside(path: Path, root: Path) -> bool:
    """True if ``path`` (resolved, symlinks followed) is ``root`` or below it."""
    return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(root)))


def output_dir(root: Path, *names: str) -> Path:
    """``root/slug(name1)/slug(name2)/...``, refused if it would resolve outside ``root``.

    The check follows symlinks, so a link planted at ``outputs/luton`` that points at
    another folder is refused rather than written through.
    """
    path = Path(root).joinpath(*(slug(n) for n in names))
    if not inside(path, root):
        raise RefusedError(f"output folder {path} resolves outside the output root {root} (a symlink?); not written")
    return path


def check_out_target(target: Path) -> None:
    """Refuse an ``--out`` folder that is the working folder, one of its parents, or the filesystem root.

    Replacing such a folder would replace what the user is working in; there is no
    ``--force`` for this.
    """
    real = Path(os.path.realpath(target))
    cwd = Path(os.path.realpath(Path.cwd()))
    if real == Path(real.anchor) or cwd.is_relative_to(real):
        raise RefusedError(
            f"--out {target}: that is the current folder or one of its parents; give a new or finmodel-written "
            "folder for the results (e.g. --out results/luton)"
        )

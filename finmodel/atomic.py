"""Write a folder of results whole or not at all, and replace only what finmodel wrote.

Every folder finmodel writes carries a manifest, ``.finmodel-output.json``, listing
the files it wrote.  A later run replaces that folder only while it still holds
nothing but those files; a folder with anything else in it (a user's notes, a
folder given by mistake with ``--out``), a file, or a symlink is refused with
:class:`~finmodel.errors.RefusedError` (exit 2) unless ``force``.

Results are written into a hidden temporary folder beside the target
(``.NAME.tmp-XXXX``) and renamed into place only when complete.  A run killed
half-way leaves that temporary folder behind; it carries a marker with the process
id, and the next run beside it removes the temporary folders of processes that have
ended (:func:`remove_stale_partials`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from finmodel import __version__
from finmodel.errors import EnvironmentFailure, RefusedError

MANIFEST = ".finmodel-output.json"
PARTIAL_MARKER = ".finmodel-partial"
#: A partial folder older than this is removed even if its process id is alive (ids are reused).
STALE_AFTER_S = 24 * 3600
#: File kinds a folder written before manifests existed may hold (with a finmodel summary.json).
_LEGACY_SUFFIXES = {".csv", ".json", ".xlsx", ".png", ".parquet"}


def _files_under(folder: Path) -> list[str]:
    """Relative paths of every file below ``folder`` (sorted, '/' separated)."""
    out = []
    for dirpath, _dirs, files in os.walk(folder):
        for f in files:
            out.append(Path(dirpath, f).relative_to(folder).as_posix())
    return sorted(out)


def _legacy_finmodel_folder(folder: Path, entries: list[Path]) -> bool:
    """A results folder from a finmodel before manifests: its summary.json says finmodel wrote it."""
    if not all(e.is_file() and not e.is_symlink() and e.suffix in _LEGACY_SUFFIXES for e in entries):
        return False
    try:
        doc = json.loads((folder / "summary.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    meta = doc.get("metadata", doc) if isinstance(doc, dict) else {}
    return isinstance(meta, dict) and "finmodel_version" in meta


def ownership(target: Path) -> tuple[str, str]:
    """What is at ``target``: ('absent'|'empty'|'finmodel'|'foreign'|'file'|'symlink', why)."""
    if target.is_symlink():
        return "symlink", f"{target} is a symbolic link"
    if not target.exists():
        return "absent", ""
    if not target.is_dir():
        return "file", f"{target} is a file, not a results folder"
    entries = sorted(target.iterdir())
    if not entries:
        return "empty", ""
    try:
        manifest = json.loads((target / MANIFEST).read_text("utf-8"))
        listed = set(manifest["files"]) if manifest.get("written_by") == "finmodel" else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        listed = None
    if listed is None:
        if _legacy_finmodel_folder(target, entries):
            return "finmodel", ""
        names = ", ".join(e.name for e in entries[:5]) + (", ..." if len(entries) > 5 else "")
        return "foreign", f"{target} holds files finmodel did not write ({names})"
    extra = [f for f in _files_under(target) if f not in (MANIFEST, PARTIAL_MARKER) and f not in listed]
    if extra:
        names = ", ".join(extra[:5]) + (", ..." if len(extra) > 5 else "")
        return "foreign", f"{target} was written by finmodel but now also holds {names}"
    return "finmodel", ""


def check_replaceable(target: Path, force: bool = False) -> None:
    """Raise RefusedError unless ``target`` is absent, empty, or a folder finmodel wrote (or ``force``)."""
    kind, why = ownership(Path(target))
    if kind in ("absent", "empty", "finmodel"):
        return
    if kind == "file":
        raise RefusedError(f"{why}; finmodel never replaces a file with a results folder. Choose another --out.")
    if not force:
        raise RefusedError(f"{why}; finmodel replaces only folders it wrote itself. Choose another --out, "
                           "or pass --force to replace it")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _is_stale(partial: Path) -> bool:
    try:
        marker = json.loads((partial / PARTIAL_MARKER).read_text("utf-8"))
        pid, host, started = int(marker["pid"]), str(marker["host"]), float(marker["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return False  # not ours (or unreadable): leave it alone
    if time.time() - started > STALE_AFTER_S:
        return True
    return host == socket.gethostname() and not _pid_alive(pid)


def remove_stale_partials(parent: Path) -> list[Path]:
    """Remove the hidden temporary folders that killed finmodel runs left in ``parent``."""
    removed = []
    try:
        candidates = [p for p in Path(parent).iterdir()
                      if p.name.startswith(".") and (".tmp-" in p.name or ".old-" in p.name)
                      and p.is_dir() and not p.is_symlink()]
    except OSError:
        return removed
    for p in candidates:
        if _is_stale(p):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _mark_partial(folder: Path) -> None:
    marker = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    (folder / PARTIAL_MARKER).write_text(json.dumps(marker), "utf-8")


def _write_manifest(folder: Path) -> None:
    files = [f for f in _files_under(folder) if f not in (MANIFEST, PARTIAL_MARKER)]
    doc = {"written_by": "finmodel", "finmodel_version": __version__,
           "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"), "files": files}
    (folder / MANIFEST).write_text(json.dumps(doc, indent=2) + "\n", "utf-8")


def make_parent(parent: Path) -> None:
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise RefusedError(f"{parent} exists and is not a folder; results cannot be written under it") from None
    except OSError as exc:
        raise EnvironmentFailure(f"cannot create the folder {parent}: {exc.strerror}") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise EnvironmentFailure(f"cannot write results in {parent}: permission denied")


def write_dir_atomically(target: Path, fill: Callable[[Path], None], force: bool = False) -> Path:
    """Create ``target`` as a folder filled by ``fill(tmp_dir)``; replace it only on success.

    Refuses (before ``fill`` runs) to replace anything that is not a folder finmodel
    wrote, unless ``force``; see :func:`check_replaceable`.
    """
    target = Path(target)
    check_replaceable(target, force)
    make_parent(target.parent)
    remove_stale_partials(target.parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    except OSError as exc:
        raise EnvironmentFailure(f"cannot write results in {target.parent}: {exc.strerror}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; results are ordinary files for the team to read
    try:
        _mark_partial(tmp)
        fill(tmp)
        _write_manifest(tmp)
        check_replaceable(target, force)  # again: something may have appeared while we computed
        old = None
        if target.exists() or target.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            _mark_partial(old)
            os.replace(target, old / "x")
        os.replace(tmp, target)
        (target / PARTIAL_MARKER).unlink()  # only now: a kill before the rename leaves a marked, removable folder
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, (PermissionError,)) or exc.errno in (28, 30, 122):  # EACCES, ENOSPC, EROFS, EDQUOT
            raise EnvironmentFailure(f"cannot write results to {target}: {exc.strerror}") from None
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def check_file_replaceable(path: Path, force: bool, ours: Callable[[Path], bool] | None = None,
                           what: str = "file") -> None:
    """Refuse to replace ``path`` unless it is absent, finmodel's own (``ours(path)``), or ``force``.

    A folder or a symbolic link at ``path`` is always refused: finmodel writes a file
    there, never through a link to somewhere else.
    """
    path = Path(path)
    if path.is_symlink():
        raise RefusedError(f"{path} is a symbolic link; finmodel does not write through links. Choose another path.")
    if not path.exists():
        return
    if path.is_dir():
        raise RefusedError(f"{path} is a folder; give a {what} name (e.g. {path / 'plan.toml'})")
    if force or (ours is not None and ours(path)):
        return
    raise RefusedError(f"{path} exists and finmodel did not write it (or it was edited since); "
                       "pass --force to replace it, or choose another name")


def write_file_atomically(path: Path, data: bytes, force: bool = False,
                          ours: Callable[[Path], bool] | None = None) -> Path:
    """Write ``data`` to ``path`` through a unique temporary file beside it, then rename.

    The temporary file is made by :func:`tempfile.mkstemp` (``O_EXCL``: never an
    existing name, never through a planted symlink); ``path`` is either untouched or
    the complete new file.
    """
    path = Path(path)
    check_file_replaceable(path, force, ours)
    make_parent(path.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    except OSError as exc:
        raise EnvironmentFailure(f"cannot write {path}: {exc.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path

"""The per-scenario samples file (``--save-samples``): whole or not at all.

Rows are streamed chunk by chunk into a temporary file in the destination folder and
renamed onto the target only once the sweep has finished, so a sweep that is killed
(or fails) never leaves a file at the target that looks complete but is truncated: the
target is either absent or the previous complete file.  The temporary file is made by
:func:`tempfile.mkstemp` (a random name opened with ``O_CREAT | O_EXCL | O_NOFOLLOW``),
so a symlink planted at a likely name is never followed; it is removed on any error.
A process killed with SIGKILL cannot remove it: it stays as a hidden
``.<name>.<random>.tmp`` beside the target, never at the target's name.

Refusals, all before the sweep runs: the target is a folder or a special file, its
folder does not exist (:class:`~finmodel.errors.InputError`) or cannot be written
(:class:`~finmodel.errors.EnvironmentFailure`), or it exists and ``overwrite`` is
False (:class:`~finmodel.errors.RefusedError`).  Even with ``overwrite`` the target's
folder entry is replaced, never written through: a symlink at the target is replaced
by the file, and its destination is left alone.

CSV: a header (the csv module, so names holding commas, quotes or line breaks are
quoted, and text that a spreadsheet would run as a formula neutralised by
:func:`finmodel.csvsafe.neutralise`), then one row per scenario of numbers only
(``%.17g``, so every float64 reads back exactly).  Parquet when the name ends in
``.parquet`` and pyarrow is importable (otherwise the name's suffix becomes ``.csv``).
"""

from __future__ import annotations

import csv
import os
import stat
import tempfile
from pathlib import Path
from typing import Mapping

import numpy as np

from finmodel.csvsafe import neutralise
from finmodel.errors import EnvironmentFailure, InputError, RefusedError

__all__ = ["SamplesFile"]


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


class SamplesFile:
    """A samples file being written; :meth:`commit` puts it in place, :meth:`discard` removes it.

    Use as a context manager: leaving the block by an exception discards the file.
    Call the object as ``on_chunk(start, values, outputs)`` for each chunk, in order.
    """

    def __init__(self, target: str | Path, overwrite: bool = False):
        path = Path(target)
        self.parquet = path.suffix == ".parquet" and _has_pyarrow()
        if path.suffix == ".parquet" and not self.parquet:
            path = path.with_suffix(".csv")
        self.path = path
        self.overwrite = bool(overwrite)
        self._check_target()
        self.tmp = self._make_temp()
        self._pq = None
        self._header_done = False

    # ------------------------------------------------------------------ checks
    def _check_target(self) -> None:
        path = self.path
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise EnvironmentFailure(f"samples file {path}: cannot be inspected ({exc.strerror})") from None
        if st is not None:
            if stat.S_ISDIR(st.st_mode):
                raise InputError(f"samples file {path} is a folder; give a file name (e.g. {path / 'samples.csv'})")
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
                raise InputError(f"samples file {path} exists and is not a regular file; finmodel will not replace it")
            if not self.overwrite:
                raise RefusedError(f"samples file {path} already exists; finmodel replaces it only when asked "
                                   "(--force, or overwrite=True)")
        folder = path.parent
        if not folder.is_dir():
            raise InputError(f"samples file {path}: the folder {folder} does not exist")

    def _make_temp(self) -> Path:
        folder = self.path.parent
        try:
            fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        except OSError as exc:
            raise EnvironmentFailure(f"samples file {self.path}: cannot write in {folder} ({exc.strerror})") from None
        try:
            # mkstemp makes 0600; the samples are an ordinary result file for the team to read
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
            self._fh = os.fdopen(fd, "wb" if self.parquet else "w", newline="" if not self.parquet else None)
        except BaseException:
            os.close(fd)
            os.unlink(name)
            raise
        return Path(name)

    # ------------------------------------------------------------------ writing
    def __call__(self, start: int, values: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]) -> None:
        m = len(next(iter(outputs.values())))
        cols = {"scenario": np.arange(start, start + m)}
        cols.update(values)
        cols.update(outputs)
        try:
            if self.parquet:
                self._write_parquet(cols)
            else:
                self._write_csv(cols)
        except OSError as exc:
            raise EnvironmentFailure(f"samples file {self.path}: writing failed ({exc.strerror or exc})") from None

    def _write_csv(self, cols: dict) -> None:
        if not self._header_done:
            csv.writer(self._fh, lineterminator="\n").writerow([neutralise(k) for k in cols])
            self._header_done = True
        block = np.column_stack([np.asarray(v, dtype=np.float64) for v in cols.values()])
        fmt = ["%d"] + ["%.17g"] * (block.shape[1] - 1)
        np.savetxt(self._fh, block, fmt=fmt, delimiter=",")

    def _write_parquet(self, cols: dict) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({k: np.asarray(v) for k, v in cols.items()})
        if self._pq is None:
            self._pq = pq.ParquetWriter(self._fh, table.schema)
        self._pq.write_table(table)

    # ------------------------------------------------------------------ ending
    def commit(self) -> Path:
        """Flush the temporary file to disk and rename it onto the target; returns the target."""
        try:
            if self._pq is not None:
                self._pq.close()
            self._fh.flush()
            os.fsync(self._fh.fileno())  # the data is on disk before the name says it is complete
            self._fh.close()
            if self.overwrite:
                os.replace(self.tmp, self.path)
            else:
                self._link_no_clobber()
        except OSError as exc:
            self.discard()
            raise EnvironmentFailure(f"samples file {self.path}: could not be put in place ({exc.strerror or exc})") from None
        except BaseException:
            self.discard()
            raise
        return self.path

    def _link_no_clobber(self) -> None:
        # a file that appeared at the target during the run must not be replaced either:
        # a hard link fails if the name exists; where links are unsupported, check and rename
        try:
            os.link(self.tmp, self.path, follow_symlinks=False)
        except FileExistsError:
            raise RefusedError(f"samples file {self.path} appeared while the sweep ran; finmodel replaces it "
                               "only when asked (--force, or overwrite=True)") from None
        except OSError:
            if os.path.lexists(self.path):
                raise RefusedError(f"samples file {self.path} appeared while the sweep ran; finmodel replaces it "
                                   "only when asked (--force, or overwrite=True)") from None
            os.replace(self.tmp, self.path)
            return
        os.unlink(self.tmp)

    def discard(self) -> None:
        """Close and remove the temporary file (the target is left as it was)."""
        try:
            if self._pq is not None:
                self._pq.close()
        except Exception:  # noqa: BLE001 - removing the file matters more than closing the writer cleanly
            pass
        try:
            self._fh.close()
        except OSError:
            pass
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass

    def __enter__(self) -> "SamplesFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.discard()

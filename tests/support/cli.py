"""Run finmodel's CLI in-process, and snapshot folders to prove nothing changed."""

from __future__ import annotations

from pathlib import Path

from finmodel import cli


def run_cli(*args) -> int:
    return cli.main([str(a) for a in args])


def tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` with its bytes, to prove nothing changed."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def is_number(cell: str) -> bool:
    """True if a CSV cell reads as a number (a negative amount may begin with '-')."""
    try:
        float(cell)
    except ValueError:
        return False
    return True

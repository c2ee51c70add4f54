"""Shared fixtures.  ``sandbox``: finmodel's CLI run in-process with the output root
moved into tmp_path, so no test can write into (or, on a bug, delete from) the
repository itself."""

from __future__ import annotations


import pytest

from finmodel import cli
from finmodel.report import output
from finmodel.report.recalc import soffice_path


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A fake checkout: tmp/repo/{inputs,outputs}; finmodel's output root points at its outputs/."""
    repo = tmp_path / "repo"
    (repo / "inputs").mkdir(parents=True)
    outputs = repo / "outputs"
    monkeypatch.setattr(output, "OUTPUTS_DIR", outputs)
    monkeypatch.setattr(cli, "OUTPUTS_DIR", outputs)
    monkeypatch.chdir(tmp_path)
    return repo


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice's ``soffice``; skips the test when it is missing."""
    path = soffice_path()
    if path is None:
        pytest.skip("LibreOffice not installed: apt-get install libreoffice-calc-nogui")
    return path

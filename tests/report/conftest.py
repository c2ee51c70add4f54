"""Fixtures shared by the report tests."""

from __future__ import annotations

import pytest

from finmodel.report.recalc import soffice_path


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice's ``soffice``; skips the test when it is missing."""
    path = soffice_path()
    if path is None:
        pytest.skip("LibreOffice not installed: apt-get install libreoffice-calc-nogui")
    return path

"""Benchmarks: run only with ``pytest tests/benchmarks --benchmark-only`` (addopts skips them).

Each benchmark stores its headline figure with the ``figures`` fixture; they are
printed together at the end of the session (copy them into RESULTS.md).
"""

import pytest

_FIGURES: list[tuple[str, str]] = []


@pytest.fixture
def figures():
    def record(name: str, value: str) -> None:
        _FIGURES.append((name, value))

    return record


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("finmodel benchmark figures")
        for name, value in _FIGURES:
            terminalreporter.write_line(f"{name}: {value}")

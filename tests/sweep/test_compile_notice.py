"""The first sweep after an install compiles numba's code for about half a minute: the user is told why.

``limits.compile_notice`` starts a timer around a sweep's set-up (tornado, break-even,
pilot: under a second once compiled); past ``COMPILE_NOTICE_S`` it tells the user, once.
The real first-run case (a fresh install) is tests/test_install.py.
"""

from __future__ import annotations

import threading
import time

from finmodel.sweep import limits
from finmodel.sweep.driver import run_sweep


def test_a_slow_set_up_is_announced_once(monkeypatch):
    monkeypatch.setattr(limits, "COMPILE_NOTICE_S", 0.05)
    said = []
    with limits.compile_notice(said.append):
        time.sleep(0.4)
    time.sleep(0.1)
    assert said == [limits.COMPILE_MESSAGE]


def test_a_quick_set_up_says_nothing_and_leaves_no_thread(monkeypatch):
    monkeypatch.setattr(limits, "COMPILE_NOTICE_S", 0.3)
    said = []
    before = threading.active_count()
    with limits.compile_notice(said.append):
        pass
    time.sleep(0.6)  # past the threshold: the timer was cancelled
    assert said == [] and threading.active_count() == before


def test_without_a_listener_no_timer_starts():
    before = threading.active_count()
    with limits.compile_notice(None):
        assert threading.active_count() == before


def test_the_sweep_announces_through_notify(monkeypatch):
    monkeypatch.setattr(limits, "COMPILE_NOTICE_S", 0.0)  # any set-up counts as slow
    said = []
    run_sweep(None, "luton-sensitivity", "lhs", 2000, 1, notify=said.append)
    time.sleep(0.1)
    assert said == [limits.COMPILE_MESSAGE]


def test_the_board_paper_passes_the_notice_on(monkeypatch):
    from finmodel.board_paper.paper import DEFAULT_SWEEP, sweep_part
    from finmodel.engine import DEFAULT_PLAN

    monkeypatch.setattr(limits, "COMPILE_NOTICE_S", 0.0)
    said = []
    sweep_part(str(DEFAULT_PLAN), DEFAULT_SWEEP, 1024, 1, notify=said.append)
    time.sleep(0.1)
    assert said == [limits.COMPILE_MESSAGE]

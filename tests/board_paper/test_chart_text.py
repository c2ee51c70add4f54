"""Names a user typed are drawn as text in the board paper's charts (matplotlib would read ``$...$`` as maths)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from finmodel.board_paper import charts

ODD = [r"Trust $\frac$ x", "cost $5m", "a $$ b"]


def svg_texts(svg: str) -> list[str]:
    return re.findall(r">([^<>]+)<", svg)


def test_partner_names_with_dollars_draw_as_written():
    svg = charts.partner_payments(ODD, [1e6, 2e6, 3e6], [2e6, 3e6, 4e6])
    texts = svg_texts(svg)
    for name in ODD:
        assert name in texts, (name, [t for t in texts if "$" in t])


@pytest.mark.parametrize("label", ODD)
def test_series_labels_with_dollars_draw_as_written(label):
    svg = charts.stacked_by_year(["2015/16", "2016/17"], {label: np.array([1e6, 2e6])}, "pool", "£m", "alt text")
    assert label in svg_texts(svg)

"""Money units of the Template 2 workbook: which sheets hold £000, and exact conversions.

The NHS Template 2 asks for amounts in thousands of pounds on its Funding sources and
Expenditure plan sheets, so a finance lead types 7800 for £7.8m there.  The workbook
therefore *holds* £000 on those sheets (and on the Benefits plan, whose rows are the
same schemes, side by side with their spend): the number 7800 in such a cell means
£7,800,000, and every header or label of such a cell says "(£000)".  Every other sheet
holds pounds and says "(£)".  A formula on a £ sheet that reads a £000 cell multiplies
by 1000 (:func:`gbp_ref`), and a £000 cell's cached value is the engine's £ figure
divided by 1000 (:func:`to_k`), so every cell's value is in the unit its header states.

Conversions shift the decimal point of the shortest representation of the number
(``Decimal(repr(x)).scaleb(±3)``), not a binary multiply: £1,234,567.80 is stored
as 1234.5678 and 1234.5678 (£000) reads back as £1,234,567.8 exactly (``1234.5678 *
1000`` in binary floating point is 1234567.7999999998).  A figure with at most 15
significant digits (every amount up to £1 trillion to the penny) round-trips exactly.
The stored £000 value is never rounded; only the number format rounds what is shown.

A workbook records its units on the About sheet (:data:`UNITS_LABEL` /
:data:`UNITS_VALUE`).  One written by an earlier finmodel, whose £000-headed cells
held pounds, has no such row and is refused by ``import-template2``: its figures are
ambiguous (a figure typed there in £000, as the header asks, would be read 1000 times
too small).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from finmodel.report import t2_common as L

#: Sheets whose money cells hold thousands of pounds.
THOUSANDS_SHEETS = frozenset({L.FUNDING, L.EXPENDITURE, L.BENEFITS})
#: The About sheet's row stating the units (the importer requires it, value and all).
UNITS_LABEL = "Money units"
UNITS_VALUE = "£000 on Funding sources, Expenditure plan and Benefits plan (7800 means £7,800,000); £ on every other sheet"
K_UNIT = "(£000)"
GBP_UNIT = "(£)"


def _shift(x: Any, places: int) -> float:
    v = float(x)
    if not math.isfinite(v) or v == 0.0:
        return v
    return float(Decimal(repr(v)).scaleb(places))


def to_k(gbp: Any) -> float:
    """Pounds as thousands of pounds, exactly (a decimal shift, no rounding)."""
    return _shift(gbp, -3)


def from_k(thousands: Any) -> float:
    """Thousands of pounds as pounds, exactly (7600 -> 7600000.0; 1234.5678 -> 1234567.8)."""
    return _shift(thousands, 3)


def gbp_ref(sheet: str, ref: str) -> str:
    """A formula term giving the cell ``ref`` on ``sheet`` in pounds (``ref*1000`` on a £000 sheet)."""
    return f"{ref}*1000" if sheet in THOUSANDS_SHEETS else ref

"""CSV cells that a spreadsheet opens as text, never as a formula (CWE-1236).

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return
or NUL is read by Excel and LibreOffice as a formula (or as the start of one), so
a plan's scheme called ``=HYPERLINK(...)`` would run when the finance lead opens
``schemes.csv``.  Such text gets a leading apostrophe (OWASP's advice); numbers are
left alone, so a negative amount stays a number.  Fields holding CR or LF are quoted
by the ``csv`` module and by pandas (``QUOTE_MINIMAL``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a frame is neutralised: a sweep writes its CSVs without it
    import pandas as pd

#: First characters that make a spreadsheet treat a text cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells, index labels and column names are neutralised."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = _labels(out.columns)
    out.index = _labels(out.index)
    return out


def _labels(index: pd.Index) -> pd.Index:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(neutralise(x) for x in t) for t in index], names=index.names)
    if index.dtype == object or pd.api.types.is_string_dtype(index):
        return pd.Index([neutralise(x) for x in index], name=index.name)
    return index

"""Formulas that match text exactly, for criteria built from plan text.

SUMIFS, COUNTIFS, MATCH and VLOOKUP read their criterion as a pattern, not as text:
``*``, ``?`` and ``~`` are wildcards (in Excel, and in LibreOffice, which turns
wildcards on for an .xlsx; with its regular-expression option ``.``, ``(`` and more
would mean something too), and a leading ``<``, ``>``, ``=`` or ``<>`` makes it a
comparison.  An organisation named ``NHS*`` would sum every organisation whose name
starts with NHS, ``<Z`` nearly all of them, ``=1`` none; and escaping each character
depends on which of those options the reading program has on.

So the workbook never uses a plan's text as a criterion.  It compares with EXACT,
which compares two texts character for character (and case for case, as finmodel
groups organisations by their exact spelling), inside SUMPRODUCT, which evaluates
EXACT over a whole range in every spreadsheet without array entry.  Amounts that
are not numbers (a blank spare row, text typed in by mistake) count as zero, as they
do in SUMIFS.
"""

from __future__ import annotations

__all__ = ["lookup_exact", "sum_exact", "text_literal"]


def text_literal(text: str) -> str:
    """``text`` as a string literal in a formula (``"`` doubled): never a reference or operator."""
    return '"' + text.replace('"', '""') + '"'


def sum_exact(sum_range: str, *criteria: tuple[str, str], tests: tuple[str, ...] = ()) -> str:
    """The sum of ``sum_range`` over the rows where every ``(range, value)`` pair matches exactly.

    ``value`` is a cell reference or a :func:`text_literal`; no ``=`` is prepended.  ``tests`` are
    further 0/1 terms over ranges of the same size (such as
    :func:`finmodel.report.t2_labels.is_choice`), multiplied in.
    """
    if not criteria and not tests:
        raise ValueError("sum_exact needs at least one (range, value) criterion")
    terms = ",".join([f"--EXACT({rng},{value})" for rng, value in criteria] + list(tests))
    return f"SUMPRODUCT({terms},{sum_range})"


def lookup_exact(result_range: str, key_range: str, key: str, missing: str = '""') -> str:
    """The ``result_range`` entry on the first row whose ``key_range`` entry is exactly ``key``.

    ``missing`` (a formula expression) when there is none.  EXACT over a range needs
    array evaluation here: write the formula as an array formula
    (:func:`~finmodel.report.xlsx_utils.write_array_formula`).
    """
    return f"IFERROR(INDEX({result_range},MATCH(TRUE,EXACT({key_range},{key}),0)),{missing})"

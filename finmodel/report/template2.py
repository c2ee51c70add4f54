"""Template 2 (finance and metrics) as a live Excel workbook.

:func:`write_template2` turns a :class:`~finmodel.engine.RunResult` into an .xlsx
that an assurer can read tab by tab and a finance officer can edit: inputs are
yellow and unlocked, calculated cells grey and locked, every sheet is protected
(no password), and totals, percentages, the P4P sum and the risk-share split are
Excel formulas over the input cells, each carrying the engine's value as its
cached result (so readers that do not recalculate still see the numbers).

Money cells hold the unit their headers state: £000 on Funding sources,
Expenditure plan and Benefits plan (the NHS template's unit: 7800 means
£7,800,000), £ everywhere else; links from a £ sheet to a £000 cell multiply by
1000 (see :mod:`finmodel.report.t2_units`).  Percentages that are plan inputs are stored in percent (60 means 60%),
as in the plan file, so a workbook reads back to exactly the same plan.

The Assumptions sheet lists every input of the plan by path, with its unit and
source.  Inputs that live on a structured sheet (contributions, schemes,
benefits, P4P, metrics, partners) appear there as live links; everything else is
held on the Assumptions sheet itself and read back from it by
:func:`finmodel.report.import_template2.import_template2`.

The sheets are built by mixins, one module per sheet or pair of sheets: ``t2_funding``,
``t2_schemes`` (Expenditure and Benefits plans), ``t2_p4p``, ``t2_qipp``, ``t2_risk``,
``t2_five_year``, ``t2_scenarios`` (Scenarios and Sensitivity), ``t2_assumptions`` and
``t2_cover`` (Cover and About), on the shared helpers of ``t2_base``.
"""

from __future__ import annotations

from pathlib import Path

from finmodel.report import t2_common as L
from finmodel.report.t2_assumptions import AssumptionsSheet, unit_for, walk_plan
from finmodel.report.t2_base import SheetBuilder
from finmodel.report.t2_checks import LiveChecks
from finmodel.report.t2_cover import CoverSheet
from finmodel.report.t2_five_year import FiveYearSheet
from finmodel.report.t2_funding import FundingSheet
from finmodel.report.t2_p4p import P4PSheet
from finmodel.report.t2_qipp import QippSheet
from finmodel.report.t2_risk import RiskShareSheet
from finmodel.report.t2_scenarios import ScenarioSheets
from finmodel.report.t2_schemes import SchemeSheets
from finmodel.report.workbook_owner import AUTHOR
from finmodel.report.xlsx_utils import atomic_write_workbook

__all__ = ["write_template2", "walk_plan", "unit_for"]


class _Builder(FundingSheet, SchemeSheets, P4PSheet, QippSheet, RiskShareSheet, FiveYearSheet, ScenarioSheets,
               AssumptionsSheet, CoverSheet, LiveChecks, SheetBuilder):
    """Builds every sheet, in an order that lets later sheets link to earlier input cells."""

    def build(self) -> None:
        self.funding()
        self.expenditure()
        self.benefits()
        self.p4p()
        self.qipp()
        self.risk()
        self.five_year()
        self.scenarios()
        self.sensitivity()
        self.assumptions()
        self.about()
        self.cover()
        for chart in self.wb.charts:  # legends under the plot, in the text size of the sheets
            chart.set_legend({"position": "bottom", "font": {"size": 10}})
        self.ws[L.COVER].activate()


def write_template2(result, path: Path, scenario_results: list | None = None, sweep_summary: dict | None = None) -> Path:
    """Write the Template 2 workbook of ``result`` to ``path`` (atomically); returns the path.

    ``scenario_results``: further RunResults of the same plan, shown side by side on
    the Scenarios sheet (default: just ``result``).  ``sweep_summary`` (optional):
    ``{"percentiles": {output: StreamingSummary.result()}, "tornado": [{"input",
    "low", "high", "output_low", "output_high"}, ...], "output", "method", "n",
    "seed"}``; without it the Sensitivity sheet says "no sweep run".
    """
    def build(wb) -> None:
        wb.set_properties({"author": AUTHOR, "title": f"Template 2: {result.plan.hwb.name}"})  # see workbook_owner
        _Builder(wb, result, scenario_results, sweep_summary).build()

    return atomic_write_workbook(Path(path), build)

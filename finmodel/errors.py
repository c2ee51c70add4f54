"""finmodel's exit statuses and the errors that map to them.

The command line turns each of these into one line on stderr (no traceback) and its
exit status:

* 0 - done;
* 1 - done, but an assurance check is Red (``check --strict`` only);
* 2 - bad input or a refusal: an invalid plan, scenario or workbook, a limit exceeded,
  an output that would replace something finmodel did not write;
* 3 - an internal numeric fault: a NaN or infinite figure reached an output (a bug;
  nothing is written);
* 4 - the environment stopped the run: an output folder that cannot be written, a
  Dask scheduler that cannot be reached.

:class:`finmodel.plan.PlanError` and :class:`finmodel.scenario.ScenarioError` are
exit 2 as well (they predate this module and stay ``ValueError`` subclasses).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_RED_CHECK = 1
EXIT_BAD_INPUT = 2
EXIT_NUMERIC_FAULT = 3
EXIT_ENVIRONMENT = 4


class FinmodelError(Exception):
    """Base of finmodel's own errors; ``exit_code`` is the CLI's exit status."""

    exit_code = EXIT_BAD_INPUT


class InputError(FinmodelError, ValueError):
    """Bad input that is not a plan or scenario file (a workbook, an option, a limit)."""

    exit_code = EXIT_BAD_INPUT


class RefusedError(FinmodelError):
    """finmodel will not do this because it would replace or touch what it did not write."""

    exit_code = EXIT_BAD_INPUT


class NumericFault(FinmodelError):
    """A NaN or infinite figure where a finite one is required: a bug, never a result."""

    exit_code = EXIT_NUMERIC_FAULT


class EnvironmentFailure(FinmodelError):
    """The machine, not the input, stopped the run (unwritable folder, unreachable scheduler)."""

    exit_code = EXIT_ENVIRONMENT

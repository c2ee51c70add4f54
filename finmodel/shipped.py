"""Where finmodel finds plans, scenarios and the output root, installed or in a checkout.

The shipped plans (``inputs/``) and scenarios (``scenarios/``) are package data
(``finmodel.examples.inputs`` and ``finmodel.examples.scenarios``, mapped onto the
repository's top-level folders in ``pyproject.toml``), so a plain ``pip install``
carries them.  What the user has in the working folder comes first:

* the default plan is ``./inputs/luton.toml`` if there is one, else the shipped Luton plan;
* a scenario name is looked up in ``./scenarios/`` first, then among the shipped ones;
* results go under ``./outputs/`` of the working folder (or ``--out``), never inside the
  installed package.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

DEFAULT_PLAN_NAME = "luton.toml"
#: Results root, relative to the working folder at the time of writing.
OUTPUTS_DIR = Path("outputs")


_CHECKOUT = Path(__file__).resolve().parent.parent  # the repository, when run from a checkout


def _package_dir(package: str, checkout_folder: str) -> Path:
    """The installed package-data folder, or in a checkout (and an editable install) the repo's folder."""
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:  # an editable install maps only the finmodel/ tree
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return _CHECKOUT / checkout_folder
    return Path(list(spec.submodule_search_locations)[0])  # a data-only (namespace) package: its folder


def shipped_inputs_dir() -> Path:
    return _package_dir("finmodel.examples.inputs", "inputs")


def shipped_scenarios_dir() -> Path:
    return _package_dir("finmodel.examples.scenarios", "scenarios")


def default_plan() -> Path:
    """``./inputs/luton.toml`` if the working folder has one, else the shipped Luton plan."""
    local = Path("inputs") / DEFAULT_PLAN_NAME
    return local if local.is_file() else shipped_inputs_dir() / DEFAULT_PLAN_NAME


def scenario_dirs() -> list[Path]:
    """Folders searched for a scenario name, first match wins: ./scenarios, then the shipped ones."""
    dirs = []
    local = Path("scenarios")
    if local.is_dir():
        dirs.append(local)
    shipped = shipped_scenarios_dir()
    if not dirs or local.resolve() != shipped.resolve():
        dirs.append(shipped)
    return dirs

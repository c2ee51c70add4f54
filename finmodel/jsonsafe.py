"""Make results JSON-safe: numpy scalars and arrays to Python, NaN/inf to null."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def json_safe(value: Any, decimals: int | None = None) -> Any:
    """A copy of ``value`` that ``json.dumps(..., allow_nan=False)`` accepts.

    Floats that are not finite become None; with ``decimals`` every float is rounded
    (2 = to the penny for £).  Booleans stay booleans (numpy's too).
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v, decimals) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, decimals) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist(), decimals)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            return None
        return round(f, decimals) if decimals is not None else f
    return value

import json

import numpy as np

from finmodel.jsonsafe import json_safe


def test_json_safe_turns_numpy_and_nan_into_json():
    doc = {"a": np.float64(1.005), "b": [np.int64(3), float("nan"), np.inf], "c": np.array([1.0, 2.0]), "d": np.bool_(True)}
    assert json_safe(doc) == {"a": 1.005, "b": [3, None, None], "c": [1.0, 2.0], "d": True}
    assert json_safe({"x": 1234.5678}, decimals=2) == {"x": 1234.57}  # to the penny
    json.dumps(json_safe(doc), allow_nan=False)

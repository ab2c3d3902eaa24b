"""JSON on stdout: json.dumps of the result's to_dict(), never through a rich console."""
from __future__ import annotations

import json
import math
from typing import Any


def _clean(value: Any) -> Any:
    """NaN/inf are not JSON: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def render(result: Any) -> str:
    return json.dumps(_clean(result.to_dict()), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

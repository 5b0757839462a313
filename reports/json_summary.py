"""JSON summary: per cell every statistic, the ratio to native and its warnings; skipped runtimes.

Beside the primary ratio (``ratio``: paired, over undisturbed rounds) each cell keeps the other
estimator, ``ratio_low_quantile`` (its low quantile of times ÷ native's), and its ``disturbed`` runs,
``repeats`` and ``disturbed_in_ratio`` rounds.

For scripts that want the numbers of the tables without recomputing them from the runs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

FORMAT = "wasmbench-summary/1"


def summary(cells: pd.DataFrame, skipped: pd.DataFrame) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "cells": [_clean(record) for record in cells.to_dict(orient="records")],
        "skipped": [_clean(record) for record in skipped.to_dict(orient="records")],
    }


def write(cells: pd.DataFrame, skipped: pd.DataFrame, path: Path) -> None:
    path.write_text(json.dumps(summary(cells, skipped), indent=2, default=_plain))


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """NaN (undefined, e.g. stddev of one run) becomes null: JSON has no NaN."""
    return {
        key: None if isinstance(value, float) and math.isnan(value) else value
        for key, value in record.items()
    }


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as plain JSON values."""
    return value.tolist() if hasattr(value, "tolist") else str(value)

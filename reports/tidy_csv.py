"""CSV for pandas users: the tidy frame itself, one row per run, every metadata field a column.

Read it back with ``pandas.read_csv``; filter on ``status == "ok"`` before averaging.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)
